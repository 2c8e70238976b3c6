"""``--format json``: the :class:`~sgaudit.findings.CheckReport` document (DESIGN.md section 6).

Keys are sorted and the indentation fixed, so two runs on one snapshot are byte-identical. The JSON
Schema of this document is generated from the same models and shipped as
``sgaudit/schemas/findings.schema.json``; a test keeps the shipped file equal to the generated one.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from sgaudit.findings import SCHEMA_VERSION, CheckReport, ReportContext

SCHEMA_FILE = "findings.schema.json"


def render(ctx: ReportContext) -> str:
    """The report as sorted, indented JSON with a trailing newline."""
    return dumps(ctx.report.model_dump(mode="json", by_alias=True))


def dumps(document: Any) -> str:
    """The one JSON style of every sgaudit document: sorted keys, two-space indent, UTF-8 text."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    # A lone surrogate (legal in a JSON string from AWS, not encodable as UTF-8) becomes its JSON
    # escape ``\\udXXX``, so the document stays valid and writable; other text is left readable.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def generate_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the ``check --format json`` document, from the models."""
    schema = CheckReport.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"sgaudit check --format json, schema_version {SCHEMA_VERSION}",
        **schema,
    }


def shipped_schema_text() -> str:
    """The schema file shipped inside the package (what users validate against)."""
    return files("sgaudit").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")


def shipped_schema() -> dict[str, Any]:
    """The shipped schema, parsed."""
    loaded: dict[str, Any] = json.loads(shipped_schema_text())
    return loaded
