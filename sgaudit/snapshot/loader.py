"""Load a snapshot: a directory or ``.zip`` of raw AWS API responses, recognised by top-level key.

Layouts: files at the root (one account and region), under ``<region>/``, or under
``accounts/<account-id>/<region>/``. Each file is validated against the typed model of its key, so a
malformed file fails with one line naming the file and the field, never with a traceback later on.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from sgaudit.collector import collector_paused
from sgaudit.errors import SnapshotError
from sgaudit.model.ec2 import (
    EgressOnlyInternetGateway,
    InternetGateway,
    ManagedPrefixList,
    NatGateway,
    NetworkAcl,
    NetworkInterfaceRaw,
    PrefixListEntry,
    Reservation,
    RouteTable,
    SecurityGroupRaw,
    SecurityGroupRuleRecord,
    StaleSecurityGroup,
    Subnet,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
)
from sgaudit.model.ecs import ContainerInstance, EcsCluster, EcsService, EcsTaskRaw, TaskDefinition
from sgaudit.model.elbv2 import Listener, LoadBalancer, TargetGroup, TargetHealthRecord
from sgaudit.model.lambda_ import LambdaFunction
from sgaudit.model.rds import DbCluster, DbInstance, DbSubnetGroup
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest

log = logging.getLogger(__name__)

# Top-level key of an AWS CLI response -> (attribute of RawScope, item model).
KNOWN_KEYS: dict[str, tuple[str, type[BaseModel]]] = {
    "Vpcs": ("vpcs", Vpc),
    "Subnets": ("subnets", Subnet),
    "RouteTables": ("route_tables", RouteTable),
    "NetworkAcls": ("network_acls", NetworkAcl),
    "InternetGateways": ("internet_gateways", InternetGateway),
    "EgressOnlyInternetGateways": ("egress_only_internet_gateways", EgressOnlyInternetGateway),
    "NatGateways": ("nat_gateways", NatGateway),
    "VpcPeeringConnections": ("vpc_peering_connections", VpcPeeringConnection),
    "VpcEndpoints": ("vpc_endpoints", VpcEndpoint),
    "PrefixLists": ("prefix_lists", ManagedPrefixList),
    "SecurityGroups": ("security_groups", SecurityGroupRaw),
    "SecurityGroupRules": ("security_group_rules", SecurityGroupRuleRecord),
    "StaleSecurityGroupSet": ("stale_security_groups", StaleSecurityGroup),
    "NetworkInterfaces": ("network_interfaces", NetworkInterfaceRaw),
    "Reservations": ("reservations", Reservation),
    "clusters": ("ecs_clusters", EcsCluster),
    "services": ("ecs_services", EcsService),
    "tasks": ("ecs_tasks", EcsTaskRaw),
    "taskDefinitions": ("task_definitions", TaskDefinition),
    "containerInstances": ("container_instances", ContainerInstance),
    "DBInstances": ("db_instances", DbInstance),
    "DBClusters": ("db_clusters", DbCluster),
    "DBSubnetGroups": ("db_subnet_groups", DbSubnetGroup),
    "LoadBalancers": ("load_balancers", LoadBalancer),
    "TargetGroups": ("target_groups", TargetGroup),
    "TargetHealth": ("target_health", TargetHealthRecord),
    "Listeners": ("listeners", Listener),
    "Functions": ("lambda_functions", LambdaFunction),
}

# Keys that are part of a response but carry nothing to load (paging tokens, ECS batch failures).
IGNORED_KEYS = frozenset({"NextToken", "Marker", "NextMarker", "nextToken", "failures", "ResponseMetadata"})

_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_PREFIX_LIST_IN_NAME = re.compile(r"(pl-[0-9a-f]+)")

_adapters: dict[type[BaseModel], TypeAdapter[list[Any]]] = {}


def _adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    if model not in _adapters:
        _adapters[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _adapters[model]


# One file's recognised content, in order: (top-level key, its validated items), or (key, None) for a key
# that carries nothing to load.
_Parts = list[tuple[str, list[Any] | None]]


@dataclass(frozen=True)
class _DocumentShape:
    """A model of a whole snapshot file, to validate it straight from its bytes in one call.

    Every recognised top-level key is a field of that very name (none is a name pydantic reserves), so
    that no other key can be mistaken for one; other keys are kept as extras, in file order, so that
    they are still logged.
    """

    model: type[BaseModel]
    keys: tuple[str, ...]


_shapes: dict[bool, _DocumentShape] = {}


def _document_shape(with_entries: bool) -> _DocumentShape:
    if with_entries not in _shapes:
        keyed: dict[str, type[BaseModel]] = {k: m for k, (_, m) in KNOWN_KEYS.items()}
        if with_entries:
            keyed["Entries"] = PrefixListEntry
        # The defaults are never validated: a key that is absent stays out of model_fields_set, while
        # a present null fails like any other value that is not a list.
        definitions: dict[str, Any] = {
            key: (list[model], Field(default=None))  # type: ignore[valid-type]
            for key, model in keyed.items()
        }
        definitions["taskDefinition"] = (TaskDefinition, Field(default=None))
        model = create_model(
            "SnapshotDocument",
            __config__=ConfigDict(extra="allow", hide_input_in_errors=True),
            **definitions,
        )
        _shapes[with_entries] = _DocumentShape(model=model, keys=tuple(definitions))
    return _shapes[with_entries]


def _read_fast(data: bytes, with_entries: bool) -> _Parts | None:
    """Parse and validate a file in one pass of pydantic-core, or None when that does not succeed.

    Validating the bytes directly skips building (and freeing) the whole JSON document as Python
    objects first, which was most of the load time of a large snapshot. Any failure, malformed JSON
    included, returns None so that :func:`_read_checked` reads the file again and reports the first
    problem exactly as it always has. JSON-mode validation accepts nothing that the checked path
    rejects and reads it alike (tests/inventory/test_load_equivalence.py checks this).
    """
    shape = _document_shape(with_entries)
    try:
        doc = shape.model.model_validate_json(data)
    except ValidationError:
        return None
    extra = doc.model_extra or {}
    present = [key for key in shape.keys if key in doc.model_fields_set and key not in extra]
    if "taskDefinition" in present and "taskDefinitions" in present:
        # Both spellings of task definitions in one file: their order is the file's, which only the
        # checked path preserves.
        return None
    parts: _Parts = []
    for key in present:
        value = getattr(doc, key)
        parts.append((key, [value] if key == "taskDefinition" else value))
    parts += [(key, None) for key in extra]
    return parts


def _read_checked(label: str, data: bytes, with_entries: bool) -> _Parts:
    """Parse and validate a file key by key, raising the one-line error for its first problem."""
    doc = _parse_json(label, data)
    if not isinstance(doc, dict):
        raise SnapshotError(
            f"{label}: expected a JSON object with AWS response keys, got {type(doc).__name__}"
        )
    parts: _Parts = []
    for key, value in doc.items():
        if key in KNOWN_KEYS:
            parts.append((key, _validate(label, key, value, KNOWN_KEYS[key][1])))
        elif key == "taskDefinition":  # describe-task-definition as the CLI prints it
            parts.append((key, _validate(label, key, [value], TaskDefinition)))
        elif key == "Entries" and with_entries:
            parts.append((key, _validate(label, key, value, PrefixListEntry)))
        else:
            parts.append((key, None))
    return parts


def _parse_json(label: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{label}: malformed JSON: {exc}") from None


@dataclass
class RawScope:
    """The typed AWS responses of one account and region, pages and files merged."""

    account: str | None
    region: str | None
    path: str
    files: list[str] = field(default_factory=list)
    vpcs: list[Vpc] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    internet_gateways: list[InternetGateway] = field(default_factory=list)
    egress_only_internet_gateways: list[EgressOnlyInternetGateway] = field(default_factory=list)
    nat_gateways: list[NatGateway] = field(default_factory=list)
    vpc_peering_connections: list[VpcPeeringConnection] = field(default_factory=list)
    vpc_endpoints: list[VpcEndpoint] = field(default_factory=list)
    prefix_lists: list[ManagedPrefixList] = field(default_factory=list)
    security_groups: list[SecurityGroupRaw] = field(default_factory=list)
    security_group_rules: list[SecurityGroupRuleRecord] = field(default_factory=list)
    stale_security_groups: list[StaleSecurityGroup] = field(default_factory=list)
    network_interfaces: list[NetworkInterfaceRaw] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    ecs_clusters: list[EcsCluster] = field(default_factory=list)
    ecs_services: list[EcsService] = field(default_factory=list)
    ecs_tasks: list[EcsTaskRaw] = field(default_factory=list)
    task_definitions: list[TaskDefinition] = field(default_factory=list)
    container_instances: list[ContainerInstance] = field(default_factory=list)
    db_instances: list[DbInstance] = field(default_factory=list)
    db_clusters: list[DbCluster] = field(default_factory=list)
    db_subnet_groups: list[DbSubnetGroup] = field(default_factory=list)
    load_balancers: list[LoadBalancer] = field(default_factory=list)
    target_groups: list[TargetGroup] = field(default_factory=list)
    target_health: list[TargetHealthRecord] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    lambda_functions: list[LambdaFunction] = field(default_factory=list)
    # Entries saved by hand from get-managed-prefix-list-entries, keyed by the pl- id in the file name.
    loose_prefix_list_entries: dict[str, list[PrefixListEntry]] = field(default_factory=dict)


@dataclass
class Snapshot:
    """A loaded snapshot: its scopes and, when it was collected by sgaudit, its manifest."""

    source: Path
    scopes: list[RawScope]
    manifest: Manifest | None

    @property
    def complete(self) -> bool:
        """False when the manifest records a failed call; a hand-made dump counts as complete."""
        return self.manifest is None or self.manifest.complete


def _scope_of(parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Account and region from a file's folder inside the snapshot."""
    account = region = None
    for i, part in enumerate(parts):
        if part == "accounts" and i + 1 < len(parts) and _ACCOUNT_RE.match(parts[i + 1]):
            account = parts[i + 1]
        elif _REGION_RE.match(part):
            region = part
    return account, region


