"""Strings from AWS (names, descriptions, tags) are data: a hostile snapshot renders inert in every format,
and JSON and SARIF stay valid."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sgaudit.formats import OutputFormat
from sgaudit.pipeline import render_output, run_check
from tests.e2e.payload_estate import IMG, PAYLOADS, SCRIPT, TEMPLATE, build_payload_snapshot


def payload_outputs(tmp: Path) -> dict[str, str]:
    """Every format of a check run on the hostile snapshot."""
    snap = build_payload_snapshot(tmp / "snap")
    empty = tmp / "sgaudit.yaml"
    empty.write_text("intents: []\n")
    run = run_check(snap, config_path=empty)
    return {fmt.value: render_output(fmt.value, run) for fmt in OutputFormat}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return payload_outputs(tmp_path_factory.mktemp("payload"))


def test_payloads_reach_the_report(outputs: dict[str, str]) -> None:
    # Otherwise the escaping tests below would prove nothing.
    for payload in PAYLOADS:
        assert payload in outputs["text"], payload


def test_json_and_sarif_stay_valid_and_keep_the_strings_verbatim(outputs: dict[str, str]) -> None:
    for fmt in ("json", "sarif"):
        text = json.dumps(json.loads(outputs[fmt]), ensure_ascii=False)
        for payload in PAYLOADS:
            assert payload in text, (fmt, payload)
    assert json.loads(outputs["sarif"])["version"] == "2.1.0"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_markup_formats_escape_every_payload(outputs: dict[str, str], fmt: str) -> None:
    out = outputs[fmt]
    assert SCRIPT not in out
    assert "<img" not in out
    assert "onerror=alert(1)>" not in out.replace("&gt;", "")  # no live attribute survives
    # The template payload is shown literally (Markdown escapes its `*`), never evaluated.
    assert (TEMPLATE if fmt == "html" else TEMPLATE.replace("*", "\\*")) in out


def test_junit_is_well_formed_and_carries_the_strings_as_text(outputs: dict[str, str]) -> None:
    assert SCRIPT not in outputs["junit"]
    root = ET.fromstring(outputs["junit"])
    text = " ".join((el.get("message") or "") + " " + (el.text or "") for el in root.iter())
    assert SCRIPT in text and IMG in text
