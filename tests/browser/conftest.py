"""Headless Chromium for the HTML report tests: Debian's /usr/bin/chromium driven by Playwright, a fresh
profile per test, and every request other than the report file itself recorded and aborted."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import OpenedReport, Opener
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The report fixtures live beside the format tests; `tests/` is not a package to import them from.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formats"))


@pytest.fixture
def open_report(tmp_path: Path) -> Iterator[Opener]:
    """Open an HTML file in a fresh headless Chromium profile; close everything afterwards."""
    if not CHROMIUM.exists():
        # scripts/test.sh installs chromium: in CI its absence is a failure, never a quiet skip.
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/test.sh installs Debian's chromium package)")
        pytest.skip(f"{CHROMIUM} is missing (CI installs Debian's chromium package)")
    with sync_playwright() as playwright:
        contexts: list[BrowserContext] = []

        def opener(path: Path) -> OpenedReport:
            context = playwright.chromium.launch_persistent_context(
                user_data_dir=str(tmp_path / f"profile-{len(contexts)}"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            contexts.append(context)
            url = path.resolve().as_uri()
            blocked: list[str] = []
            dialogs: list[str] = []
            errors: list[str] = []

            def route(r: Route) -> None:
                if r.request.url == url:
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            def on_console(msg: ConsoleMessage) -> None:
                if msg.type == "error":
                    errors.append(msg.text)

            context.route("**/*", route)
            page = context.new_page()
            page.on("dialog", on_dialog)
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("console", on_console)
            page.goto(url, wait_until="load")
            return OpenedReport(page=page, url=url, blocked=blocked, dialogs=dialogs, errors=errors)

        try:
            yield opener
        finally:
            for context in contexts:
                context.close()
