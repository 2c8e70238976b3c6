"""Plain-text rendering of a `PathResult`: what a network engineer reads and acts on.

The layout is stable (tests keep a golden copy): a verdict line, the hops in path order with the
rule that matched (``sgr-`` ids, NACL rule numbers, routes), every blocker with its Reachability
Analyzer code, what could not be decided, then the fix as AWS CLI commands and Terraform. No colour,
no terminal control codes.
"""

from __future__ import annotations

from collections import Counter

from sgaudit.engine.models import PathResult

_PAIR_LIMIT = 12
_KIND_WIDTH = 23


def _flow(result: PathResult) -> str:
    if result.protocol in ("icmp", "icmpv6"):
        return f"{result.protocol} type {result.port} code {result.icmp_code or 0}"
    if result.port is None:
        return f"protocol {result.protocol}"
    return f"{result.protocol}/{result.port}"


def _counts(result: PathResult) -> str:
    c = Counter(p.verdict for p in result.pairs)
    total = len(result.pairs)
    parts = [f"{c[v]} {v}" for v in ("reachable", "blocked", "unknown") if c[v]]
    return f"{total} pair{'s' if total != 1 else ''}: " + ", ".join(parts) if total else "no pairs"


def _blocks(cidrs: tuple[str, ...]) -> str:
    if not cidrs:
        return ""
    if len(cidrs) > 3:
        return f" [{len(cidrs)} blocks: {', '.join(cidrs[:2])}, ...]"
    return f" [{', '.join(cidrs)}]"


def render_path_text(result: PathResult, *, configured_title: str = "") -> str:
    """The human report of one path (ends with a newline)."""
    lines: list[str] = []
    title = configured_title or "path"
    lines.append(f"{title}: {result.source} -> {result.destination}  {_flow(result)}")
    lines.append(f"verdict: {result.verdict.upper()}  ({_counts(result)})")
    if result.pairs:
        lines.append("")
        lines.append("pairs:")
        for p in result.pairs[:_PAIR_LIMIT]:
            src = p.source + _blocks(p.source_addresses)
            dst = p.destination + _blocks(p.destination_addresses)
            fam = ""
            if len(p.families) > 1:
                fam = "  (" + ", ".join(f"IPv{f} {v}" for f, v in sorted(p.families.items())) + ")"
            lines.append(f"  {p.verdict:<9}  {src} -> {dst}{fam}")
        if len(result.pairs) > _PAIR_LIMIT:
            lines.append(f"  ... and {len(result.pairs) - _PAIR_LIMIT} more pairs (see --format json)")
    if result.hops:
        lines.append("")
        lines.append("hops (in path order; every component checked):")
        for n, h in enumerate(result.hops, 1):
            fam = f" IPv{h.family}" if h.family == 6 else ""
            where = f"{h.kind}{fam}"
            rule = ""
            if h.rule:
                rule = f"rule {h.rule}" if h.kind.startswith("nacl") else h.rule
            detail = "  ".join(x for x in (rule, h.detail) if x)
            lines.append(
                f"  {n:>2}. {where:<{_KIND_WIDTH}} {h.id:<24} {h.result.value.upper():<7} {detail}".rstrip()
            )
    lines.append("")
    if result.blockers:
        lines.append(f"blockers ({len(result.blockers)}):")
        total = len(result.pairs)
        for n, b in enumerate(result.blockers, 1):
            where = " ".join(
                x for x in (b.component_kind, b.component, b.direction or "", f"({b.leg} leg)") if x
            )
            rule = f", rule {b.rule}" if b.rule else ""
            fam = f", IPv{b.family}" if b.family == 6 else ""
            lines.append(f"  {n}. {b.code}  {where}{rule}{fam}")
            lines.append(f"     {b.detail}")
            lines.append(f"     affects {len(b.pairs)} of {total} pairs")
    else:
        lines.append("blockers: none")
    if result.unknowns:
        lines.append("")
        lines.append("could not be decided:")
        lines.extend(f"  - {u}" for u in result.unknowns)
    if result.fixes:
        lines.append("")
        lines.append(f"fix ({len(result.fixes)} change{'s' if len(result.fixes) != 1 else ''}):")
        for n, f in enumerate(result.fixes, 1):
            lines.append(f"  {n}. {f.summary}")
            lines.append(f"     {f.aws_cli}")
            lines.append("")
            lines.extend(f"     {t}" for t in f.terraform.splitlines())
            lines.append("")
        while lines and not lines[-1]:
            lines.pop()
    if result.notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(f"  - {n}" for n in result.notes)
    if result.configured is not None:
        lines.append("")
        lines.append("-" * 78)
        lines.append(
            "a NEW task (the service's current network configuration) would get a different verdict:"
        )
        lines.append("")
        lines.append(render_path_text(result.configured, configured_title="configured").rstrip("\n"))
    return "\n".join(lines) + "\n"
