"""A seeded generator of large, realistic estates (benchmarks, property tests).

``generate_estate(seed, interfaces, groups, rules)`` builds an estate with exactly that many network
interfaces, security groups (default groups included) and security-group rules (peers, as
``describe-security-group-rules`` counts them), whenever the numbers are feasible: a VPC needs its
default group and its two or three default rules. The mix is what a mid-size AWS organisation runs:
several VPCs (some peered, with routes on both sides or, once, only one), public/app/data subnet
tiers in three AZs, internet-facing and internal ALBs in front of Fargate services, RDS instances and
Aurora clusters, VPC Lambdas sharing Hyperplane interfaces, EC2 fleets and bastions, interface and
gateway endpoints, references between tier groups, CIDR and prefix-list rules, a few custom NACLs and
a sprinkling of the classic mistakes (half-open pairs, world-open SSH, a prefix list that hides
0.0.0.0/0, stale and cross-account references, a NACL that drops return traffic).

The same seed and sizes always give byte-identical output.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.synth.builder import EstateBuilder, RouteTarget
from sgaudit.synth.errors import EstateBuildError
from sgaudit.synth.refs import (
    NaclEntry,
    PrefixListRef,
    RouteTableRef,
    SecurityGroupRef,
    ServiceRef,
    SubnetRef,
    VpcRef,
)

_VPC_NAMES = (
    "prod",
    "staging",
    "shared",
    "data",
    "dev",
    "analytics",
    "payments",
    "platform",
    "sandbox",
    "edge",
)
_SERVICE_NAMES = (
    "api",
    "web",
    "auth",
    "billing",
    "search",
    "orders",
    "payments",
    "notifications",
    "catalog",
    "inventory",
    "users",
    "reports",
    "gateway",
    "worker",
    "scheduler",
    "ingest",
    "export",
    "pricing",
    "checkout",
    "media",
)
_EC2_ROLES = ("app", "batch", "kafka", "elastic", "jenkins", "cache", "etl", "grafana", "vault", "legacy")
_APP_PORTS = (8080, 8443, 9000, 3000, 5000, 8000)
_FILL_PORTS = (22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9200, 11211, 27017, 2049, 53, 123)
_ENGINES = (("postgres", 0.55), ("mysql", 0.3), ("aurora-postgresql", 0.15))
_FOREIGN_ACCOUNT = "444455556666"


class EstateSize(BaseModel):
    """The sizes one estate is generated for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interfaces: int = Field(ge=0)
    groups: int = Field(ge=1)
    rules: int = Field(ge=0)