def _iter_files(source: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    if source.is_dir():
        for p in sorted(source.rglob("*.json")):
            if p.is_file():
                yield PurePosixPath(p.relative_to(source).as_posix()), p.read_bytes()
        return
    if source.is_file() and zipfile.is_zipfile(source):
        try:
            with zipfile.ZipFile(source) as zf:
                for info in sorted(zf.infolist(), key=lambda i: i.filename):
                    if not info.is_dir() and info.filename.endswith(".json"):
                        yield PurePosixPath(info.filename), zf.read(info)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SnapshotError(f"{source}: cannot read zip: {exc}") from exc
        return
    if not source.exists():
        raise SnapshotError(f"{source}: no such snapshot (a directory or .zip of AWS CLI JSON)")
    raise SnapshotError(f"{source}: not a directory or a .zip file")


def _strip_common_root(files: list[tuple[PurePosixPath, bytes]]) -> list[tuple[PurePosixPath, bytes]]:
    """Drop a single wrapping folder (a zip of ``snapshot/...``) that is neither a region nor ``accounts``."""
    while files and all(len(p.parts) > 1 for p, _ in files):
        first = {p.parts[0] for p, _ in files}
        if len(first) != 1:
            break
        (top,) = first
        if top == "accounts" or _REGION_RE.match(top):
            break
        files = [(PurePosixPath(*p.parts[1:]), b) for p, b in files]
    return files


def _format_loc(key: str, loc: tuple[int | str, ...]) -> str:
    out = key
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _validate(label: str, key: str, items: Any, model: type[BaseModel]) -> list[Any]:
    if not isinstance(items, list):
        raise SnapshotError(f"{label}: field {key}: expected a list, got {type(items).__name__}")
    try:
        return _adapter(model).validate_python(items)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SnapshotError(
            f"{label}: field {_format_loc(key, tuple(err['loc']))}: {err['msg']}{more}"
        ) from None


def load_snapshot(source: Path | str) -> Snapshot:
    """Load and validate a snapshot directory or zip."""
    with collector_paused():
        return _load_snapshot(Path(source))


def _load_snapshot(source: Path) -> Snapshot:
    files = _strip_common_root(list(_iter_files(source)))
    manifest: Manifest | None = None
    scopes: dict[tuple[str, ...], RawScope] = {}
    recognised = 0
    for rel, data in files:
        label = f"{source}/{rel}" if source.is_dir() else f"{source}:{rel}"
        if rel.name == MANIFEST_NAME and len(rel.parts) == 1:
            doc = _parse_json(label, data)
            try:
                manifest = Manifest.model_validate(doc)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err["loc"])
                raise SnapshotError(f"{label}: field {loc}: {err['msg']}") from None
            continue
        m = _PREFIX_LIST_IN_NAME.search(rel.name)
        parts = _read_fast(data, m is not None)
        if parts is None:
            parts = _read_checked(label, data, m is not None)
        folder = rel.parts[:-1]
        if folder not in scopes:
            account, region = _scope_of(folder)
            scopes[folder] = RawScope(account=account, region=region, path="/".join(folder))
        scope = scopes[folder]
        scope.files.append(str(rel))
        for key, items in parts:
            if items is None:
                if key not in IGNORED_KEYS:
                    log.debug("%s: ignoring unknown key %r", label, key)
                continue
            if key == "taskDefinition":
                scope.task_definitions.extend(items)
            elif key == "Entries" and m is not None:
                scope.loose_prefix_list_entries.setdefault(m.group(1), []).extend(items)
            else:
                getattr(scope, KNOWN_KEYS[key][0]).extend(items)
            recognised += 1
    if recognised == 0 and manifest is None:
        raise SnapshotError(f"{source}: no AWS API responses found (expected keys such as SecurityGroups)")
    if manifest is not None:
        _apply_manifest_scopes(manifest, scopes)
    return Snapshot(source=source, scopes=[scopes[k] for k in sorted(scopes)], manifest=manifest)


def _apply_manifest_scopes(manifest: Manifest, scopes: dict[tuple[str, ...], RawScope]) -> None:
    """The manifest names each scope's account and region exactly; prefer it over folder names."""
    by_path = {s.path: s for s in manifest.scopes}
    for folder, scope in scopes.items():
        rec = by_path.get("/".join(folder))
        if rec is not None:
            scope.account, scope.region = rec.account, rec.region
