"""``--format html``: one self-contained page a person can read, offline.

Rendered with Jinja2 from the templates shipped in ``sgaudit.reports`` (inline CSS and JS, no external
URL of any kind, a Content-Security-Policy that forbids every network load). Autoescaping is on for
every template, AWS strings only ever reach templates as data (never as template source, so a
``{{ 7*7 }}`` in a tag prints literally), and nothing from AWS is marked safe. The data the page's
script needs (endpoints and flows for the reachability matrix) is embedded with Jinja's ``tojson``,
which escapes ``<``, ``>``, ``&`` and ``'`` as ``\\u`` sequences inside a ``<script
type="application/json">`` block read with ``JSON.parse``.

Scale: findings are rendered once as table rows (filters toggle ``hidden``, no per-row script), the
network picture aggregates crowded cells (see :mod:`sgaudit.formats.svg_layout`), and the matrix data
is one shared row of destinations per security-group class, gap-encoded (see :func:`_matrix_data`): the
3,000-interface bench estate's 321,000 flows take 0.5 MB, where one JSON array per flow took 13 MB.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import compress, count, islice, pairwise, repeat
from operator import add, ne, sub
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sgaudit.findings import INFERRED_PREFIX, ReportContext, Severity
from sgaudit.formats._common import (
    active,
    clean,
    evidence_items,
    intent_port,
    rule_catalogue,
    scope_label,
    snapshot_errors,
)
from sgaudit.formats.network import OUTSIDE, Picture, build_picture, tier_of
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
    env = Environment(
        loader=PackageLoader("sgaudit.reports", "."),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2", "svg", "xml"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # ``tojson`` without the blanks after separators: the matrix data is hundreds of thousands of
    # numbers. Jinja still escapes ``<``, ``>``, ``&`` and ``'`` in its output.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    # An inferred intent named after its own flow: the report shows the flow beside it already.
    env.tests["flow_named"] = lambda name: str(name).startswith(INFERRED_PREFIX)
    return env


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
    """What the page's reachability matrix needs, compact enough for 300,000 pairs and more.

    - ``endpoints``: ``{s: selector, l: label, k: kind, v: VPC, t: tier}`` in picture order; everything
      else refers to them by index.
    - ``labels``: ``[services, verdict]``, the distinct ones (``tcp 80, 443; udp 53``).
    - ``rows`` and ``out``: endpoint ``i`` reaches what ``rows[out[i]]`` lists (row 0 is empty). A row
      is a run of groups ``label, count, g1 ... gcount``: the destinations with that label, ascending,
      each written as its distance from the previous one minus one (the first as its index), so a
      block of neighbours is a run of zeros. Endpoints in one security-group class reach the same
      destinations and share their row (the 20,000-interface bench estate has 4,500 distinct rows for
      9,600 endpoints). The page expands one row when an endpoint is selected, and scans each distinct
      row once for the endpoints that reach it.
    - ``intents``: ``[source, destination, service, verdict, name]`` for each failed intent.
    - ``first``: the endpoint shown on load (the most connected one not outside every VPC), or -1.
    """
    endpoints = picture.endpoints
    n, count = len(endpoints), picture.pair_count
    labels = picture.labels
    rows: dict[tuple[int, ...], int] = {(): 0}
    out = [0] * n
    if count:
        for source, row in _rows(picture):
            out[source] = rows.setdefault(row, len(rows))
    intents: list[list[int | str]] = []
    # Pairs (and failed intents) per endpoint, both ways.
    degree = [0] * n
    for source, pairs in picture.sources():
        degree[source] = len(pairs)
    for destination, inbound in Counter(picture.dst).items():
        degree[destination] += inbound
    for e in picture.intents:
        ends = picture.index[e.source], picture.index[e.destination]
        for end in ends:
            degree[end] += 1
        intents.append([*ends, e.label, e.verdict, e.failed_intent or ""])
    inside = [i for i, e in enumerate(endpoints) if tier_of(e) != OUTSIDE and degree[i] > 0]
    return {
        "endpoints": [
            {"s": e.selector, "l": e.label, "k": e.kind, "v": e.vpc or "", "t": tier_of(e)} for e in endpoints
        ],
        "labels": [[label.compact, label.verdict] for label in labels],
        "rows": list(rows),
        "out": out,
        "intents": intents,
        "first": max(inside, key=lambda i: (degree[i], -i)) if inside else -1,
    }


def _rows(picture: Picture) -> list[tuple[int, tuple[int, ...]]]:
    """``(source, row)`` for every endpoint with pairs, encoded as :func:`_matrix_data` describes.

    Millions of pairs on a large estate: Python loops once per source and per label of a source; the
    work per pair is ``map`` over C callables (a stable sort of the source's pairs by label keeps their
    destinations ascending, then the gaps).
    """
    out: list[tuple[int, tuple[int, ...]]] = []
    dst, label = picture.dst, picture.label
    for source, pairs in picture.sources():
        destinations, labels = dst[pairs.start : pairs.stop], label[pairs.start : pairs.stop]
        if labels.count(labels[0]) != len(labels):
            order = sorted(range(len(labels)), key=labels.__getitem__)
            destinations = list(map(destinations.__getitem__, order))
            labels = list(map(labels.__getitem__, order))
        starts = [0, *compress(count(1), map(ne, islice(labels, 1, None), labels)), len(labels)]
        row: list[int] = []
        for start, end in pairwise(starts):
            group = destinations[start:end]
            row.append(labels[start])
            row.append(end - start)
            # Each destination as its distance from the previous one minus one, the first as itself.
            row.append(group[0])
            row.extend(map(sub, islice(group, 1, None), map(add, group, repeat(1))))
        out.append((source, tuple(row)))
    return out
