"""``--format html`` without a browser: self-contained, escaped, and small enough at scale."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from formats_fixtures import PAYLOAD, large_context, payload_context, sample_context

from sgaudit.formats import OutputFormat, render
from sgaudit.formats.html_format import CSP, environment


class Collector(HTMLParser):
    """Tags, attributes and the text of script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    return collector


def test_nothing_is_loaded_from_anywhere() -> None:
    html = render(OutputFormat.HTML, sample_context())
    page = parse(html)
    for tag, attrs in page.tags:
        assert tag not in {"link", "iframe", "object", "embed", "img", "base", "form"}, tag
        for name in ("src", "href", "action", "data", "poster", "srcset"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
    assert "@import" not in html and "@font-face" not in html
    assert re.findall(r"url\((?!#)", html) == []
    # The only URL in the page is the SVG namespace (an identifier, never fetched).
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"]


def test_content_security_policy_comes_first() -> None:
    html = render(OutputFormat.HTML, sample_context())
    head = html[: html.index("</head>")]
    assert head.index('http-equiv="Content-Security-Policy"') < head.index("<title>")
    metas = [attrs for tag, attrs in parse(html).tags if tag == "meta"]
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in metas
    assert "default-src 'none'" in CSP and "img-src data:" in CSP


def test_assets_are_inlined_verbatim() -> None:
    html = render(OutputFormat.HTML, sample_context())
    loader = environment().loader
    assert loader is not None
    for name in ("report.css", "report.js"):
        source, _, _ = loader.get_source(environment(), name)
        assert source.strip() in html, f"{name} was altered when inlined"


def test_embedded_data_is_json_in_a_data_block() -> None:
    page = parse(render(OutputFormat.HTML, sample_context()))
    blocks = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    (block,) = blocks
    data = json.loads(block)
    selectors = [e["s"] for e in data["endpoints"]]
    assert "rds:prod-db" in selectors and "internet" in selectors
    db = selectors.index("rds:prod-db")
    assert any(f[1] == db and f[4] == "api-reaches-db" for f in data["flows"])
    # Exactly our two script elements: the data block and the page script.
    assert len(page.scripts) == 2


def test_payloads_stay_text() -> None:
    html = render(OutputFormat.HTML, payload_context())
    page = parse(html)
    assert len(page.scripts) == 2
    assert not any(tag == "img" for tag, _ in page.tags)
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html
    # The data block cannot be closed early by an AWS string and still decodes to the exact payload.
    (block,) = [text for attrs, text in page.scripts if attrs.get("type") == "application/json"]
    assert "</" not in block
    assert PAYLOAD in json.loads(block)["endpoints"][0]["l"] or any(
        e["l"] == PAYLOAD for e in json.loads(block)["endpoints"]
    )


def test_the_picture_aggregates_a_large_network() -> None:
    html = render(OutputFormat.HTML, large_context())
    size = len(html.encode("utf-8"))
    print(f"large HTML report: {size / 1e6:.1f} MB")
    assert size < 15_000_000
    assert len(re.findall(r'<div class="finding(?: suppressed)?" role="row"', html)) == 5000
    nodes = html.count('<g class="node ')
    assert 10 < nodes < 200, nodes  # 2,000 endpoints drawn as group boxes
    assert "crowded cells grouped" in html
    # No per-row script or handler: two script elements for the whole page.
    assert html.count("<script") == 2
    assert not re.search(r"<[a-z]+ [^>]*\bon[a-z]+=\"", html)
