"""The HTML report that ``sgaudit demo`` and ``sgaudit check`` write, opened in headless Chromium with
the network blocked: it loads nothing, draws the network, filters, expands, and runs no injected script."""

from __future__ import annotations

from pathlib import Path

from browser_helpers import Opener

from sgaudit.cli import main
from tests.e2e.test_payload_snapshot import payload_outputs

ROWS = "#finding-rows > .finding:not([hidden])"


def visible_rows(page: object) -> int:
    return int(page.locator(ROWS).count())  # type: ignore[attr-defined]


def test_demo_report_in_chromium(open_report: Opener, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    opened = open_report(out / "report.html")
    page = opened.page

    # The network picture is drawn: the demo's endpoints as nodes, allowed flows as edges, the exposed
    # bastion and the failed api -> db intent highlighted.
    assert page.locator("#netmap .node").count() >= 7
    assert page.locator("#netmap .edge path").count() >= 5
    assert page.locator("#netmap .edge.failed").count() >= 1
    assert page.locator("#netmap .node.exposed").count() >= 1
    labels = page.locator("#netmap").text_content() or ""
    for name in ("prod-db", "api", "bastion", "web"):
        assert name in labels

    # Filtering by severity changes the rows shown.
    total = visible_rows(page)
    assert total >= 5
    page.click(".card[data-only-sev='critical']")
    critical = visible_rows(page)
    assert 0 < critical < total
    assert page.evaluate(f"[...document.querySelectorAll('{ROWS}')].every(r => r.dataset.sev === 'critical')")
    page.click(".card[data-only-sev='high']")
    assert visible_rows(page) >= 2
    assert any("half-open-reference" in t for t in page.locator(ROWS).all_inner_texts())

    # Expanding the half-open finding shows its fix command.
    row = page.locator("#finding-rows > .finding", has_text="half-open-reference").first
    fix = row.locator("pre.cmd-aws").first
    assert not fix.is_visible()
    row.locator("summary").click()
    assert fix.is_visible()
    assert "aws ec2 authorize-security-group-egress" in fix.inner_text()

    shot = tmp_path / "demo-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert opened.blocked == [], opened.blocked  # no request left the page
    assert opened.errors == [] and opened.dialogs == []
    # The secret planted in the demo's task definition is nowhere on the page.
    assert "demo-canary" not in page.content()


def test_payload_snapshot_report_runs_no_script(open_report: Opener, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    html.write_text(payload_outputs(tmp_path)["html"], encoding="utf-8")
    opened = open_report(html)
    page = opened.page
    for summary in page.locator("#finding-rows summary").all():
        summary.click()
    for node in page.locator("#netmap .node[data-selector]").all():
        node.click()
    for option in range(page.locator("#ep-select option").count()):
        page.select_option("#ep-select", index=option)
    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == []
    assert opened.blocked == []  # not even the payload's <img src=x> was fetched
    assert opened.errors == []
    assert page.evaluate("document.images.length") == 0
    body = page.locator("body").inner_text()
    assert "<script>alert(1)</script>" in body and "{{ 7*7 }}" in body
