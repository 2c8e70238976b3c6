"""The HTML report in headless Chromium: offline, interactive, inert against hostile AWS strings, usable
at 5,000 findings and 2,000 endpoints, and at 300,000 flows between 1,500 endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import Opener
from formats_fixtures import (
    PAYLOAD,
    dense_context,
    incomplete_context,
    large_context,
    payload_context,
    sample_context,
)
from playwright.sync_api import Page

from sgaudit.findings import ReportContext
from sgaudit.formats import OutputFormat, render

pytestmark = pytest.mark.browser

VISIBLE_ROWS = "document.querySelectorAll('#finding-rows > .finding:not([hidden])').length"


def write(tmp_path: Path, ctx: ReportContext, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(render(OutputFormat.HTML, ctx), encoding="utf-8")
    return path


def visible(page: Page) -> int:
    count: int = page.evaluate(VISIBLE_ROWS)
    return count


def wait_rows(page: Page, n: int) -> None:
    """Text filters are debounced: wait until the table settles on ``n`` rows."""
    # A function, not an expression: the page's CSP forbids eval, which an expression would need.
    page.wait_for_function(f"() => {VISIBLE_ROWS} === {n}", timeout=10_000)


def test_sample_report_is_offline_and_interactive(open_report: Opener, tmp_path: Path) -> None:
    opened = open_report(write(tmp_path, sample_context()))
    page = opened.page

    # Drawn, with nothing fetched and no script error.
    assert page.locator("#netmap .node").count() == 10
    assert page.locator("#netmap .edge path").count() >= 10
    assert page.locator("#netmap .edge.failed").count() == 2
    assert page.locator("#netmap .edge.exposed").count() == 2
    assert page.locator("#netmap .node.exposed").count() == 2
    assert page.locator("#incomplete").count() == 0

    # Severity chips and cards.
    assert visible(page) == 7  # the suppressed finding starts hidden
    page.click(".chip[data-sev='high']")
    assert visible(page) == 4
    assert page.evaluate(
        "[...document.querySelectorAll('#finding-rows > .finding:not([hidden])')]"
        ".every(r => r.dataset.sev !== 'high')"
    )
    page.click(".chip[data-sev='high']")
    assert visible(page) == 7
    page.click(".card[data-only-sev='critical']")
    assert visible(page) == 1
    assert "sg-0bastion22ssh001" in page.locator("#finding-rows > .finding:not([hidden])").inner_text()
    for sev in ("high", "medium", "low", "info"):
        page.click(f".chip[data-sev='{sev}']")
    assert visible(page) == 7

    # Rule, resource and free-text filters, and the suppressed toggle.
    page.select_option("#f-rule", "SGA001")
    assert visible(page) == 2
    page.select_option("#f-rule", "")
    page.fill("#f-resource", "sg-0db5432")
    wait_rows(page, 1)
    page.fill("#f-resource", "")
    wait_rows(page, 7)
    page.fill("#f-search", "legacy batch")
    wait_rows(page, 1)
    assert "unused-security-group" in page.locator("#finding-rows > .finding:not([hidden])").inner_text()
    page.fill("#f-search", "no such thing anywhere")
    wait_rows(page, 0)
    assert page.locator("#no-rows").is_visible()
    page.fill("#f-search", "")
    wait_rows(page, 7)
    page.check("#f-suppressed")
    assert visible(page) == 8
    assert page.locator("#shown-count").inner_text() == "8 of 8"

    # A finding expands to its evidence and fix commands.
    row = page.locator("#finding-rows > .finding[data-rule='SGA010']")
    fix = row.locator("pre.cmd-aws")
    assert not fix.is_visible()
    row.locator("summary").click()
    assert fix.is_visible()
    assert "aws ec2 authorize-security-group-ingress --group-id sg-0db5432postgres01" in fix.inner_text()
    assert row.locator("pre.cmd-tf").is_visible()
    assert "eni-0dbdbdbdbdbdb0001" in row.locator("dl.evidence").inner_text()

    # The reachability matrix for a selected endpoint.
    assert page.locator("#ep-select option").count() == 10
    page.select_option("#ep-select", label="prod-db \u2014 rds:prod-db")
    inbound = page.locator("#flows-in tbody tr")
    assert inbound.count() == 5
    assert "failed intent api-reaches-db" in page.locator("#flows-in").inner_text()
    assert page.locator("#out-count").inner_text() == "(0)"
    page.locator("#flows-in tbody tr", has_text="lambda:report-export").click()
    assert "report-export" in page.locator("#ep-title").inner_text()
    assert "rds:prod-db" in page.locator("#flows-out").inner_text()
    page.locator("#netmap .node[data-selector='elb:prod-web']").click()
    assert "elb:prod-web" in page.locator("#ep-title").inner_text()
    assert "internet" in page.locator("#flows-in").inner_text()
    assert "ecs:prod/api" in page.locator("#flows-out").inner_text()
    page.fill("#ep-filter", "staging")
    page.wait_for_function("() => document.querySelectorAll('#ep-select option').length === 2")

    shot = tmp_path / "report.png"
    page.click(".card[data-only-sev='high']")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")

    assert opened.blocked == []
    assert opened.errors == []
    assert opened.dialogs == []


def test_incomplete_snapshot_shows_a_red_banner(open_report: Opener, tmp_path: Path) -> None:
    opened = open_report(write(tmp_path, incomplete_context()))
    banner = opened.page.locator("#incomplete")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "INCOMPLETE SNAPSHOT" in text
    assert "rds:DescribeDBInstances failed (AccessDenied)" in text
    color = opened.page.evaluate("getComputedStyle(document.getElementById('incomplete')).backgroundColor")
    assert color == "rgb(180, 35, 24)"
    box = banner.bounding_box()
    assert box is not None and box["y"] == 0  # the first thing on the page
    opened.page.screenshot(path=str(tmp_path / "incomplete.png"))
    assert opened.blocked == [] and opened.errors == []


def test_no_payload_script_runs(open_report: Opener, tmp_path: Path) -> None:
    opened = open_report(write(tmp_path, payload_context()))
    page = opened.page
    page.check("#f-suppressed")
    for summary in page.locator("#finding-rows summary").all():
        summary.click()  # expand everything: evidence, fixes, suppression reasons
    for option in range(page.locator("#ep-select option").count()):
        page.select_option("#ep-select", index=option)
    for node in page.locator("#netmap .node[data-selector]").all():
        node.click()
    page.fill("#f-search", "{{ 7*7 }}")
    wait_rows(page, 2)
    evil = page.locator("#ep-select option", has_text="name:").first.get_attribute("value")
    assert evil is not None
    page.select_option("#ep-select", value=evil)

    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == []
    assert opened.blocked == []  # not even the <img src=x> of the payload was requested
    assert opened.errors == []
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.scripts.length") == 2
    body = page.locator("body").inner_text()
    assert "{{ 7*7 }}" in body
    assert "<script>alert(1)</script>" in body
    assert PAYLOAD in page.locator("#ep-title").inner_text()
    assert PAYLOAD in page.locator("#flows-out").inner_text()
    assert any(PAYLOAD in (t.text_content() or "") for t in page.locator("#netmap title").all())


@pytest.mark.slow
def test_large_report_loads_and_filters(open_report: Opener, tmp_path: Path) -> None:
    ctx = large_context(n_findings=5000, n_endpoints=2000)
    path = write(tmp_path, ctx)
    size = path.stat().st_size
    print(f"large report: {size / 1e6:.1f} MB for 5,000 findings and 2,000 endpoints")
    assert size < 15_000_000
    opened = open_report(path)
    page = opened.page
    active = ctx.report.summary.findings
    assert page.locator("#finding-rows > .finding").count() == 5000
    assert visible(page) == active
    page.click(".card[data-only-sev='critical']")
    assert visible(page) == ctx.report.summary.by_severity["critical"]
    for sev in ("high", "medium", "low", "info"):
        page.click(f".chip[data-sev='{sev}']")
    page.fill("#f-search", "finding 01234:")
    wait_rows(page, 1)
    page.fill("#f-search", "")
    wait_rows(page, active)
    page.select_option("#f-rule", "SGA010")
    assert 0 < visible(page) < active

    assert page.locator("#netmap .node.group").count() > 0
    assert page.locator("#netmap .node").count() < 200
    assert page.locator("#ep-select option").count() == 2000
    page.fill("#ep-filter", "svc-01000")
    page.wait_for_function("() => document.querySelectorAll('#ep-select option').length === 1")
    page.select_option("#ep-select", index=0)
    assert "svc-01000" in page.locator("#ep-title").inner_text()
    assert page.locator("#flows-out tbody tr").count() >= 2
    assert opened.blocked == [] and opened.errors == []


@pytest.mark.slow
def test_dense_report_selects_without_freezing(open_report: Opener, tmp_path: Path) -> None:
    ctx = dense_context()
    path = write(tmp_path, ctx)
    print(f"dense report: {path.stat().st_size / 1e6:.2f} MB for {len(ctx.network.flows)} flows")
    # What the tables must show, the slow and obvious way.
    inbound: dict[str, set[str]] = {}
    outbound: dict[str, set[str]] = {}
    for f in ctx.network.flows:
        outbound.setdefault(f.source, set()).add(f.destination)
        inbound.setdefault(f.destination, set()).add(f.source)
    opened = open_report(path)
    page = opened.page

    # Loaded with the busiest endpoint selected, its tables cut to a first chunk.
    assert page.locator("#ep-select option").count() == len(ctx.network.endpoints)
    title = page.locator("#ep-title").inner_text()
    shown = next(e.selector for e in ctx.network.endpoints if e.selector in title)
    assert page.locator("#in-count").inner_text() == f"({len(inbound.get(shown, ()))})"
    assert page.locator("#out-count").inner_text() == f"({len(outbound.get(shown, ()))})"
    assert page.locator("#flows-in tbody tr.peer").count() <= 250

    # A database: everything that reaches it, including the failed intent, and no outbound.
    db = next(e for e in ctx.network.endpoints if e.kind == "rds")
    page.fill("#ep-filter", db.label)
    page.wait_for_function("() => document.querySelectorAll('#ep-select option').length === 1")
    page.select_option("#ep-select", index=0)
    assert db.selector in page.locator("#ep-title").inner_text()
    expected = len(inbound[db.selector]) + 1  # the failed intent
    assert page.locator("#in-count").inner_text() == f"({expected})"
    assert "failed intent app-reaches-db" in page.locator("#flows-in tbody tr").first.inner_text()
    rows = page.locator("#flows-in tbody tr.peer")
    while page.locator("#flows-in button.more-rows").count():
        before = rows.count()
        page.click("#flows-in button.more-rows")
        assert rows.count() > before
    assert rows.count() == expected
    peers = set(
        page.eval_on_selector_all(
            "#flows-in tbody tr.peer:not(.intent-failed) code", "els => els.map(e => e.textContent)"
        )
    )
    assert peers == inbound[db.selector]

    # Selecting a peer from the table moves the selection to it.
    peer = page.locator("#flows-in tbody tr.peer:not(.intent-failed)").nth(3)
    selector = peer.locator("code").inner_text()
    peer.click()
    assert selector in page.locator("#ep-title").inner_text()
    assert page.locator("#out-count").inner_text() == f"({len(outbound[selector])})"
    assert (
        db.selector in page.locator("#flows-out").inner_text()
        or page.locator("#flows-out button.more-rows").count()
    )

    # The picture is grouped, and clicking a single endpoint's box selects it.
    assert page.locator("#netmap .node").count() < 200
    assert page.locator("#netmap .edge path").count() <= 1500
    assert page.locator("#netmap .node.group").count() > 0
    page.locator("#netmap .node[data-selector='internet']").click()
    assert "internet" in page.locator("#ep-title").inner_text()
    assert page.locator("#out-count").inner_text() == f"({len(outbound['internet'])})"

    # How long a selection takes in the page (printed, not asserted: timings belong in bench/).
    busiest = max(inbound, key=lambda s: len(inbound[s]))
    page.fill("#ep-filter", "")
    page.wait_for_function(
        f"() => document.querySelectorAll('#ep-select option').length === {len(ctx.network.endpoints)}"
    )
    ms = page.evaluate(
        """(selector) => {
            const select = document.getElementById("ep-select");
            const option = [...select.options].find((o) => o.text.endsWith(selector));
            const t = performance.now();
            select.value = option.value;
            select.dispatchEvent(new Event("change"));
            return performance.now() - t;
        }""",
        busiest,
    )
    assert page.locator("#in-count").inner_text() == f"({len(inbound[busiest])})"
    load = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    print(f"page loaded in {load:.0f} ms; selecting the most reached endpoint took {ms:.0f} ms")
    assert opened.blocked == [] and opened.errors == [] and opened.dialogs == []
