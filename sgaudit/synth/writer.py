"""Write synthetic estates as snapshot directories (DESIGN.md section 2).

One file per API call, named like the AWS CLI command that prints it
(``ec2-describe-security-groups.json``), at the root, under ``<region>/`` or under
``accounts/<account>/<region>/``, with an optional ``manifest.json`` like the one ``sgaudit collect``
writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore import xform_name

from sgaudit import __version__
from sgaudit.snapshot.manifest import MANIFEST_NAME, CallRecord, Manifest, ScopeRecord
from sgaudit.synth.errors import EstateBuildError

if TYPE_CHECKING:
    from sgaudit.synth.builder import EstateBuilder, Layout

# Document key -> (boto3 service, API operation) that returns it.
CALLS: dict[str, tuple[str, str]] = {
    "Vpcs": ("ec2", "DescribeVpcs"),
    "Subnets": ("ec2", "DescribeSubnets"),
    "SecurityGroups": ("ec2", "DescribeSecurityGroups"),
    "SecurityGroupRules": ("ec2", "DescribeSecurityGroupRules"),
    "NetworkInterfaces": ("ec2", "DescribeNetworkInterfaces"),
    "Reservations": ("ec2", "DescribeInstances"),
    "RouteTables": ("ec2", "DescribeRouteTables"),
    "NetworkAcls": ("ec2", "DescribeNetworkAcls"),
    "InternetGateways": ("ec2", "DescribeInternetGateways"),
    "EgressOnlyInternetGateways": ("ec2", "DescribeEgressOnlyInternetGateways"),
    "NatGateways": ("ec2", "DescribeNatGateways"),
    "VpcPeeringConnections": ("ec2", "DescribeVpcPeeringConnections"),
    "VpcEndpoints": ("ec2", "DescribeVpcEndpoints"),
    "PrefixLists": ("ec2", "DescribeManagedPrefixLists"),
    "clusters": ("ecs", "DescribeClusters"),
    "services": ("ecs", "DescribeServices"),
    "tasks": ("ecs", "DescribeTasks"),
    "taskDefinitions": ("ecs", "DescribeTaskDefinition"),
    "DBInstances": ("rds", "DescribeDBInstances"),
    "DBClusters": ("rds", "DescribeDBClusters"),
    "DBSubnetGroups": ("rds", "DescribeDBSubnetGroups"),
    "LoadBalancers": ("elbv2", "DescribeLoadBalancers"),
    "TargetGroups": ("elbv2", "DescribeTargetGroups"),
    "TargetHealth": ("elbv2", "DescribeTargetHealth"),
    "Listeners": ("elbv2", "DescribeListeners"),
    "Functions": ("lambda", "ListFunctions"),
}

# The ECS describe calls print a `failures` list beside their results.
_WITH_FAILURES = {"clusters", "services", "tasks"}


def file_name(key: str) -> str:
    """The snapshot file for a document key, named like its AWS CLI command."""
    service, operation = CALLS[key]
    return f"{service}-{xform_name(operation, '-')}.json"


def _dump(path: Path, data: Any, indent: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=indent)
        fh.write("\n")


def _scope_dir(builder: EstateBuilder, layout: Layout) -> str:
    if layout == "flat":
        return ""
    if layout == "region":
        return builder.region
    return f"accounts/{builder.account}/{builder.region}"


def write_snapshot(
    path: str | Path,
    builders: Sequence[EstateBuilder],
    *,
    layout: Layout = "flat",
    manifest: bool = False,
    failures: Mapping[str, str] | None = None,
    task_definition_files: Literal["merged", "per-call"] = "merged",
    indent: int | None = 4,
    skip_empty: bool = False,
) -> Path:
    """Write one or more estates (one per account and region) as a snapshot directory.

    ``layout``: ``flat`` (one estate, files at the root), ``region`` (one account, a folder per region)
    or ``accounts`` (``accounts/<account>/<region>/``). ``manifest`` writes ``manifest.json``.
    ``failures`` maps a document key (``"DBInstances"``) to an AWS error code: that file is left out and
    the manifest records the call as failed, which makes the snapshot incomplete.
    ``task_definition_files='per-call'`` writes one ``{"taskDefinition": ...}`` file per task
    definition, as a person saving ``aws ecs describe-task-definition`` output would.
    ``indent=None`` writes compact JSON (much faster for benchmark-sized estates).
    ``skip_empty`` leaves out calls that returned nothing, as a hand-saved folder usually does.
    """
    root = Path(path)
    failed = dict(failures or {})
    unknown = set(failed) - set(CALLS)
    if unknown:
        raise EstateBuildError(f"failures name unknown document keys: {', '.join(sorted(unknown))}")
    if failed and not manifest:
        raise EstateBuildError("failures are recorded in the manifest: pass manifest=True")
    if not builders:
        raise EstateBuildError("nothing to write: no estate given")
    if layout == "flat" and len(builders) != 1:
        raise EstateBuildError("the flat layout holds exactly one account and region")
    if layout == "region" and len({b.account for b in builders}) != 1:
        raise EstateBuildError("the region layout holds one account: use layout='accounts'")
    scopes_seen = {(b.account, b.region) for b in builders}
    if len(scopes_seen) != len(builders):
        raise EstateBuildError("two estates for the same account and region")
    root.mkdir(parents=True, exist_ok=True)
    scopes = []
    for builder in builders:
        scope_dir = _scope_dir(builder, layout)
        folder = root / scope_dir if scope_dir else root
        docs = builder.documents()
        calls = []
        for key, items in docs.items():
            service, operation = CALLS[key]
            if key in failed:
                calls.append(
                    CallRecord(
                        service=service,
                        operation=operation,
                        ok=False,
                        calls=1,
                        error_code=failed[key],
                        message=f"An error occurred ({failed[key]}) when calling the {operation} operation",
                    )
                )
                continue
            calls.append(CallRecord(service=service, operation=operation, ok=True, calls=max(1, len(items))))
            if skip_empty and not items:
                continue
            if key == "taskDefinitions" and task_definition_files == "per-call":
                for td in items:
                    stem = f"{td['family']}-{td['revision']}"
                    _dump(
                        folder / f"ecs-describe-task-definition-{stem}.json",
                        {"taskDefinition": td, "tags": []},
                        indent,
                    )
                continue
            body: dict[str, Any] = {key: items}
            if key in _WITH_FAILURES:
                body["failures"] = []
            _dump(folder / file_name(key), body, indent)
            if key == "PrefixLists" and items:
                calls.append(
                    CallRecord(
                        service="ec2", operation="GetManagedPrefixListEntries", ok=True, calls=len(items)
                    )
                )
        scopes.append(
            ScopeRecord(account=builder.account, region=builder.region, path=scope_dir, calls=calls)
        )
    if manifest:
        record = Manifest(tool_version=__version__, created_at=builders[0].now, scopes=scopes)
        (root / MANIFEST_NAME).write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return root
