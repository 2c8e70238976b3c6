"""`CheckContext`: what every check function reads (the engine, the inventory, the config, the intents).

Indexes several checks need (who uses each security group, which rules reference it, each
endpoint's internet exposure) are computed once, lazily, and shared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from sgaudit.config import AuditConfig
from sgaudit.engine import Endpoint, Engine, Exposure, Placement
from sgaudit.inventory import (
    EniOwnerKind,
    Inventory,
    NetworkInterface,
    PeerKind,
    SecurityGroup,
    SecurityGroupRule,
)

if TYPE_CHECKING:
    from sgaudit.checks.intents import IntentCase
    from sgaudit.rulepack.loader import RulePack
    from sgaudit.rulepack.spec import RuleSpec

T = TypeVar("T")

UseKind = Literal[
    "interface",
    "ecs-service",
    "lambda",
    "load-balancer",
    "rds",
    "rds-cluster",
    "vpc-endpoint",
    "ec2-instance",
    "referenced",
]


class GroupUse(BaseModel):
    """One reason a security group is in use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: UseKind
    resource: str

    def label(self) -> str:
        """``kind resource`` for messages."""
        return f"{self.kind} {self.resource}"


def _owner_selector(inv: Inventory, eni: NetworkInterface) -> str | None:
    """The selector of the workload that owns an interface, when it is known."""
    owner = eni.owner
    rid = owner.resource_id
    if rid is None:
        return None
    if owner.kind is EniOwnerKind.ECS_TASK:
        task = inv.ecs_tasks.get(rid)
        if task and task.service_name:
            return f"ecs:{inv.cluster_name(task.cluster_arn) or '?'}/{task.service_name}"
        return f"ecs-task:{rid.rsplit('/', 1)[-1]}"
    if owner.kind is EniOwnerKind.LAMBDA:
        return f"lambda:{rid}"
    if owner.kind is EniOwnerKind.LOAD_BALANCER:
        lb = inv.load_balancers.get(rid)
        return f"elb:{lb.load_balancer_name}" if lb else None
    if owner.kind is EniOwnerKind.RDS:
        return f"rds:{rid}"
    if owner.kind is EniOwnerKind.EC2_INSTANCE:
        return rid
    if owner.kind is EniOwnerKind.VPC_ENDPOINT:
        return rid
    return None


