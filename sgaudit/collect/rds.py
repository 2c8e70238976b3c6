"""RDS collector: DB instances, DB clusters and DB subnet groups."""

from __future__ import annotations

from sgaudit.collect.plan import PLAN
from sgaudit.collect.scope import Job, ScopeContext


def jobs(ctx: ScopeContext) -> list[Job]:
    """One paged listing per RDS operation of the plan."""
    return [ctx.listing(entry) for entry in PLAN if entry.service == "rds" and not entry.depends_on]
