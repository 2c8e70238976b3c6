"""Hostile AWS strings (`<script>`, attribute breakers, `{{ 7*7 }}`, Markdown and Mermaid breakers) are
inert in every format: escaped where markup is possible, never evaluated as a template, and the
structured formats stay valid."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from formats_fixtures import PAYLOAD, payload_context
from jsonschema import Draft4Validator, Draft202012Validator
from junitparser import JUnitXml

from sgaudit.formats import OutputFormat, render
from sgaudit.formats.json_format import shipped_schema

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def no_49(out: str) -> None:
    """`{{ 7*7 }}` was never evaluated: no stray 49 (fingerprints, 32 hex digits, set aside)."""
    assert not re.search(r"(?<![0-9a-fA-F])49(?![0-9a-fA-F])", re.sub(r"[0-9a-f]{32}", "", out))


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_template_payload_is_never_evaluated(fmt: OutputFormat) -> None:
    out = render(fmt, payload_context())
    no_49(out)
    if fmt is OutputFormat.MARKDOWN:
        assert "{{ 7\\*7 }}" in out  # escaped emphasis: GitHub shows {{ 7*7 }}
    elif fmt in {OutputFormat.JSON, OutputFormat.SARIF}:
        assert "{{ 7*7 }}" in json.dumps(json.loads(out), ensure_ascii=False)
    else:
        assert "{{ 7*7 }}" in out


def test_json_stays_valid_and_exact() -> None:
    ctx = payload_context()
    document = json.loads(render(OutputFormat.JSON, ctx))
    assert Draft202012Validator(shipped_schema()).is_valid(document)
    assert document["findings"][0]["message"] == f"group named {PAYLOAD} allows egress, description {PAYLOAD}"


def test_sarif_stays_valid_and_exact() -> None:
    document = json.loads(render(OutputFormat.SARIF, payload_context()))
    validator = Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert validator.is_valid(document)
    result = document["runs"][0]["results"][0]
    assert result["message"]["text"].startswith(f"group named {PAYLOAD}")
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert re.fullmatch(r"[A-Za-z0-9%/._~-]+", uri), uri


def test_junit_structure_is_intact(tmp_path: Path) -> None:
    text = render(OutputFormat.JUNIT, payload_context())
    root = ET.fromstring(text)
    assert {el.tag for el in root.iter()} <= {
        "testsuites",
        "testsuite",
        "testcase",
        "failure",
        "skipped",
        "error",
        "properties",
        "property",
    }
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    xml.update_statistics()
    assert (xml.failures, xml.skipped, xml.errors) == (1, 1, 1)
    failure = root.find(".//failure")
    assert failure is not None and PAYLOAD in (failure.text or "")


def test_markdown_is_escaped() -> None:
    md = render(OutputFormat.MARKDOWN, payload_context())
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    # Every table row keeps its column count: no pipe from AWS splits a cell.
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) in {4, 6}, line
    block = re.search(r"```mermaid\n(.*?)\n```", md, re.S)
    assert block is not None
    for line in block.group(1).splitlines():
        assert "`" not in line
        assert line.count('"') in {0, 2, 4}, line  # node label, or edge label between quotes
        assert "<script" not in line and "<img" not in line


def test_text_prints_payloads_literally() -> None:
    out = render(OutputFormat.TEXT, payload_context())
    assert "<script>alert(1)</script>" in out  # plain text: nothing interprets it
    assert "\x1b" not in out


def test_html_payloads_are_escaped() -> None:
    html = render(OutputFormat.HTML, payload_context())
    assert "<script>alert" not in html
    assert "<script>window.__pwned" not in html
    assert "<img" not in html
    # Escaped text may still read "onerror=" (no element carries it): test_formats_html parses the page.
