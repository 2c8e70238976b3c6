"""``--format html``: one self-contained page a person can read, offline.

Rendered with Jinja2 from the templates shipped in ``sgaudit.reports`` (inline CSS and JS, no external
URL of any kind, a Content-Security-Policy that forbids every network load). Autoescaping is on for
every template, AWS strings only ever reach templates as data (never as template source, so a
``{{ 7*7 }}`` in a tag prints literally), and nothing from AWS is marked safe. The data the page's
script needs (endpoints and flows for the reachability matrix) is embedded with Jinja's ``tojson``,
which escapes ``<``, ``>``, ``&`` and ``'`` as ``\\u`` sequences inside a ``<script
type="application/json">`` block read with ``JSON.parse``.

Scale: findings are rendered once as table rows (filters toggle ``hidden``, no per-row script), and the
network picture aggregates crowded cells (see :mod:`sgaudit.formats.svg_layout`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sgaudit.findings import ReportContext, Severity
from sgaudit.formats._common import (
    active,
    clean,
    evidence_items,
    intent_port,
    rule_catalogue,
    scope_label,
    snapshot_errors,
)
from sgaudit.formats.network import Picture, build_picture, tier_of
from sgaudit.formats.svg_layout import layout

TEMPLATE = "report.html.j2"

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:;"
    " base-uri 'none'; form-action 'none'"
)
"""The page may run its own inline style and script and nothing else: no fetch, font, frame or image."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment over the shipped templates (autoescape on for every template)."""
    return Environment(
        loader=PackageLoader("sgaudit.reports", "."),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "svg", "xml"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(ctx: ReportContext) -> str:
    """The HTML report."""
    template = environment().get_template(TEMPLATE)
    return template.render(**_view(ctx))


def _view(ctx: ReportContext) -> dict[str, Any]:
    report = ctx.report
    picture = build_picture(ctx)
    rules = rule_catalogue(ctx)
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    rule_info = {r.id: r for r in rules}
    return {
        "ctx": ctx,
        "report": report,
        "snapshot": report.snapshot,
        "errors": snapshot_errors(ctx),
        "scopes": [scope_label(s.account, s.region) for s in report.snapshot.scopes],
        "severities": list(Severity),
        "suppressed_count": sum(1 for f in report.findings if f.suppressed),
        "active_count": len(active(report.findings)),
        "failed_intents": sum(1 for i in report.intents if not i.ok),
        "rule_options": [(r.id, r.name, counts[r.id]) for r in rules if r.id in counts],
        "rule_info": rule_info,
        "svg": layout(picture),
        "matrix_data": _matrix_data(picture),
        "csp": CSP,
        "evidence_items": evidence_items,
        "intent_port": intent_port,
        "clean": clean,
    }


def _matrix_data(picture: Picture) -> dict[str, Any]:
    """Endpoints and flows for the page's matrix, compact: flows refer to endpoints by index."""
    index = {e.selector: i for i, e in enumerate(picture.endpoints)}
    endpoints = [
        {"s": e.selector, "l": e.label, "k": e.kind, "v": e.vpc or "", "t": tier_of(e)}
        for e in picture.endpoints
    ]
    flows = [
        [index[e.source], index[e.destination], ", ".join(e.services), e.verdict, e.failed_intent or ""]
        for e in picture.edges
    ]
    return {"endpoints": endpoints, "flows": flows}
