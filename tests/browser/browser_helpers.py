"""Types shared by the browser tests and their fixture."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page


@dataclass
class OpenedReport:
    """A report open in a page, with everything the page tried to do besides rendering."""

    page: Page
    url: str
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


Opener = Callable[[Path], OpenedReport]
