"""``--format html`` without a browser: self-contained, escaped, and small enough at scale."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from formats_fixtures import PAYLOAD, dense_context, large_context, payload_context, sample_context

from sgaudit.findings import ReportContext
from sgaudit.formats import OutputFormat, render
from sgaudit.formats.html_format import CSP, environment
from sgaudit.formats.network import compact_services, service_of


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


def data_block(html: str) -> dict[str, object]:
    """The page's embedded JSON (found by its tag: the HTML parser is slow on a 10 MB page, and the
    tests above check with it that there is exactly one such block)."""
    start = html.index('<script type="application/json" id="sgaudit-data">')
    block = html[html.index(">", start) + 1 : html.index("</script>", start)]
    data: dict[str, object] = json.loads(block)
    return data


def decode(data: dict[str, object]) -> set[tuple[str, str, str, str]]:
    """Every (source, destination, services, verdict) the matrix data lists, decoded independently of
    the page script: row groups are ``label, count, gap...`` with each destination ``gap`` past the
    one before it (the first counted from 0)."""
    endpoints = [e["s"] for e in data["endpoints"]]  # type: ignore[attr-defined]
    labels, rows, out = data["labels"], data["rows"], data["out"]
    found: set[tuple[str, str, str, str]] = set()
    for source, r in enumerate(out):  # type: ignore[arg-type]
        row = rows[r]  # type: ignore[index]
        i = 0
        while i < len(row):
            label, count = row[i], row[i + 1]
            cursor = 0
            for gap in row[i + 2 : i + 2 + count]:
                cursor += gap
                text, verdict = labels[label]  # type: ignore[index]
                found.add((endpoints[source], endpoints[cursor], text, verdict))
                cursor += 1
            i += 2 + count
    return found


def expected_pairs(ctx: ReportContext) -> set[tuple[str, str, str, str]]:
    """The same, computed the slow and obvious way from the flows."""
    merged: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f in ctx.network.flows:
        merged.setdefault((f.source, f.destination), []).append((service_of(f.protocol, f.ports), f.verdict))
    out = set()
    texts: dict[frozenset[str], str] = {}
    for (source, destination), flows in merged.items():
        verdicts = {v for _, v in flows}
        verdict = "reachable" if "reachable" in verdicts else sorted(verdicts)[0]
        services = frozenset(s for s, _ in flows)
        if services not in texts:
            texts[services] = compact_services(services)
        out.add((source, destination, texts[services], verdict))
    return out


@pytest.mark.parametrize("build", [sample_context, payload_context, large_context, dense_context])
def test_matrix_data_lists_every_pair_exactly(build: object) -> None:
    ctx: ReportContext = build()  # type: ignore[operator]
    html = render(OutputFormat.HTML, ctx)
    data = data_block(html)
    assert decode(data) == expected_pairs(ctx)
    assert len(data["out"]) == len(data["endpoints"])  # type: ignore[arg-type]
    assert data["rows"][0] == []  # type: ignore[index]
    print(f"{build.__name__}: {len(ctx.network.flows)} flows, HTML {len(html.encode()) / 1e6:.2f} MB")  # type: ignore[attr-defined]


def test_a_dense_estate_is_compact() -> None:
    ctx = dense_context()
    html = render(OutputFormat.HTML, ctx)
    size = len(html.encode("utf-8"))
    print(f"dense HTML report: {size / 1e6:.2f} MB for {len(ctx.network.flows)} flows")
    assert len(ctx.network.flows) > 300_000
    assert size < 3_000_000
    data = data_block(html)
    # Endpoints of one class share their row: far fewer rows than endpoints.
    assert len(data["rows"]) < len(data["endpoints"]) / 5  # type: ignore[arg-type]
    assert html.count('<g class="edge') <= 1500 and html.count('<g class="node ') < 200
    first = data["first"]
    assert isinstance(first, int) and data["endpoints"][first]["t"] != "outside"  # type: ignore[index]


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
    assert data["labels"][0] == ["all traffic", "reachable"]
    selectors = [e["s"] for e in data["endpoints"]]
    assert "rds:prod-db" in selectors and "internet" in selectors
    db = selectors.index("rds:prod-db")
    api = selectors.index("ecs:prod/api")
    assert [api, db, "tcp/5432", "blocked", "api-reaches-db"] in data["intents"]
    assert ("ecs:prod/worker", "rds:prod-db", "tcp 5432", "partial") in decode(data)
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
