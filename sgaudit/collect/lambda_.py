"""Lambda collector: every function with its VPC configuration (``list_functions`` carries it)."""

from __future__ import annotations

from sgaudit.collect.plan import PLAN
from sgaudit.collect.scope import Job, ScopeContext


def jobs(ctx: ScopeContext) -> list[Job]:
    """One paged listing per Lambda operation of the plan."""
    return [ctx.listing(entry) for entry in PLAN if entry.service == "lambda" and not entry.depends_on]
