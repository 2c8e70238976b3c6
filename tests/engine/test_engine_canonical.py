"""The canonical Fargate service -> RDS cases on tcp/5432 (DESIGN.md, the seed's classic mistakes)."""

from __future__ import annotations

from pathlib import Path

from sgaudit.synth import EstateBuilder, NaclEntry
from tests.engine.engine_helpers import fargate_rds, load, path


def test_a_both_rules_present_is_reachable(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.port == 5432  # the RDS endpoint port is the default
    assert r.verdict == "reachable"
    assert len(r.pairs) == 4  # 2 running tasks x 2 subnets of the DB subnet group
    assert r.blockers == [] and r.fixes == []
    kinds = [h.kind for h in r.hops]
    assert kinds[0] == "security-group-egress" and "security-group-ingress" in kinds
    egress = next(h for h in r.hops if h.kind == "security-group-egress")
    assert egress.rule is not None and egress.rule.startswith("sgr-")
    assert {"nacl-egress", "nacl-ingress", "nacl-return-egress", "nacl-return-ingress", "route"} <= set(kinds)


def test_b_ingress_only_blocks_on_the_task_egress_with_one_fix(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"
    assert len(r.blockers) == 1
    b = r.blockers[0]
    assert (b.code, b.component, b.direction, b.leg) == (
        "ENI_SG_RULES_MISMATCH",
        e.task_sg.group_id,
        "egress",
        "forward",
    )
    assert len(b.pairs) == 4
    assert len(r.fixes) == 1
    fix = r.fixes[0]
    assert (fix.group_id, fix.direction, fix.protocol, fix.from_port, fix.to_port) == (
        e.task_sg.group_id,
        "egress",
        "tcp",
        5432,
        5432,
    )
    assert (fix.peer, fix.peer_kind) == (e.db_sg.group_id, "security-group")
    assert fix.aws_cli == (
        f"aws ec2 authorize-security-group-egress --group-id {e.task_sg.group_id} --ip-permissions"
        f" 'IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{{GroupId={e.db_sg.group_id}}}]'"
    )
    assert 'resource "aws_vpc_security_group_egress_rule"' in fix.terraform
    assert f'referenced_security_group_id = "{e.db_sg.group_id}"' in fix.terraform
    assert any("half-open" in n for n in r.notes)


def test_c_egress_only_blocks_on_the_db_ingress(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"
    assert [(b.code, b.component, b.direction) for b in r.blockers] == [
        ("ENI_SG_RULES_MISMATCH", e.db_sg.group_id, "ingress")
    ]
    assert [(f.group_id, f.direction, f.peer) for f in r.fixes] == [
        (e.db_sg.group_id, "ingress", e.task_sg.group_id)
    ]
    assert "authorize-security-group-ingress" in r.fixes[0].aws_cli


def test_d_db_allowing_the_task_subnet_cidrs_is_reachable(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, cidr=[e.app_a.cidr, e.app_b.cidr])
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "reachable"
    ingress = next(h for h in r.hops if h.kind == "security-group-ingress")
    assert "10.0.1" in ingress.detail  # the CIDR rule matched, not a reference


def test_e_nacl_without_ephemeral_return_blocks_on_the_return_leg(tmp_path: Path) -> None:
    e = fargate_rds()
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg=e.task_sg)
    acl = e.b.network_acl(
        e.vpc,
        subnets=[e.db_a, e.db_b],
        name="db",
        entries=[
            NaclEntry(
                number=100, direction="ingress", protocol="tcp", cidr="10.0.0.0/16", ports=(5432, 5432)
            ),
            # The reply needs 32768-60999 (Fargate); only part of it is open.
            NaclEntry(
                number=100, direction="egress", protocol="tcp", cidr="10.0.0.0/16", ports=(1024, 40000)
            ),
        ],
    )
    eng = load(e.finish().b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"
    assert len(r.blockers) == 1
    b = r.blockers[0]
    assert (b.code, b.component, b.direction, b.leg, b.rule) == (
        "SUBNET_ACL_RESTRICTION",
        acl.network_acl_id,
        "egress",
        "return",
        "*",
    )
    assert "intermittently" in b.detail
    forward = [h for h in r.hops if h.kind == "nacl-ingress" and h.id == acl.network_acl_id]
    assert forward and all(h.result.value == "allow" and h.rule == "100" for h in forward)
    nacl_fixes = [f for f in r.fixes if f.kind == "nacl-entry"]
    assert len(nacl_fixes) == 2  # one per app subnet the replies go back to
    f = nacl_fixes[0]
    assert f.rule_number == 110 and (f.from_port, f.to_port) == (32768, 60999)
    assert f.aws_cli.startswith(
        f"aws ec2 create-network-acl-entry --network-acl-id {acl.network_acl_id} --egress"
    )
    assert "--port-range From=32768,To=60999" in f.aws_cli
    assert 'resource "aws_network_acl_rule"' in f.terraform and "egress         = true" in f.terraform


def test_f_peering_with_a_route_on_one_side_only(tmp_path: Path) -> None:
    b = EstateBuilder(seed=11)
    app = b.vpc("10.0.0.0/16", name="app")
    data = b.vpc("10.1.0.0/16", name="data")
    app_a = b.subnet(app, "10.0.10.0/24", az="us-east-1a")
    db_a = b.subnet(data, "10.1.20.0/24", az="us-east-1a")
    db_b = b.subnet(data, "10.1.21.0/24", az="us-east-1b")
    pcx = b.peering(app, data)
    b.route(b.main_route_table(app), "10.1.0.0/16", pcx)  # no route back in the data VPC
    task_sg = b.security_group(app, "api", allow_all_egress=False)
    db_sg = b.security_group(data, "db")
    b.egress(task_sg, "tcp", 5432, sg=db_sg)
    b.ingress(db_sg, "tcp", 5432, sg=task_sg)
    b.fargate_service(cluster="prod", name="api", subnets=[app_a], groups=[task_sg], tasks=1)
    b.rds_instance("prod-db", subnets=[db_a, db_b], groups=[db_sg])
    eng = load(b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"
    assert {(x.code, x.leg, x.component) for x in r.blockers} == {
        ("NO_ROUTE_TO_DESTINATION", "return", data.main_route_table_id)
    }
    # The security groups are fine: references work across an active same-region peering.
    assert all(h.result.value == "allow" for h in r.hops if h.kind.startswith("security-group"))
    assert [(f.kind, f.resource_id, f.peer, f.target) for f in r.fixes] == [
        ("route", data.main_route_table_id, "10.0.0.0/16", pcx.pcx_id)
    ]
    assert r.fixes[0].aws_cli == (
        f"aws ec2 create-route --route-table-id {data.main_route_table_id}"
        f" --destination-cidr-block 10.0.0.0/16 --vpc-peering-connection-id {pcx.pcx_id}"
    )
    assert 'resource "aws_route"' in r.fixes[0].terraform


def test_g_prefix_list_holding_the_task_subnets_is_reachable(tmp_path: Path) -> None:
    e = fargate_rds()
    pl = e.b.prefix_list("app-subnets", [e.app_a.cidr, e.app_b.cidr])
    e.b.egress(e.task_sg, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, prefix_list=pl)
    eng = load(e.finish().b, tmp_path)
    assert path(eng, "ecs:prod/api", "rds:prod-db").verdict == "reachable"


def test_configured_view_is_reported_when_a_new_task_would_differ(tmp_path: Path) -> None:
    e = fargate_rds()
    new_sg = e.b.security_group(e.vpc, "api-v2", allow_all_egress=False)
    for g in (e.task_sg, new_sg):
        e.b.egress(g, "tcp", 5432, sg=e.db_sg)
    e.b.ingress(e.db_sg, "tcp", 5432, sg=new_sg)  # only the NEW group is allowed in
    e.b.fargate_service(
        cluster="prod",
        name="api",
        subnets=[e.app_a, e.app_b],
        groups=[new_sg],
        task_groups=[e.task_sg],
        tasks=2,
    )
    e.b.rds_instance("prod-db", subnets=[e.db_a, e.db_b], groups=[e.db_sg])
    eng = load(e.b, tmp_path)
    r = path(eng, "ecs:prod/api", "rds:prod-db")
    assert r.verdict == "blocked"  # the running tasks still carry the old group
    assert r.configured is not None and r.configured.verdict == "reachable"
    assert all("(configured)" in p.source for p in r.configured.pairs)
