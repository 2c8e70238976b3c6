"""Random small estates for the property tests: a `Recipe` (plain frozen data, printed by hypothesis
on failure), the hypothesis strategy `recipes` that draws one, `build` (the `EstateBuilder` estate it
describes, so a failing example is reproduced with ``build(recipe)``) and `engine_for`.

They cover several VPCs with and without peering and routes, several subnets, several groups per
interface, references (to other groups, to the group itself, stale and cross-account ones), IPv4 and
IPv6 CIDRs, protocol -1, numeric protocols, ICMP, port ranges that overlap or touch, prefix lists with
and without readable entries, custom NACLs whose denies come before allows, public addresses and
internet gateways, NAT gateways, RDS instances in two subnets, Fargate services, Lambda functions
sharing interfaces, load balancers with listeners (ALB, NLB without groups) and middlebox routes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from sgaudit.engine import Engine
from sgaudit.engine.matrix import PairTraffic
from sgaudit.inventory import load_inventory
from sgaudit.synth import EstateBuilder, EstateBuildError, NaclEntry, SecurityGroupRef, SubnetRef

MAX_VPCS = 3
MAX_SUBNETS = 3
FOREIGN_ACCOUNT = "999988887777"
TRANSIT_GATEWAY = "tgw-0a1b2c3d4e5f60718"
PORTS = (0, 22, 80, 443, 1023, 1024, 5432, 8080, 32767, 32768, 60999, 61000, 65535)
ICMP4 = ((-1, -1), (8, -1), (8, 0), (0, 0), (3, 4), (3, -1), (11, 0))
ICMP6 = ((-1, -1), (128, -1), (129, 0), (1, -1))


def vpc_cidr(v: int) -> str:
    return f"10.{v}.0.0/16"


def subnet_cidr(v: int, k: int) -> str:
    return f"10.{v}.{k}.0/24"


def vpc_cidr6(v: int) -> str:
    return f"2600:1f18:{v}:ff00::/56"


def subnet_cidr6(v: int, k: int) -> str:
    return f"2600:1f18:{v}:ff0{k}::/64"


CIDRS4 = (
    "0.0.0.0/0",
    "0.0.0.0/1",
    "128.0.0.0/1",
    "10.0.0.0/8",
    "203.0.113.0/24",
    "198.51.100.7/32",
    "192.168.0.0/16",
    *(vpc_cidr(v) for v in range(MAX_VPCS)),
    *(subnet_cidr(v, k) for v in range(MAX_VPCS) for k in range(MAX_SUBNETS)),
    *(f"10.{v}.{k}.{h}/25" for v in range(MAX_VPCS) for k in range(MAX_SUBNETS) for h in (0, 128)),
)
CIDRS6 = (
    "::/0",
    "2001:db8::/32",
    *(vpc_cidr6(v) for v in range(MAX_VPCS)),
    *(subnet_cidr6(v, k) for v in range(MAX_VPCS) for k in range(MAX_SUBNETS)),
)


# ---- the recipe --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubnetRecipe:
    """One subnet: 10.<vpc>.<index>.0/24 (and a /64 when the VPC has IPv6)."""

    ipv6: bool
    table: str  # "main", "public" (default routes to the igw) or "private" (to the NAT / eigw)


@dataclass(frozen=True)
class VpcRecipe:
    """A VPC 10.<index>.0.0/16 with its subnets and gateways."""

    ipv6: bool
    igw: bool
    eigw: bool
    nat: bool  # a NAT gateway in the first subnet
    subnets: tuple[SubnetRecipe, ...]


@dataclass(frozen=True)
class PeeringRecipe:
    """A peering between two VPCs, with routes on neither, one or both sides."""

    a: int
    b: int
    status: str
    route_a: bool
    route_b: bool


@dataclass(frozen=True)
class PrefixListRecipe:
    """A managed prefix list; unreadable lists have no entries in the snapshot."""

    cidrs: tuple[str, ...]
    readable: bool


@dataclass(frozen=True)
class GroupRecipe:
    """A security group of one VPC."""

    vpc: int
    allow_all_egress: bool


@dataclass(frozen=True)
class SgRuleRecipe:
    """One security-group rule; ``peer`` is (kind, value): cidr, cidr6, sg (group index), self, stale,
    foreign or pl (prefix-list index)."""

    group: int
    egress: bool
    protocol: str
    from_port: int | None
    to_port: int | None
    peer: tuple[str, str | int]


@dataclass(frozen=True)
class NaclEntryRecipe:
    """One NACL entry."""

    number: int
    egress: bool
    protocol: str
    cidr: str
    ports: tuple[int, int] | None
    icmp: tuple[int, int] | None
    allow: bool


@dataclass(frozen=True)
class NaclRecipe:
    """A custom NACL of one VPC on some of its subnets."""

    vpc: int
    subnets: tuple[int, ...]
    entries: tuple[NaclEntryRecipe, ...]


@dataclass(frozen=True)
class WorkloadRecipe:
    """Something with interfaces: eni, ec2, rds (two subnets), service (tasks), lambda, alb (two
    subnets) or nlb (groups optional); a load balancer accepts only its ``listeners``."""

    kind: str
    vpc: int
    subnets: tuple[int, ...]
    groups: tuple[int, ...]
    public: bool
    count: int = 1
    listeners: tuple[tuple[str, int], ...] = ()  # (listener protocol, port)


@dataclass(frozen=True)
class Recipe:
    """A whole estate (see `build`)."""

    vpcs: tuple[VpcRecipe, ...]
    peerings: tuple[PeeringRecipe, ...]
    prefix_lists: tuple[PrefixListRecipe, ...]
    groups: tuple[GroupRecipe, ...]
    rules: tuple[SgRuleRecipe, ...]
    nacls: tuple[NaclRecipe, ...]
    workloads: tuple[WorkloadRecipe, ...]
    middlebox: tuple[tuple[int, int, int], ...] = ()  # (vpc, subnet whose table, subnet routed) via 1st ENI
    transit: tuple[tuple[int, int], ...] = ()  # (vpc, other vpc): its tables route the other's CIDR to a TGW
    transit_default: tuple[
        int, ...
    ] = ()  # VPCs whose private tables send 0.0.0.0/0 to a TGW (central egress)


# ---- building ----------------------------------------------------------------------------------


def build(recipe: Recipe) -> EstateBuilder:
    """The estate a recipe describes (steps AWS would refuse, such as duplicate rules, are skipped)."""
    b = EstateBuilder(seed=11)
    vpcs = []
    subnets: list[list[SubnetRef]] = []
    for v, spec in enumerate(recipe.vpcs):
        vpc = b.vpc(vpc_cidr(v), name=f"vpc{v}", ipv6=vpc_cidr6(v) if spec.ipv6 else None)
        vpcs.append(vpc)
        subs = [
            b.subnet(
                vpc,
                subnet_cidr(v, k),
                az="us-east-1a" if k % 2 == 0 else "us-east-1b",
                name=f"s{v}.{k}",
                ipv6=subnet_cidr6(v, k) if spec.ipv6 and s.ipv6 else None,
            )
            for k, s in enumerate(spec.subnets)
        ]
        subnets.append(subs)
    tables: list[list[object]] = [[b.main_route_table(vpc)] for vpc in vpcs]
    for v, spec in enumerate(recipe.vpcs):
        igw = b.internet_gateway(vpcs[v]) if spec.igw else None
        eigw = b.egress_only_internet_gateway(vpcs[v]) if spec.eigw and spec.ipv6 else None
        nat = b.nat_gateway(subnets[v][0]) if spec.nat else None
        for k, s in enumerate(spec.subnets):
            routes: list[tuple[str, object]] = []
            if s.table == "public" and igw is not None:
                routes = [("0.0.0.0/0", igw)] + ([("::/0", igw)] if spec.ipv6 else [])
            elif s.table == "private":
                routes = ([("0.0.0.0/0", nat)] if nat is not None else []) + (
                    [("::/0", eigw)] if eigw is not None else []
                )
            if s.table != "main":
                tables[v].append(b.route_table(vpcs[v], subnets=[subnets[v][k]], routes=routes))  # type: ignore[arg-type]
    for p in recipe.peerings:
        pcx = b.peering(vpcs[p.a], vpcs[p.b], status=p.status)
        for side, other, wanted in ((p.a, p.b, p.route_a), (p.b, p.a, p.route_b)):
            if wanted:
                for t in tables[side]:
                    b.route(t, vpc_cidr(other), pcx)  # type: ignore[arg-type]
    pls = [
        b.prefix_list(f"pl{i}", list(p.cidrs), readable=p.readable) for i, p in enumerate(recipe.prefix_lists)
    ]
    groups: list[SecurityGroupRef] = [
        b.security_group(vpcs[g.vpc], f"g{i}", allow_all_egress=g.allow_all_egress)
        for i, g in enumerate(recipe.groups)
    ]
    for r in recipe.rules:
        kind, value = r.peer
        peer: dict[str, object] = {}
        if kind == "cidr":
            peer = {"cidr": value}
        elif kind == "cidr6":
            peer = {"cidr6": value}
        elif kind == "sg":
            peer = {"sg": groups[int(value)]}
        elif kind == "self":
            peer = {"sg": groups[r.group]}
        elif kind == "stale":
            peer = {"sg": "sg-0fffffffffffffff1"}
        elif kind == "foreign":
            peer = {"sg": "sg-0123456789abcdef0", "user_id": FOREIGN_ACCOUNT}
        else:
            peer = {"prefix_list": pls[int(value)]}
        add = b.egress if r.egress else b.ingress
        with contextlib.suppress(EstateBuildError):  # a duplicate: AWS refuses it too
            add(groups[r.group], r.protocol, r.from_port, r.to_port, **peer)  # type: ignore[arg-type]
    for n in recipe.nacls:
        entries = []
        for e in n.entries:
            six = ":" in e.cidr
            entries.append(
                NaclEntry(
                    number=e.number,
                    direction="egress" if e.egress else "ingress",
                    protocol=e.protocol,
                    cidr=None if six else e.cidr,
                    cidr6=e.cidr if six else None,
                    ports=e.ports,
                    icmp=e.icmp,
                    action="allow" if e.allow else "deny",
                )
            )
        b.network_acl(vpcs[n.vpc], subnets=[subnets[n.vpc][k] for k in n.subnets], entries=entries)
    first_eni = {}
    for w_index, w in enumerate(recipe.workloads):
        gs = [groups[g] for g in w.groups] or None
        subs = [subnets[w.vpc][k] for k in w.subnets]
        if w.kind == "eni":
            ref = b.eni(subs[0], gs, public_ip=w.public)
            first_eni.setdefault(w.vpc, ref)
        elif w.kind == "ec2":
            inst = b.ec2_instance(f"i{w_index}", subnet=subs[0], groups=gs, public_ip=w.public)
            first_eni.setdefault(w.vpc, inst.eni)
        elif w.kind == "rds":
            b.rds_instance(f"db{w_index}", subnets=subs, groups=gs, public=w.public)
        elif w.kind == "service":
            b.fargate_service(
                cluster="c",
                name=f"svc{w_index}",
                subnets=subs,
                groups=gs,
                tasks=w.count,
                assign_public_ip=w.public,
            )
        elif w.kind in ("alb", "nlb"):
            scheme = "internet-facing" if w.public else "internal"
            if w.kind == "alb":
                lb = b.alb(f"lb{w_index}", subnets=subs, groups=gs or [], scheme=scheme)
            else:
                lb = b.nlb(f"lb{w_index}", subnets=subs, groups=gs, scheme=scheme)
            for protocol, port in w.listeners:
                if w.kind == "alb":
                    b.listener(lb, port, protocol, redirect_port=443)
                else:
                    tg = b.target_group(f"lb{w_index}-{port}", vpcs[w.vpc], port=port, protocol=protocol)
                    b.listener(lb, port, protocol, forward=tg)
        else:
            b.lambda_function(f"fn{w_index}", subnets=subs, groups=gs)
    for v, other in recipe.transit:
        for t in tables[v]:
            with contextlib.suppress(EstateBuildError):  # the same route twice
                b.route(t, vpc_cidr(other), TRANSIT_GATEWAY)  # type: ignore[arg-type]
    for v in recipe.transit_default:
        for t in tables[v][1:]:
            with contextlib.suppress(EstateBuildError):  # a default route is there already
                b.route(t, "0.0.0.0/0", TRANSIT_GATEWAY)  # type: ignore[arg-type]
    for v, table_subnet, routed in recipe.middlebox:
        eni = first_eni.get(v)
        if eni is not None and table_subnet != routed:
            table = b.route_table(vpcs[v], subnets=[subnets[v][table_subnet]])
            b.route(table, subnet_cidr(v, routed), eni)
    return b


# ---- the strategy ------------------------------------------------------------------------------


@st.composite
def recipes(draw: st.DrawFn, *, max_workloads: int = 6, max_rules: int = 16) -> Recipe:
    """Small random estates (see the module docstring for what they cover)."""
    n_vpcs = draw(st.integers(1, MAX_VPCS))
    vpcs = []
    for _ in range(n_vpcs):
        ipv6 = draw(st.booleans())
        subs = tuple(
            SubnetRecipe(ipv6=draw(st.booleans()), table=draw(st.sampled_from(("main", "public", "private"))))
            for _ in range(draw(st.integers(1, MAX_SUBNETS)))
        )
        vpcs.append(VpcRecipe(ipv6, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()), subs))
    peerings = []
    for a in range(n_vpcs - 1):
        if draw(st.booleans()):
            status = draw(st.sampled_from(("active", "active", "pending-acceptance")))
            peerings.append(PeeringRecipe(a, a + 1, status, draw(st.booleans()), draw(st.booleans())))
    prefix_lists = tuple(
        PrefixListRecipe(
            tuple(sorted(set(draw(st.lists(st.sampled_from(CIDRS4), min_size=1, max_size=3))))),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    groups = tuple(
        GroupRecipe(draw(st.integers(0, n_vpcs - 1)), draw(st.booleans()))
        for _ in range(draw(st.integers(1, 5)))
    )
    # Peers mostly from the estate's own address space, so that rules match something.
    cidrs4 = [c for c in CIDRS4 if not c.startswith("10.") or c == "10.0.0.0/8"] + [
        c
        for v, spec in enumerate(vpcs)
        for c in (
            vpc_cidr(v),
            *(subnet_cidr(v, k) for k in range(len(spec.subnets))),
            *(f"10.{v}.{k}.{h}/25" for k in range(len(spec.subnets)) for h in (0, 128)),
        )
    ]
    cidrs6 = ["::/0", "2001:db8::/32"] + [
        c
        for v, spec in enumerate(vpcs)
        if spec.ipv6
        for c in (vpc_cidr6(v), *(subnet_cidr6(v, k) for k in range(len(spec.subnets))))
    ]
    rules = []
    for _ in range(draw(st.integers(min(3, max_rules), max_rules))):
        g = draw(st.integers(0, len(groups) - 1))
        egress = draw(st.integers(0, 2)) == 0
        protocol = draw(st.sampled_from(("tcp", "tcp", "udp", "-1", "icmp", "icmpv6", "47", "6")))
        lo: int | None = None
        hi: int | None = None
        if protocol in ("tcp", "udp", "6"):
            lo, hi = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
        elif protocol == "icmp":
            lo, hi = draw(st.sampled_from(ICMP4))
        elif protocol == "icmpv6":
            lo, hi = draw(st.sampled_from(ICMP6))
        kinds = ["cidr", "cidr", "cidr", "cidr6", "sg", "sg", "sg", "self", "stale", "foreign"]
        kind = draw(st.sampled_from(kinds + (["pl"] if prefix_lists else [])))
        value: str | int = ""
        if kind == "cidr":
            value = draw(st.sampled_from(cidrs4))
        elif kind == "cidr6":
            value = draw(st.sampled_from(cidrs6))
        elif kind == "sg":
            value = draw(st.integers(0, len(groups) - 1))
        elif kind == "pl":
            value = draw(st.integers(0, len(prefix_lists) - 1))
        rules.append(SgRuleRecipe(g, egress, protocol, lo, hi, (kind, value)))
    nacls = []
    used_subnets: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(0, 2))):
        v = draw(st.integers(0, n_vpcs - 1))
        subs = tuple(
            k
            for k in sorted(
                set(draw(st.lists(st.integers(0, len(vpcs[v].subnets) - 1), min_size=1, max_size=2)))
            )
            if (v, k) not in used_subnets
        )
        used_subnets.update((v, k) for k in subs)
        entries = []
        numbers = sorted(set(draw(st.lists(st.sampled_from(range(10, 210, 10)), min_size=1, max_size=6))))
        for number in numbers:
            for egress in (False, True):
                if not draw(st.booleans()):
                    continue
                protocol = draw(st.sampled_from(("-1", "tcp", "tcp", "udp", "icmp", "icmpv6", "47")))
                cidr = draw(st.sampled_from(cidrs6 if protocol == "icmpv6" else cidrs4 + cidrs6))
                ports = tuple(sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS)))))
                icmp = draw(st.sampled_from(ICMP6 if protocol == "icmpv6" else ICMP4))
                entries.append(
                    NaclEntryRecipe(
                        number,
                        egress,
                        protocol,
                        cidr,
                        ports if protocol in ("tcp", "udp") else None,  # type: ignore[arg-type]
                        icmp if protocol in ("icmp", "icmpv6") else None,
                        draw(st.booleans()),
                    )
                )
        if draw(st.booleans()):  # often a final allow-all, so that something gets through
            for egress in (False, True):
                entries.append(NaclEntryRecipe(300, egress, "-1", "0.0.0.0/0", None, None, True))
        nacls.append(NaclRecipe(v, subs, tuple(entries)))
    workloads = []
    for _ in range(draw(st.integers(min(3, max_workloads), max_workloads))):
        kind = draw(st.sampled_from(("eni", "ec2", "ec2", "rds", "service", "lambda", "alb", "nlb")))
        v = draw(st.integers(0, n_vpcs - 1))
        n_sub = len(vpcs[v].subnets)
        if kind in ("rds", "alb") and n_sub < 2:
            kind = "ec2"
        in_vpc = [i for i, g in enumerate(groups) if g.vpc == v]
        chosen = tuple(sorted(set(draw(st.lists(st.sampled_from(in_vpc), max_size=3))))) if in_vpc else ()
        if kind in ("rds", "alb"):
            subs: tuple[int, ...] = (0, 1)
        elif kind in ("service", "lambda"):
            subs = tuple(sorted(set(draw(st.lists(st.integers(0, n_sub - 1), min_size=1, max_size=2)))))
        else:
            subs = (draw(st.integers(0, n_sub - 1)),)
        count = draw(st.sampled_from((0, 1, 2, 2, 3))) if kind == "service" else 1
        listeners: tuple[tuple[str, int], ...] = ()
        if kind in ("alb", "nlb"):
            protocols = ("HTTP", "HTTPS") if kind == "alb" else ("TCP", "UDP", "TCP_UDP", "TLS")
            ports = draw(st.lists(st.sampled_from(PORTS[1:]), max_size=2, unique=True))
            listeners = tuple((draw(st.sampled_from(protocols)), port) for port in ports)
        workloads.append(WorkloadRecipe(kind, v, subs, chosen, draw(st.booleans()), count, listeners))
    middlebox = ()
    if draw(st.integers(0, 4)) == 0:
        v = draw(st.integers(0, n_vpcs - 1))
        n_sub = len(vpcs[v].subnets)
        if n_sub >= 2:
            middlebox = ((v, draw(st.integers(0, n_sub - 1)), draw(st.integers(0, n_sub - 1))),)
    transit: list[tuple[int, int]] = []
    if n_vpcs > 1 and draw(st.integers(0, 2)) == 0:
        a = draw(st.integers(0, n_vpcs - 1))
        b = draw(st.integers(0, n_vpcs - 1).filter(lambda x: x != a))
        transit = [(a, b)] + ([(b, a)] if draw(st.integers(0, 3)) else [])  # usually both ways
    transit_default = (draw(st.integers(0, n_vpcs - 1)),) if draw(st.integers(0, 3)) == 0 else ()
    return Recipe(
        tuple(vpcs),
        tuple(peerings),
        prefix_lists,
        groups,
        tuple(rules),
        tuple(nacls),
        tuple(workloads),
        middlebox,
        tuple(transit),
        transit_default,
    )


def engine_for(recipe: Recipe, folder: Path) -> Engine:
    """Build the estate, write it as an ordinary snapshot, load it and make an engine."""
    return Engine(load_inventory(build(recipe).write(folder / "snap", indent=None)))


def describe_differences(mine: Sequence[PairTraffic], ref: Sequence[PairTraffic], limit: int = 5) -> str:
    """The first few endpoint pairs on which two matrices disagree, readably."""
    a = {(p.source, p.destination): p for p in mine}
    b = {(p.source, p.destination): p for p in ref}
    lines = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if x is None or y is None or x[2:] != y[2:]:
            lines.append(f"{key[0]} -> {key[1]}")
            for name, p in (("matrix", x), ("oracle", y)):
                text = "(none)" if p is None else f"every={p.every} | some={p.some} | unknown={p.unknown}"
                lines.append(f"    {name}: {text}")
            if len(lines) >= 3 * limit:
                break
    return "\n".join(lines)