@dataclass(slots=True)
class _VpcPlan:
    index: int
    ref: VpcRef
    name: str
    public: list[SubnetRef]
    app: list[SubnetRef]
    data: list[SubnetRef]
    private_tables: list[RouteTableRef]
    group_budget: int
    interface_budget: int
    sgs: dict[str, list[SecurityGroupRef]] = field(default_factory=dict)
    services: list[tuple[ServiceRef, SecurityGroupRef]] = field(default_factory=list)
    db_groups: list[tuple[SecurityGroupRef, int]] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, size: EstateSize, account: str, region: str) -> None:
        self.rng = random.Random(seed)
        self.size = size
        self.b = EstateBuilder(
            account=account, region=region, seed=seed, default_tags={"managed-by": "terraform"}
        )
        self.azs = [f"{region}{letter}" for letter in "abc"]
        self.plans: list[_VpcPlan] = []
        self.corp: PrefixListRef | None = None
        self.vendor: PrefixListRef | None = None
        self.name_counts: dict[str, int] = {}

    # --- budgets -----------------------------------------------------------------------------------

    def rules_left(self) -> int:
        return self.size.rules - self.b.rule_count()

    def enis_left(self, plan: _VpcPlan) -> int:
        return plan.interface_budget

    def spend(self, plan: _VpcPlan, n: int) -> None:
        plan.interface_budget -= n

    def unique(self, base: str) -> str:
        n = self.name_counts.get(base, 0) + 1
        self.name_counts[base] = n
        return base if n == 1 else f"{base}-{n}"

    def rule(
        self,
        egress: bool,
        group: SecurityGroupRef,
        protocol: str,
        port: int | None,
        to_port: int | None = None,
        *,
        cidr: str | None = None,
        cidr6: str | None = None,
        prefix_list: PrefixListRef | None = None,
        sg: SecurityGroupRef | str | None = None,
        user_id: str | None = None,
    ) -> bool:
        """Add one single-peer rule if the budget and AWS's per-group quota allow and it is new."""
        if self.rules_left() <= 0:
            return False
        if prefix_list is not None:
            peer_id = prefix_list.prefix_list_id
        elif isinstance(sg, SecurityGroupRef):
            peer_id = sg.group_id
        else:
            peer_id = cidr or cidr6 or sg or ""
        family: Literal["4", "6"] = "6" if cidr6 else "4"
        if self.b.rules_in(group, egress, family) >= 60:
            return False
        if self.b.has_rule(
            group, egress=egress, protocol=protocol, from_port=port, to_port=to_port, peer=peer_id
        ):
            return False
        add = self.b.egress if egress else self.b.ingress
        add(
            group,
            protocol,
            port,
            to_port,
            cidr=cidr,
            cidr6=cidr6,
            prefix_list=prefix_list,
            sg=sg,
            user_id=user_id,
        )
        return True

    def group(self, plan: _VpcPlan, role: str, name: str, *, restricted: bool = False) -> SecurityGroupRef:
        # A new group starts with one allow-all egress rule unless the rule budget is spent.
        keep_default = not restricted and self.rules_left() > 0
        sg = self.b.security_group(
            plan.ref, self.unique(name), description=f"{name} ({plan.name})", allow_all_egress=keep_default
        )
        plan.sgs.setdefault(role, []).append(sg)
        return sg

    # --- topology ----------------------------------------------------------------------------------

    def build(self) -> EstateBuilder:
        n_vpcs = max(
            1,
            min(200, math.ceil(self.size.interfaces / 2500), self.size.groups, max(1, self.size.rules // 3)),
        )
        custom_groups = self.size.groups - n_vpcs
        for i in range(n_vpcs):
            share_g = custom_groups // n_vpcs + (1 if i < custom_groups % n_vpcs else 0)
            share_i = self.size.interfaces // n_vpcs + (1 if i < self.size.interfaces % n_vpcs else 0)
            self.plans.append(self.make_vpc(i, share_g, share_i))
        if self.size.rules >= 200:
            self.corp = self.b.prefix_list(
                "corp-offices",
                ["198.51.100.0/24", "203.0.113.0/25", "192.0.2.64/26", "100.64.10.0/24"],
                max_entries=10,
            )
            # A vendor list that, split in two halves, is the whole internet: the hidden world-open.
            self.vendor = self.b.prefix_list("vendor-support", ["0.0.0.0/1", "128.0.0.0/1"], max_entries=5)
        self.peer_vpcs()
        for plan in self.plans:
            self.populate(plan)
        self.cross_vpc_references()
        self.fill_interfaces()
        self.fill_rules()
        return self.b

    def make_vpc(self, i: int, group_budget: int, interface_budget: int) -> _VpcPlan:
        b = self.b
        base = _VPC_NAMES[i % len(_VPC_NAMES)]
        name = base if i < len(_VPC_NAMES) else f"{base}-{i // len(_VPC_NAMES) + 1}"
        third = i
        cidr = f"10.{third}.0.0/16"
        dual = i % 3 == 0
        ipv6 = f"2600:1f18:{0x4000 + i:04x}:ff00::/56" if dual else None
        vpc = b.vpc(cidr, name=name, ipv6=ipv6, tags={"env": base})
        public, app, data = [], [], []
        for z, az in enumerate(self.azs):
            letter = az[-1]
            v6 = f"2600:1f18:{0x4000 + i:04x}:ff0{z}::/64" if dual else None
            public.append(
                b.subnet(
                    vpc,
                    f"10.{third}.{4 * z}.0/22",
                    az=az,
                    name=f"{name}-public-{letter}",
                    ipv6=v6,
                    map_public_ip=True,
                    assign_ipv6=False,
                )
            )
            app.append(b.subnet(vpc, f"10.{third}.{32 + 16 * z}.0/20", az=az, name=f"{name}-app-{letter}"))
            data.append(b.subnet(vpc, f"10.{third}.{128 + 8 * z}.0/21", az=az, name=f"{name}-data-{letter}"))
        igw = b.internet_gateway(vpc, name=f"{name}-igw")
        routes: list[tuple[str | PrefixListRef, RouteTarget]] = [("0.0.0.0/0", igw)]
        if dual:
            routes.append(("::/0", igw))
        b.route_table(vpc, name=f"{name}-public", subnets=public, routes=routes)
        private_tables = []
        nat = None
        if interface_budget >= 30:
            nat = b.nat_gateway(public[0], name=f"{name}-nat-a")
            interface_budget -= 1
        for z, az in enumerate(self.azs):
            rt_routes: list[tuple[str | PrefixListRef, RouteTarget]] = [("0.0.0.0/0", nat)] if nat else []
            private_tables.append(
                b.route_table(vpc, name=f"{name}-private-{az[-1]}", subnets=[app[z]], routes=rt_routes)
            )
        # Data subnets stay on the main route table (implicit association), as they often do.
        private_tables.append(b.main_route_table(vpc))
        b.vpc_endpoint(vpc, "s3", gateway=True, route_tables=private_tables, name=f"{name}-s3")
        return _VpcPlan(i, vpc, name, public, app, data, private_tables, group_budget, interface_budget)

    def peer_vpcs(self) -> None:
        for a, c in zip(self.plans, self.plans[1:], strict=False):
            # The first pair is always peered so every estate with two VPCs has a peering.
            if a.index == 0 or self.rng.random() < 0.6:
                pcx = self.b.peering(a.ref, c.ref, name=f"{a.name}-to-{c.name}")
                for table in a.private_tables:
                    self.b.route(table, c.ref.cidr, pcx)
                # Once, the return route is forgotten: peering needs routes on both sides.
                one_sided = c.index == 2
                if not one_sided:
                    for table in c.private_tables:
                        self.b.route(table, a.ref.cidr, pcx)

    # --- workloads ---------------------------------------------------------------------------------

    def roles(self, g: int) -> list[str]:
        if g <= 0:
            return []
        weights = {
            "alb": 0.06,
            "svc": 0.40,
            "db": 0.12,
            "lambda": 0.10,
            "ec2": 0.22,
            "unused": 0.03,
        }
        counts = {k: int(g * w) for k, w in weights.items()}
        fixed = []
        if g >= 5:
            fixed.append("monitoring")
        if g >= 10:
            fixed.append("vpce")
        rest = g - sum(counts.values()) - len(fixed)
        order = ["svc", "ec2", "db", "alb", "lambda", "unused"]
        k = 0
        while rest > 0:
            counts[order[k % len(order)]] += 1
            rest -= 1
            k += 1
        while rest < 0:
            victim = max(counts, key=lambda r: counts[r])
            counts[victim] -= 1
            rest += 1
        out = fixed + [
            role for role in ("alb", "db", "lambda", "svc", "ec2", "unused") for _ in range(counts[role])
        ]
        return out

    def populate(self, plan: _VpcPlan) -> None:
        rng, b = self.rng, self.b
        roles = self.roles(plan.group_budget)
        n = {r: roles.count(r) for r in set(roles)}
        monitoring = self.group(plan, "monitoring", "monitoring") if n.get("monitoring") else None
        if monitoring is not None:
            self.rule(False, monitoring, "tcp", 9100, sg=monitoring)
            self.rule(False, monitoring, "tcp", 9100, cidr=plan.ref.cidr)
        if n.get("vpce"):
            sg = self.group(plan, "vpce", "endpoints")
            self.rule(False, sg, "tcp", 443, cidr=plan.ref.cidr)
            if self.enis_left(plan) >= 2:
                for service in ("ecr.api", "logs"):
                    if self.enis_left(plan) >= 2:
                        b.vpc_endpoint(
                            plan.ref,
                            service,
                            subnets=plan.app[:2],
                            groups=[sg],
                            name=f"{plan.name}-{service}",
                        )
                        self.spend(plan, 2)

        # Databases first: services and functions need their groups and ports.
        for _ in range(n.get("db", 0)):
            engine = rng.choices([e for e, _ in _ENGINES], [w for _, w in _ENGINES])[0]
            port = 3306 if engine == "mysql" else 5432
            sg = self.group(plan, "db", f"{plan.name}-db")
            plan.db_groups.append((sg, port))
            ident = self.unique(f"{plan.name}-{engine.split('-')[-1]}")
            cost = 2 if engine.startswith("aurora") else 1
            if self.enis_left(plan) >= cost:
                if engine.startswith("aurora"):
                    b.rds_cluster(ident, engine=engine, subnets=plan.data, groups=[sg], instances=2)
                else:
                    b.rds_instance(
                        ident, engine=engine, subnets=plan.data, groups=[sg], multi_az=rng.random() < 0.3
                    )
                self.spend(plan, cost)
            if rng.random() < 0.2:
                self.rule(False, sg, "tcp", port, cidr=plan.app[0].cidr)

        albs = []
        for _ in range(n.get("alb", 0)):
            internet = rng.random() < 0.7
            sg = self.group(plan, "alb", f"{plan.name}-alb")
            if internet:
                self.rule(False, sg, "tcp", 443, cidr="0.0.0.0/0")
                if rng.random() < 0.5:
                    self.rule(False, sg, "tcp", 80, cidr="0.0.0.0/0")
                if plan.ref.ipv6_cidr:
                    self.rule(False, sg, "tcp", 443, cidr6="::/0")
            else:
                self.rule(False, sg, "tcp", 443, cidr=plan.ref.cidr)
            zones = 2 if rng.random() < 0.5 else 3
            if self.enis_left(plan) >= zones:
                subnets = plan.public[:zones] if internet else plan.app[:zones]
                lb = b.alb(
                    self.unique(f"{plan.name}-{'web' if internet else 'int'}"),
                    subnets=subnets,
                    groups=[sg],
                    scheme="internet-facing" if internet else "internal",
                )
                self.spend(plan, zones)
                albs.append((lb, sg))

        # Services: tasks are placed later, once every fixed cost is known; here each gets its group.
        service_groups = [
            self.group(
                plan,
                "svc",
                f"{plan.name}-{_SERVICE_NAMES[k % len(_SERVICE_NAMES)]}",
                restricted=rng.random() < 0.3,
            )
            for k in range(n.get("svc", 0))
        ]
        lambda_groups = [
            self.group(plan, "lambda", f"{plan.name}-fn", restricted=rng.random() < 0.5)
            for _ in range(n.get("lambda", 0))
        ]
        ec2_groups = [
            self.group(plan, "ec2", f"{plan.name}-{_EC2_ROLES[k % len(_EC2_ROLES)]}")
            for k in range(n.get("ec2", 0))
        ]
        for _ in range(n.get("unused", 0)):
            sg = self.group(plan, "unused", f"{plan.name}-old")
            self.rule(False, sg, "tcp", rng.choice((22, 3389, 8080)), cidr=f"10.{rng.randrange(256)}.0.0/16")

        # Lambda functions share interfaces per (subnets, group set).
        for sg in lambda_groups:
            if self.enis_left(plan) >= 2:
                for f in range(rng.randint(1, 3)):
                    b.lambda_function(
                        self.unique(f"{plan.name}-job"),
                        subnets=plan.app[:2],
                        groups=[sg],
                        env={"STAGE": plan.name},
                    )
                    del f
                self.spend(plan, 2)
            if plan.db_groups:
                db_sg, port = rng.choice(plan.db_groups)
                self.rule(True, sg, "tcp", port, sg=db_sg)
                self.rule(False, db_sg, "tcp", port, sg=sg)
            if self.b.rules_in(sg, True) == 0:
                self.rule(True, sg, "tcp", 443, cidr="0.0.0.0/0")

        # Tasks and instances split what is left of the interface budget.
        left = max(0, self.enis_left(plan))
        task_share = int(left * 0.6) if ec2_groups else left
        task_counts = self.split(task_share, len(service_groups))
        ec2_counts = self.split(left - sum(task_counts), len(ec2_groups)) if ec2_groups else []
        fronted: set[str] = set()
        for k, sg in enumerate(service_groups):
            name = _SERVICE_NAMES[k % len(_SERVICE_NAMES)]
            port = rng.choice(_APP_PORTS)
            groups = [sg, monitoring] if monitoring and rng.random() < 0.3 else [sg]
            env = {"LOG_LEVEL": "info"}
            db = rng.choice(plan.db_groups) if plan.db_groups and rng.random() < 0.7 else None
            svc = b.fargate_service(
                cluster=f"{plan.name}-cluster",
                name=name if k < len(_SERVICE_NAMES) else f"{name}-{k // len(_SERVICE_NAMES) + 1}",
                subnets=plan.app,
                groups=groups,
                tasks=task_counts[k],
                container_port=port,
                env=env,
                assign_public_ip=rng.random() < 0.03,
            )
            self.spend(plan, task_counts[k])
            plan.services.append((svc, sg))
            if albs and rng.random() < 0.6:
                lb, lb_sg = albs[k % len(albs)]
                self.rule(False, sg, "tcp", port, sg=lb_sg)
                # The first service behind a load balancer gets its listener; later ones would sit
                # behind listener rules, which snapshots do not carry: the group reference remains.
                if lb.arn not in fronted:
                    fronted.add(lb.arn)
                    tg = b.target_group(self.unique(f"{lb.name}-tg"), plan.ref, port=port, targets=svc)
                    b.listener(lb, 443, "HTTPS", forward=tg)
            if db is not None:
                db_sg, db_port = db
                restricted = self.b.rules_in(sg, True) == 0
                if restricted:
                    self.rule(True, sg, "tcp", 443, cidr="0.0.0.0/0")
                    # Mostly both sides; sometimes only the database side (the classic half-open pair).
                    if rng.random() < 0.85:
                        self.rule(True, sg, "tcp", db_port, sg=db_sg)
                self.rule(False, db_sg, "tcp", db_port, sg=sg)
            elif self.b.rules_in(sg, True) == 0:
                self.rule(True, sg, "tcp", 443, cidr="0.0.0.0/0")

        for k, sg in enumerate(ec2_groups):
            role = _EC2_ROLES[k % len(_EC2_ROLES)]
            if self.corp is not None:
                self.rule(False, sg, "tcp", 22, prefix_list=self.corp)
            other = ec2_groups[(k + 1) % len(ec2_groups)]
            self.rule(False, sg, "tcp", rng.choice(_APP_PORTS), sg=other)
            roll = rng.random()
            if roll < 0.03:
                self.rule(False, sg, "tcp", 22, cidr="0.0.0.0/0")
            elif roll < 0.04 and self.vendor is not None:
                self.rule(False, sg, "tcp", 22, prefix_list=self.vendor)
            elif roll < 0.05:
                self.rule(False, sg, "-1", None, cidr=plan.ref.cidr)
            public = role == "app" and k == 0
            for j in range(ec2_counts[k]):
                subnet = plan.public[j % 3] if public else plan.app[j % 3]
                extra = [monitoring] if monitoring and j % 4 == 0 else []
                b.ec2_instance(
                    self.unique(f"{plan.name}-{role}") if j == 0 else f"{plan.name}-{role}-{j}",
                    subnet=subnet,
                    groups=[sg, *extra],
                    public_ip=public,
                    instance_type=rng.choice(("t3.medium", "m6i.large", "c6i.xlarge", "r6g.large")),
                    list_instance_groups=rng.random() > 0.05,
                )
            self.spend(plan, ec2_counts[k])

        # Stale and cross-account references.
        if plan.db_groups and plan.index % 2 == 1:
            db_sg, port = plan.db_groups[-1]
            self.rule(False, db_sg, "tcp", port, sg=self.b.ids.hex_id("sg-"))
        if plan.db_groups and plan.index % 3 == 2:
            db_sg, port = plan.db_groups[0]
            self.rule(False, db_sg, "tcp", port, sg=self.b.ids.hex_id("sg-"), user_id=_FOREIGN_ACCOUNT)

        # A few custom NACLs on the data tier; one forgets most of the ephemeral range.
        if plan.index % 3 == 1 and plan.db_groups:
            ports = sorted({p for _, p in plan.db_groups})
            broken = plan.index == 4
            entries = []
            for z, app in enumerate(plan.app):
                for p_index, p in enumerate(ports):
                    entries.append(
                        NaclEntry(
                            number=100 + 10 * z + p_index,
                            direction="ingress",
                            protocol="tcp",
                            cidr=app.cidr,
                            ports=(p, p),
                        )
                    )
                hi = 10000 if broken else 65535
                entries.append(
                    NaclEntry(
                        number=100 + 10 * z,
                        direction="egress",
                        protocol="tcp",
                        cidr=app.cidr,
                        ports=(1024, hi),
                    )
                )
            b.network_acl(plan.ref, subnets=plan.data, entries=entries, name=f"{plan.name}-data")

    def cross_vpc_references(self) -> None:
        """A database allows the next VPC's first service by group, across their peering."""
        for plan, other in zip(self.plans, self.plans[1:], strict=False):
            if plan.db_groups and other.services and self.b.peering_between(plan.ref, other.ref) is not None:
                db_sg, port = plan.db_groups[0]
                self.rule(False, db_sg, "tcp", port, sg=other.services[0][1])

    def split(self, total: int, parts: int) -> list[int]:
        """Split ``total`` into ``parts`` skewed random shares (a few big fleets, many small ones)."""
        if parts <= 0:
            return []
        weights = [self.rng.paretovariate(1.5) for _ in range(parts)]
        scale = sum(weights)
        shares = [int(total * w / scale) for w in weights]
        for k in range(total - sum(shares)):
            shares[k % parts] += 1
        return shares

    # --- exact totals ------------------------------------------------------------------------------

    def fill_interfaces(self) -> None:
        """Top up with plain interfaces until the interface count is exact."""
        missing = self.size.interfaces - self.b.interface_count()
        if missing < 0:
            raise EstateBuildError(
                f"{self.size.interfaces} interfaces are too few for {len(self.plans)} VPCs"
                " and their workloads"
            )
        for k in range(missing):
            plan = self.plans[k % len(self.plans)]
            tier = (plan.app, plan.data, plan.public)[(k // len(self.plans)) % 3]
            subnet = tier[(k // (3 * len(self.plans))) % 3]
            groups = plan.sgs.get("ec2", [plan.ref.default_group])[:1]
            self.b.eni(subnet, groups, description="manually created interface", attached=k % 2 == 0)

    def fill_rules(self) -> None:
        """Top up with CIDR ingress rules until the rule count is exact."""
        candidates = [sg for plan in self.plans for _, sgs in sorted(plan.sgs.items()) for sg in sgs] or [
            p.ref.default_group for p in self.plans
        ]
        k = 0
        attempts = 0
        while self.rules_left() > 0:
            sg = candidates[k % len(candidates)]
            k += 1
            port = self.rng.choice(_FILL_PORTS)
            roll = self.rng.random()
            if roll < 0.6:
                cidr = f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.0/24"
            elif roll < 0.8:
                cidr = f"172.{16 + self.rng.randrange(16)}.{self.rng.randrange(256)}.0/24"
            else:
                cidr = f"192.168.{self.rng.randrange(256)}.{self.rng.randrange(256)}/32"
            if self.rule(False, sg, "tcp", port, cidr=cidr):
                attempts = 0
            else:
                attempts += 1
                if attempts > 50 * len(candidates):
                    raise EstateBuildError(
                        f"cannot place {self.rules_left()} more rules within 60 rules per group and direction"
                    )


def generate_estate(
    seed: int,
    interfaces: int,
    groups: int,
    rules: int,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
) -> EstateBuilder:
    """Generate a realistic estate with exactly ``interfaces`` interfaces, ``groups`` security groups
    (default groups included) and ``rules`` security-group rules.

    Raises :class:`~sgaudit.synth.builder.EstateBuildError` when the numbers cannot be met (for
    instance more rules than 60 per group and direction allow).
    """
    size = EstateSize(interfaces=interfaces, groups=groups, rules=rules)
    return _Generator(seed, size, account, region).build()


def sizes(builder: EstateBuilder) -> EstateSize:
    """The interface, group and rule counts of an estate."""
    return EstateSize(
        interfaces=builder.interface_count(), groups=builder.group_count(), rules=builder.rule_count()
    )


__all__: Sequence[str] = ("EstateSize", "generate_estate", "sizes")
