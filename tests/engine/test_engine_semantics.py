"""AWS semantics the engine must get exactly right (DESIGN.md section 4, semantics.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgaudit.engine import Engine, Tri
from sgaudit.errors import UsageError
from sgaudit.inventory import load_inventory
from sgaudit.netalgebra import Traffic
from sgaudit.synth import EstateBuilder, NaclEntry
from tests.engine.engine_helpers import edit_json, fargate_rds, load, path


def _two_enis(b: EstateBuilder, *, ipv6: bool = False):  # type: ignore[no-untyped-def]
    vpc = b.vpc("10.0.0.0/16", ipv6="2600:1f18:aaaa:bb00::/56" if ipv6 else None)
    sa = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a", ipv6="2600:1f18:aaaa:bb01::/64" if ipv6 else None)
    sb = b.subnet(vpc, "10.0.2.0/24", az="us-east-1b", ipv6="2600:1f18:aaaa:bb02::/64" if ipv6 else None)
    client = b.security_group(vpc, "client")
    server = b.security_group(vpc, "server")
    return vpc, sa, sb, client, server


def test_protocol_minus_one_and_numeric_protocols(tmp_path: Path) -> None:
    b = EstateBuilder(seed=3)
    vpc, sa, sb, client, server = _two_enis(b)
    other = b.security_group(vpc, "other")
    b.ingress(server, "-1", sg=client)  # all traffic, any port
    b.ingress(other, "6", 5432, cidr="10.0.1.0/24")  # tcp as a number
    b.ingress(other, "17", 53, cidr="10.0.1.0/24")  # udp as a number
    b.ingress(other, "47", cidr="10.0.1.0/24")  # GRE: no ports
    c = b.eni(sa, [client])
    s = b.eni(sb, [server])
    o = b.eni(sb, [other])
    eng = load(b, tmp_path)
    for proto, port in (("tcp", 5432), ("udp", 9999), ("icmp", 8), ("47", None), ("50", None)):
        assert path(eng, c.selector, s.selector, proto, port).verdict == "reachable", proto
    assert path(eng, c.selector, o.selector, "tcp", 5432).verdict == "reachable"
    assert path(eng, c.selector, o.selector, "tcp", 5433).verdict == "blocked"
    assert path(eng, c.selector, o.selector, "udp", 53).verdict == "reachable"
    assert path(eng, c.selector, o.selector, "47").verdict == "reachable"
    assert path(eng, c.selector, o.selector, "6", 5432).verdict == "reachable"
    assert path(eng, c.selector, o.selector, "tcp", 53).verdict == "blocked"  # udp 53 is not tcp 53
    every, _ = eng.allowed_traffic(eng.resolve(c.selector), eng.resolve(o.selector))
    assert every == Traffic.union(
        [Traffic.single("tcp", 5432), Traffic.single("udp", 53), Traffic.single(47)]
    )


def test_icmp_type_and_code(tmp_path: Path) -> None:
    b = EstateBuilder(seed=4)
    vpc, sa, sb, client, server = _two_enis(b)
    any_icmp = b.security_group(vpc, "any-icmp")
    b.ingress(server, "icmp", 8, 0, sg=client)  # echo request only
    b.ingress(any_icmp, "icmp", -1, -1, sg=client)  # every type and code
    c = b.eni(sa, [client])
    s = b.eni(sb, [server])
    a = b.eni(sb, [any_icmp])
    eng = load(b, tmp_path)
    src, dst, anyd = eng.resolve(c.selector), eng.resolve(s.selector), eng.resolve(a.selector)
    assert eng.path(src, dst, "icmp", 8, 0).verdict == "reachable"
    assert eng.path(src, dst, "icmp", 8, 1).verdict == "blocked"
    assert eng.path(src, dst, "icmp", 3, 4).verdict == "blocked"
    assert eng.path(src, anyd, "icmp", 3, 4).verdict == "reachable"
    assert eng.path(src, anyd, "icmpv6", 128).verdict == "blocked"  # icmp rules are IPv4 ICMP only
    with pytest.raises(UsageError):
        eng.path(src, dst, "icmp")  # the type is required


def test_ipv6_only_rule_allows_ipv6_but_not_ipv4(tmp_path: Path) -> None:
    b = EstateBuilder(seed=5)
    vpc, sa, sb, client, server = _two_enis(b, ipv6=True)
    b.ingress(server, "tcp", 22, cidr6="::/0")
    # A new group's default egress rule is IPv4 only: IPv6 egress needs its own rule.
    b.egress(client, "-1", cidr6="::/0")
    dual = b.eni(sa, [client], ipv6=True)
    v4only = b.eni(sa, [client], ipv6=False)
    s = b.eni(sb, [server], ipv6=True)
    eng = load(b, tmp_path)
    r = path(eng, dual.selector, s.selector, "tcp", 22)
    assert r.verdict == "reachable"
    assert r.pairs[0].families == {"4": "blocked", "6": "reachable"}
    assert any("IPv4 is blocked" in n for n in r.notes)
    assert path(eng, v4only.selector, s.selector, "tcp", 22).verdict == "blocked"
    assert (
        eng.path(eng.resolve(dual.selector), eng.resolve(s.selector), "tcp", 22).pairs[0].families["6"]
        == "reachable"
    )
    del vpc


def test_overlapping_and_touching_port_ranges(tmp_path: Path) -> None:
    b = EstateBuilder(seed=6)
    _, sa, sb, client, server = _two_enis(b)
    b.ingress(server, "tcp", 5400, 5500, sg=client)  # contains 5432
    b.ingress(server, "tcp", 5000, 5450, sg=client)  # overlaps
    b.ingress(server, "tcp", 5501, 6000, sg=client)  # touches
    c, s = b.eni(sa, [client]), b.eni(sb, [server])
    eng = load(b, tmp_path)
    assert path(eng, c.selector, s.selector, "tcp", 5432).verdict == "reachable"
    assert path(eng, c.selector, s.selector, "tcp", 6001).verdict == "blocked"
    every, some = eng.allowed_traffic(eng.resolve(c.selector), eng.resolve(s.selector))
    assert every == some == Traffic.from_rule("tcp", 5000, 6000)
    assert [(f.protocol, f.ports) for f in [*every.matrix_entries()]] == [("tcp", "5000-6000")]


def test_several_groups_on_one_interface_are_a_union(tmp_path: Path) -> None:
    e = fargate_rds()
    extra_task = e.b.security_group(e.vpc, "api-db-access", allow_all_egress=False)
    extra_db = e.b.security_group(e.vpc, "db-extra")
    e.b.egress(extra_task, "tcp", 5432, sg=e.db_sg)  # the egress lives in the task's second group
    e.b.ingress(extra_db, "tcp", 5432, sg=e.task_sg)  # the ingress in the DB's second group
    e.b.fargate_service(
        cluster="prod", name="api", subnets=[e.app_a], groups=[e.task_sg, extra_task], tasks=1
    )
    e.b.rds_instance("prod-db", subnets=[e.db_a, e.db_b], groups=[e.db_sg, extra_db])
    eng = load(e.b, tmp_path)
    assert path(eng, "ecs:prod/api", "rds:prod-db").verdict == "reachable"


def test_self_referencing_group(tmp_path: Path) -> None:
    b = EstateBuilder(seed=8)
    vpc, sa, sb, _, _ = _two_enis(b)
    mesh = b.security_group(vpc, "mesh")
    b.ingress(mesh, "tcp", 7000, sg=mesh)
    x, y = b.eni(sa, [mesh]), b.eni(sb, [mesh])
    outsider = b.eni(sb, [b.security_group(vpc, "outsider")])
    eng = load(b, tmp_path)
    assert path(eng, x.selector, y.selector, "tcp", 7000).verdict == "reachable"
    assert path(eng, outsider.selector, y.selector, "tcp", 7000).verdict == "blocked"
    # sg: every member with all its groups, both ways.
    assert path(eng, mesh.selector, mesh.selector, "tcp", 7000).verdict == "reachable"


def test_stale_reference_matches_nothing_and_is_reported(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg="sg-0deadbeefdeadbeef")  # a deleted group of this account
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"
    assert any("stale" in n and "sg-0deadbeefdeadbeef" in n for n in r.notes)


def test_cross_account_reference_is_unknown(tmp_path: Path) -> None:
    e = fargate_rds()
    foreign = "sg-0aaaabbbbccccdddd"
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg=foreign, user_id="999988887777")
    e.finish(tasks=1)
    folder = e.b.write(tmp_path / "snap", indent=None)
    assert e.service is not None
    eni_id = e.service.tasks[0].eni.eni_id

    def add_foreign_group(items: list[dict[str, object]]) -> None:
        # A shared-VPC interface that carries another account's group: its membership is known,
        # the group itself is not readable.
        for item in items:
            if item["NetworkInterfaceId"] == eni_id:
                item["Groups"].append({"GroupId": foreign, "GroupName": "partner"})  # type: ignore[attr-defined]

    edit_json(folder, "NetworkInterfaces", add_foreign_group)
    eng = Engine(load_inventory(folder))
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "unknown"
    assert any(
        u.startswith("UNKNOWN_PEERED_SGS") and "999988887777/sg-0aaaabbbbccccdddd" in u for u in r.unknowns
    )
    assert r.blockers == []


def test_cross_account_reference_not_carried_by_the_source_is_a_plain_deny(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg="sg-0aaaabbbbccccdddd", user_id="999988887777")
    eng = load(e.finish().b, tmp_path)
    assert path(eng, "ecs:prod/api", "rds:prod-db").verdict == "blocked"


def test_prefix_list_without_entries_is_unknown(tmp_path: Path) -> None:
    e = fargate_rds()
    hidden = e.b.prefix_list("hidden", [e.app_a.cidr, e.app_b.cidr], readable=False)
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, prefix_list=hidden)
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "unknown"
    assert any(hidden.prefix_list_id in u and "entries unknown" in u for u in r.unknowns)
    every, some = eng.allowed_traffic(eng.resolve("ecs:prod/api"), eng.resolve("rds:prod-db"))
    assert every.is_empty and some.is_empty  # undecidable never counts as allowed


def test_rds_partial_when_a_cidr_covers_one_of_its_subnets(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, cidr=e.db_a.cidr)  # only the first DB subnet
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "partial"
    by_dst = {p.destination.rsplit("@", 1)[1]: p.verdict for p in r.pairs}
    assert by_dst == {e.db_a.subnet_id: "reachable", e.db_b.subnet_id: "blocked"}
    # The fix for the uncovered subnet references the DB's group (a reference covers any placement).
    assert [(f.direction, f.peer) for f in r.fixes] == [("egress", e.db_sg.group_id)]


def test_cidr_covering_part_of_a_subnet_splits_the_range_into_atoms(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, cidr="10.0.20.0/25")  # half of db-a
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    eng = load(e.finish(tasks=1).b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "partial"
    atoms = {p.destination_addresses: p.verdict for p in r.pairs}
    assert atoms[("10.0.20.0/25",)] == "reachable"
    assert atoms[("10.0.20.128/25",)] == "blocked"


def test_internet_exposure_needs_a_public_ip_and_an_igw_route(tmp_path: Path) -> None:
    b = EstateBuilder(seed=9)
    vpc = b.vpc("10.0.0.0/16")
    public = b.subnet(vpc, "10.0.0.0/24", az="us-east-1a")
    private = b.subnet(vpc, "10.0.10.0/24", az="us-east-1a")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[public], routes=[("0.0.0.0/0", igw)])
    ssh = b.security_group(vpc, "ssh")
    b.ingress(ssh, "tcp", 22, cidr="0.0.0.0/0")
    exposed = b.ec2_instance("bastion", subnet=public, groups=[ssh], public_ip=True)
    no_ip = b.ec2_instance("no-ip", subnet=public, groups=[ssh])
    no_route = b.ec2_instance("no-route", subnet=private, groups=[ssh], public_ip=True)
    eng = load(b, tmp_path)
    x = eng.internet_exposure(eng.resolve(exposed.selector))
    assert x.exposed and x.world == Traffic.single("tcp", 22)
    p = x.paths[0]
    assert p.public_address == exposed.eni.public_ip
    assert p.igw_route == f"0.0.0.0/0 -> {igw.igw_id}" and p.internet_gateway_id == igw.igw_id
    assert p.nacl_rules == ("100",) and len(p.sg_rule_ids) == 1 and p.sg_rule_ids[0].startswith("sgr-")
    assert path(eng, "internet", exposed.selector, "tcp", 22).verdict == "reachable"

    y = eng.internet_exposure(eng.resolve(no_ip.selector))
    assert not y.exposed and y.some.is_empty and "public" in y.paths[0].reason
    r = path(eng, "internet", no_ip.selector, "tcp", 22)
    assert r.verdict == "blocked"
    assert [b.code for b in r.blockers] == ["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]

    z = eng.internet_exposure(eng.resolve(no_route.selector))
    assert not z.exposed and "internet gateway" in z.paths[0].reason
    assert "NO_ROUTE_TO_DESTINATION" in {
        b.code for b in path(eng, "internet", no_route.selector, "tcp", 22).blockers
    }


@pytest.mark.parametrize(
    ("peer", "world"),
    [
        ({"cidr": ["0.0.0.0/1", "128.0.0.0/1"]}, True),
        ({"cidr": "0.0.0.0/0"}, True),
        ({"cidr": "203.0.113.0/24"}, False),
        ({"cidr": "10.0.0.0/8"}, None),  # private space is not the internet at all
        ({"pl": ["0.0.0.0/0"]}, True),
        ({"cidr6": "::/0"}, True),
    ],
)
def test_world_open_forms(tmp_path: Path, peer: dict[str, object], world: bool | None) -> None:
    b = EstateBuilder(seed=10)
    vpc = b.vpc("10.0.0.0/16", ipv6="2600:1f18:aaaa:bb00::/56")
    public = b.subnet(vpc, "10.0.0.0/24", az="us-east-1a", ipv6="2600:1f18:aaaa:bb00::/64")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[public], routes=[("0.0.0.0/0", igw), ("::/0", igw)])
    sg = b.security_group(vpc, "web")
    if "pl" in peer:
        pl = b.prefix_list("everyone", peer["pl"])  # type: ignore[arg-type]
        b.ingress(sg, "tcp", 443, prefix_list=pl)
    else:
        b.ingress(sg, "tcp", 443, **peer)  # type: ignore[arg-type]
    web = b.ec2_instance("web", subnet=public, groups=[sg], public_ip=True, ipv6=True)
    eng = load(b, tmp_path)
    x = eng.internet_exposure(eng.resolve(web.selector))
    if world is None:
        assert not x.exposed
    else:
        assert x.exposed
        assert (x.world == Traffic.single("tcp", 443)) is world
        assert x.some == Traffic.single("tcp", 443)


def test_nacl_blocking_the_internet_means_not_exposed(tmp_path: Path) -> None:
    b = EstateBuilder(seed=12)
    vpc = b.vpc("10.0.0.0/16")
    public = b.subnet(vpc, "10.0.0.0/24", az="us-east-1a")
    igw = b.internet_gateway(vpc)
    b.route_table(vpc, subnets=[public], routes=[("0.0.0.0/0", igw)])
    b.network_acl(
        vpc,
        subnets=[public],
        entries=[
            NaclEntry(
                number=90,
                direction="ingress",
                protocol="tcp",
                cidr="0.0.0.0/0",
                ports=(22, 22),
                action="deny",
            ),
            NaclEntry(number=100, direction="ingress", protocol="-1", cidr="0.0.0.0/0"),
            NaclEntry(number=100, direction="egress", protocol="-1", cidr="0.0.0.0/0"),
        ],
    )
    ssh = b.security_group(vpc, "ssh")
    b.ingress(ssh, "tcp", 22, cidr="0.0.0.0/0")
    b.ingress(ssh, "tcp", 443, cidr="0.0.0.0/0")
    host = b.ec2_instance("host", subnet=public, groups=[ssh], public_ip=True)
    eng = load(b, tmp_path)
    x = eng.internet_exposure(eng.resolve(host.selector))
    assert x.world == Traffic.single("tcp", 443)  # 22 dies on NACL rule 90
    r = path(eng, "internet", host.selector, "tcp", 22)
    assert [(b.code, b.rule) for b in r.blockers] == [("SUBNET_ACL_RESTRICTION", "90")]
    nacl_fix = next(f for f in r.fixes if f.kind == "nacl-entry")
    assert nacl_fix.rule_number is not None and nacl_fix.rule_number < 90


def test_nat_egress_to_the_internet(tmp_path: Path) -> None:
    b = EstateBuilder(seed=13)
    vpc = b.vpc("10.0.0.0/16")
    public = b.subnet(vpc, "10.0.0.0/24", az="us-east-1a")
    private = b.subnet(vpc, "10.0.10.0/24", az="us-east-1a")
    orphan = b.subnet(vpc, "10.0.11.0/24", az="us-east-1a")
    igw = b.internet_gateway(vpc)
    nat = b.nat_gateway(public)
    b.route_table(vpc, subnets=[public], routes=[("0.0.0.0/0", igw)])
    b.route_table(vpc, subnets=[private], routes=[("0.0.0.0/0", nat)])
    sg = b.security_group(vpc, "app")  # all egress
    app = b.ec2_instance("app", subnet=private, groups=[sg])
    lonely = b.ec2_instance("lonely", subnet=orphan, groups=[sg])
    direct = b.ec2_instance("direct", subnet=public, groups=[sg])  # igw route but no public IP
    eng = load(b, tmp_path)
    r = path(eng, app.selector, "internet", "tcp", 443)
    assert r.verdict == "reachable"
    assert any(h.kind == "nat-gateway" and h.id == nat.nat_id for h in r.hops)
    assert any(h.kind == "internet-gateway" and h.id == igw.igw_id for h in r.hops)
    r2 = path(eng, lonely.selector, "internet", "tcp", 443)
    assert r2.verdict == "blocked" and {b.code for b in r2.blockers} == {"NO_ROUTE_TO_DESTINATION"}
    assert [(f.kind, f.target) for f in r2.fixes] == [("route", nat.nat_id)]
    r3 = path(eng, direct.selector, "internet", "tcp", 443)
    assert [b.code for b in r3.blockers] == ["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]


def test_middlebox_route_does_not_preserve_references(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    appliance = e.b.eni(e.app_a, [e.task_sg], source_dest_check=False)
    rtb = e.b.route_table(e.vpc, subnets=[e.app_a, e.app_b])
    e.b.route(rtb, "10.0.20.0/23", appliance)  # both DB subnets through the firewall
    eng = load(e.finish(tasks=1).b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "unknown"
    assert any(u.startswith("SG_REFERENCES_NOT_PRESERVED") for u in r.unknowns)


def test_sg_layer_ignores_routes_and_nacls(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    eng = load(e.finish(tasks=1).b, tmp_path)
    src = eng.resolve("ecs:prod/api").placements[0]
    dst = eng.resolve("rds:prod-db").placements[0]
    assert eng.sg_layer(src, dst, Traffic.single("tcp", 5432)) == (Tri.DENY, Tri.ALLOW)
    assert eng.sg_layer(src, dst, Traffic.single("tcp", 5433)) == (Tri.DENY, Tri.DENY)
