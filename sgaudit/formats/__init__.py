"""Every output format of ``sgaudit check`` (DESIGN.md sections 5 and 6).

Each format is a module with a ``render(ctx) -> str`` function over the same :class:`ReportContext`;
:func:`render` dispatches on :class:`OutputFormat` with an exhaustive ``match``, so adding a member
without a renderer is a type error rather than a runtime surprise.
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from sgaudit.findings import ReportContext
from sgaudit.formats import (
    html_format,
    json_format,
    junit_format,
    markdown_format,
    sarif_format,
    text_format,
)

__all__ = ["OutputFormat", "default_filename", "render"]


class OutputFormat(StrEnum):
    """The values of ``sgaudit check --format``."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


def render(fmt: OutputFormat, ctx: ReportContext, *, color: bool = False) -> str:
    """The report in format ``fmt``. ``color`` only affects ``text`` (the caller honours ``NO_COLOR``
    and whether the output is a terminal); every other format is byte-stable for a given context.
    """
    match fmt:
        case OutputFormat.TEXT:
            return text_format.render(ctx, color=color)
        case OutputFormat.JSON:
            return json_format.render(ctx)
        case OutputFormat.SARIF:
            return sarif_format.render(ctx)
        case OutputFormat.JUNIT:
            return junit_format.render(ctx)
        case OutputFormat.MARKDOWN:
            return markdown_format.render(ctx)
        case OutputFormat.HTML:
            return html_format.render(ctx)
        case _:
            assert_never(fmt)


def default_filename(fmt: OutputFormat) -> str:
    """The file name ``sgaudit demo -o DIR`` writes format ``fmt`` to."""
    match fmt:
        case OutputFormat.TEXT:
            return "report.txt"
        case OutputFormat.JSON:
            return "findings.json"
        case OutputFormat.SARIF:
            return "findings.sarif"
        case OutputFormat.JUNIT:
            return "junit.xml"
        case OutputFormat.MARKDOWN:
            return "summary.md"
        case OutputFormat.HTML:
            return "report.html"
        case _:
            assert_never(fmt)