class CheckContext:
    """The read-only world a check sees. Checks never call AWS."""

    def __init__(
        self,
        engine: Engine,
        config: AuditConfig,
        rulepack: RulePack,
        intents: Sequence[IntentCase] = (),
    ) -> None:
        """Wrap an engine (and through it the inventory and graph), the config and the evaluated intents."""
        self.engine = engine
        self.config = config
        self.rulepack = rulepack
        self.intents: tuple[IntentCase, ...] = tuple(intents)
        self._exposure: dict[str, Exposure] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """A value several checks share (e.g. the half-open pairs), computed once per run."""
        if key not in self._memo:
            self._memo[key] = factory()
        return cast(T, self._memo[key])

    @property
    def inventory(self) -> Inventory:
        """The snapshot's normalised inventory."""
        return self.engine.inventory

    def rule(self, name: str) -> RuleSpec | None:
        """The enabled rule with this name or id, if the pack runs it."""
        return self.rulepack.find(name)

    # ---- security groups ------------------------------------------------------------------------

    def group(self, group_id: str) -> SecurityGroup | None:
        """A group of the snapshot."""
        return self.inventory.security_groups.get(group_id)

    def group_label(self, group_id: str) -> str:
        """``sg-... (name)`` for messages."""
        g = self.group(group_id)
        if g is None:
            return group_id
        name = g.display_name
        return group_id if name == group_id else f"{group_id} ({name})"

    @cached_property
    def sorted_groups(self) -> list[SecurityGroup]:
        """Every group, by id."""
        return [self.inventory.security_groups[g] for g in sorted(self.inventory.security_groups)]

    @cached_property
    def referencing_rules(self) -> dict[str, list[SecurityGroupRule]]:
        """Group id -> the rules of OTHER groups that name it as their peer."""
        out: dict[str, list[SecurityGroupRule]] = defaultdict(list)
        for g in self.sorted_groups:
            for r in g.rules:
                if r.peer.kind is PeerKind.SECURITY_GROUP and r.peer.value != g.group_id:
                    out[r.peer.value].append(r)
        return dict(out)

    @cached_property
    def rules_by_id(self) -> dict[str, SecurityGroupRule]:
        """``sgr-`` id -> rule."""
        return {r.rule_id: r for g in self.sorted_groups for r in g.rules if r.rule_id}

    @cached_property
    def default_group_of_vpc(self) -> dict[str, str]:
        """VPC id -> its default group's id."""
        return {g.vpc_id: g.group_id for g in self.sorted_groups if g.is_default and g.vpc_id}

    @cached_property
    def group_uses(self) -> dict[str, list[GroupUse]]:
        """Group id -> everything that uses it: interfaces, services, functions, load balancers, DBs,
        endpoints, instances, and other groups' rules (ScoutSuite #1443, Custodian #7731: "unused"
        must count all of these)."""
        inv = self.inventory
        # Insertion-ordered sets: dict keys (a group can have thousands of member interfaces).
        uses: dict[str, dict[tuple[UseKind, str], None]] = defaultdict(dict)

        def add(group_id: str, kind: UseKind, resource: str) -> None:
            uses[group_id].setdefault((kind, resource), None)

        for eid in sorted(inv.network_interfaces):
            for gid in inv.network_interfaces[eid].group_ids:
                add(gid, "interface", eid)
        for arn in sorted(inv.ecs_services):
            svc = inv.ecs_services[arn]
            selector = f"ecs:{inv.cluster_name(svc.cluster_arn) or '?'}/{svc.service_name}"
            configs = [svc.awsvpc] + [
                d.network_configuration.awsvpc_configuration
                for d in svc.deployments
                if d.network_configuration and d.status != "INACTIVE"
            ]
            for cfg in configs:
                if cfg is None:
                    continue
                groups = list(cfg.security_groups)
                if not groups:
                    # ECS gives a task the VPC's default group when the configuration names none.
                    vpc = next((inv.subnets[s].vpc_id for s in cfg.subnets if s in inv.subnets), None)
                    if vpc and vpc in self.default_group_of_vpc:
                        groups = [self.default_group_of_vpc[vpc]]
                for gid in groups:
                    add(gid, "ecs-service", selector)
        for name in sorted(inv.lambda_functions):
            fn = inv.lambda_functions[name]
            if fn.vpc_config:
                for gid in fn.vpc_config.security_group_ids:
                    add(gid, "lambda", f"lambda:{name}")
        for arn in sorted(inv.load_balancers):
            lb = inv.load_balancers[arn]
            for gid in lb.security_groups:
                add(gid, "load-balancer", f"elb:{lb.load_balancer_name}")
        for ident in sorted(inv.db_instances):
            for gid in inv.db_instances[ident].security_group_ids:
                add(gid, "rds", f"rds:{ident}")
        for ident in sorted(inv.db_clusters):
            for gid in inv.db_clusters[ident].security_group_ids:
                add(gid, "rds-cluster", f"rds-cluster:{ident}")
        for vid in sorted(inv.vpc_endpoints):
            for grp in inv.vpc_endpoints[vid].groups:
                add(grp.group_id, "vpc-endpoint", vid)
        for iid in sorted(inv.instances):
            inst = inv.instances[iid]
            if inst.state.name == "terminated":
                continue
            for grp in inst.security_groups:
                add(grp.group_id, "ec2-instance", iid)
            for ni in inst.network_interfaces:
                for grp in ni.groups:
                    add(grp.group_id, "ec2-instance", iid)
        for gid, rules in self.referencing_rules.items():
            for r in rules:
                add(gid, "referenced", r.rule_id or r.group_id)
        return {gid: [GroupUse(kind=kind, resource=res) for kind, res in keys] for gid, keys in uses.items()}

    # ---- endpoints and exposure -----------------------------------------------------------------

    def interface_owner(self, interface_id: str) -> str | None:
        """The selector (or id) of the workload that owns an interface, when known."""
        eni = self.inventory.network_interfaces.get(interface_id)
        return _owner_selector(self.inventory, eni) if eni else None

    @cached_property
    def endpoints(self) -> list[Endpoint]:
        """Every workload endpoint, sorted by selector."""
        return sorted(self.engine.endpoints(), key=lambda e: e.selector)

    @cached_property
    def group_placements(self) -> dict[str, list[Placement]]:
        """Group id -> the placements (running and configured) that carry it, one per placement id."""
        out: dict[str, dict[str, Placement]] = defaultdict(dict)
        for ep in self.endpoints:
            for p in (*ep.placements, *ep.configured_placements):
                for gid in p.group_ids:
                    out[gid].setdefault(p.id, p)
        return {g: [ps[k] for k in sorted(ps)] for g, ps in out.items()}

    @cached_property
    def group_endpoints(self) -> dict[str, list[Endpoint]]:
        """Group id -> the endpoints whose placements carry it."""
        out: dict[str, list[Endpoint]] = defaultdict(list)
        for ep in self.endpoints:
            gids = {g for p in (*ep.placements, *ep.configured_placements) for g in p.group_ids}
            for gid in sorted(gids | set(ep.group_ids)):
                out[gid].append(ep)
        return dict(out)

    def exposure(self, endpoint: Endpoint) -> Exposure:
        """The endpoint's internet exposure (computed once per endpoint)."""
        cached = self._exposure.get(endpoint.selector)
        if cached is None:
            cached = self._exposure[endpoint.selector] = self.engine.internet_exposure(endpoint)
        return cached
