"""EC2 collector: security groups and rules, interfaces, instances and the network around them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sgaudit.collect.plan import PLAN, spec
from sgaudit.collect.scope import Job, JsonObject, ScopeContext

_VPCS = spec("ec2", "DescribeVpcs")
_STALE = spec("ec2", "DescribeStaleSecurityGroups")
_PREFIX_LISTS = spec("ec2", "DescribeManagedPrefixLists")
_PREFIX_LIST_ENTRIES = spec("ec2", "GetManagedPrefixListEntries")


def jobs(ctx: ScopeContext) -> list[Job]:
    """One job per independent EC2 listing of the plan; VPCs and prefix lists fan out further."""
    fan_out = {
        _VPCS.operation: lambda items: _stale_groups(ctx, items),
        _PREFIX_LISTS.operation: lambda items: _prefix_list_entries(ctx, items),
    }
    return [
        ctx.listing(entry, fan_out.get(entry.operation))
        for entry in PLAN
        if entry.service == "ec2" and not entry.depends_on
    ]


def _stale_groups(ctx: ScopeContext, vpcs: list[JsonObject]) -> Sequence[Job]:
    # DescribeStaleSecurityGroups requires a VpcId: one pagination per VPC.
    return [ctx.listing(_STALE, VpcId=vpc["VpcId"]) for vpc in vpcs]


def _prefix_list_entries(ctx: ScopeContext, prefix_lists: list[JsonObject]) -> Sequence[Job]:
    return [_entries_job(ctx, prefix_list) for prefix_list in prefix_lists]


def _entries_job(ctx: ScopeContext, prefix_list: JsonObject) -> Job:
    def run() -> Sequence[Job]:
        entries: list[Any] | None = ctx.paginate(
            _PREFIX_LIST_ENTRIES, PrefixListId=prefix_list["PrefixListId"]
        )
        # A list whose entries could not be read keeps no `Entries` key, so the loader can tell
        # "unreadable" (verdicts unknown) from "empty".
        if entries is not None:
            ctx.update_item(prefix_list, "Entries", entries)
        return []

    return Job(f"{ctx.label(_PREFIX_LIST_ENTRIES)} {prefix_list['PrefixListId']}", run)
