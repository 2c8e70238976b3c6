"""Selectors, endpoints, placements, tiers and the graph (DESIGN.md section 3)."""

from __future__ import annotations

import pytest

from sgaudit.engine import EndpointKind, Engine
from sgaudit.errors import SelectorError, UsageError
from tests.engine.engine_helpers import load
from tests.synth.estates import kitchen_sink


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return load(kitchen_sink(), tmp_path_factory.mktemp("sink"))


def test_every_selector_kind_resolves(sink: Engine) -> None:
    inv = sink.inventory
    db = sink.resolve("rds:pg")
    assert db.kind is EndpointKind.RDS and db.tier == "data" and db.listen_ports == (("tcp", 5432),)
    assert len(db.placements) == 2 and all(p.kind == "subnet-range" for p in db.placements)
    assert {p.subnet_id for p in db.placements} == set(inv.db_instances["pg"].subnet_ids)

    cluster = sink.resolve("rds-cluster:aurora")
    assert cluster.kind is EndpointKind.RDS_CLUSTER and len(cluster.placements) == 2

    svc = sink.resolve("ecs:main/app")
    assert svc.kind is EndpointKind.ECS_SERVICE and len(svc.placements) == 3
    assert all(p.kind == "interface" and p.client_kind == "ecs_task" for p in svc.placements)
    assert len(svc.configured_placements) == 2  # one per configured subnet
    assert ("tcp", 8080) in svc.listen_ports

    idle = sink.resolve("ecs:batch/idle")  # no running tasks: judged on the configuration
    assert idle.placements and all("(configured)" in p.id for p in idle.placements)
    assert any("no running tasks" in n for n in idle.notes)

    task_id = next(iter(inv.ecs_tasks.values())).task_id
    assert sink.resolve(f"ecs-task:{task_id}").kind is EndpointKind.ECS_TASK

    front = sink.resolve("elb:front")
    assert front.tier == "edge" and front.public and ("tcp", 443) in front.listen_ports
    assert all(p.client_kind == "load_balancer" for p in front.placements)
    nlb = sink.resolve("elb:internal-nlb")
    assert nlb.tier == "web" and not any(p.sg_filtered for p in nlb.placements)

    fn = sink.resolve("lambda:fn1")
    assert fn.kind is EndpointKind.LAMBDA and fn.placements
    with pytest.raises(SelectorError, match="not attached to a VPC"):
        sink.resolve("lambda:no-vpc")

    vpce_id = next(v for v, e in inv.vpc_endpoints.items() if e.vpc_endpoint_type == "Interface")
    assert len(sink.resolve(f"vpce:{vpce_id}").placements) == 2

    bastion_id = next(i for i, x in inv.instances.items() if x.name == "bastion")
    bastion = sink.resolve(f"ec2:{bastion_id}")
    assert bastion.public and bastion.placements[0].public_ips
    assert sink.resolve(bastion_id).selector == f"ec2:{bastion_id}"  # bare id
    multi_id = next(i for i, x in inv.instances.items() if x.name == "multi")
    multi = sink.resolve(f"ec2:{multi_id}")
    assert len(multi.placements) == 2 and multi.placements[0].client_kind == "windows"

    eni = multi.placements[0].interface_id
    assert eni is not None and sink.resolve(eni).kind is EndpointKind.ENI
    ip = inv.network_interfaces[eni].primary_ip
    assert sink.resolve(f"ip:{ip}").placements[0].interface_id == eni

    app_sg = next(g for g, x in inv.security_groups.items() if x.name == "app")
    members = sink.resolve(f"sg:{app_sg}")
    assert members.placements and all(app_sg in p.group_ids for p in members.placements)
    assert sink.resolve(app_sg).selector == f"sg:{app_sg}"

    corp = next(p for p, x in inv.prefix_lists.items() if x.prefix_list_name == "corp")
    pl = sink.resolve(f"pl:{corp}")
    assert pl.tier == "edge" and all(p.kind == "cidr" for p in pl.placements)

    assert sink.resolve("name:bastion").placements == bastion.placements
    tagged = sink.resolve("tag:env=test")
    assert len(tagged.placements) > 10


def test_internet_and_cidr_pseudo_endpoints(sink: Engine) -> None:
    internet = sink.resolve("internet")
    p = internet.placements[0]
    assert internet.tier == "edge" and p.kind == "internet"
    assert not p.addresses4.contains("10.1.0.5") and not p.addresses4.contains("192.168.1.1")
    assert p.addresses4.contains("8.8.8.8") and p.addresses6.contains("2001:db8::1")
    outside = sink.resolve("cidr:198.51.100.0/24")
    assert [x.kind for x in outside.placements] == ["cidr"]
    inside = sink.resolve("cidr:10.1.10.0/24")
    assert inside.placements and all(x.kind == "interface" for x in inside.placements)
    assert sink.resolve("ip:203.0.113.9").placements[0].kind == "cidr"


def test_selector_errors_list_the_closest_matches(sink: Engine) -> None:
    with pytest.raises(SelectorError, match=r"closest matches: .*rds:pg"):
        sink.resolve("rds:pgg")
    with pytest.raises(SelectorError, match=r"ecs:main/app"):
        sink.resolve("ecs:main/apps")
    with pytest.raises(SelectorError, match="unknown selector kind"):
        sink.resolve("database:pg")
    with pytest.raises(SelectorError, match="no interface in the snapshot has the address"):
        sink.resolve("ip:10.1.10.3")
    with pytest.raises(SelectorError):
        sink.resolve("tag:env=nope")


def test_default_port_is_the_destination_listen_port(sink: Engine) -> None:
    app = sink.resolve("ecs:main/app")
    assert sink.path(app, sink.resolve("rds:pg")).port == 5432
    assert sink.path(app, sink.resolve("rds:public-mysql")).port == 3306
    with pytest.raises(UsageError, match="no known udp listen port"):
        sink.path(app, sink.resolve("rds:pg"), "udp")
    with pytest.raises(UsageError, match="listens on tcp 80, 443"):
        sink.path(sink.resolve("internet"), sink.resolve("elb:front"))
    with pytest.raises(UsageError):
        sink.path(app, sink.resolve("rds:pg"), "tcp", 70000)
    with pytest.raises(UsageError):
        sink.path(app, sink.resolve("rds:pg"), "bogus", 1)


def test_endpoints_are_sorted_workloads(sink: Engine) -> None:
    eps = sink.endpoints()
    selectors = [e.selector for e in eps]
    assert selectors == sorted(selectors)
    kinds = {e.kind for e in eps}
    assert {EndpointKind.ECS_SERVICE, EndpointKind.RDS, EndpointKind.RDS_CLUSTER, EndpointKind.ELB} <= kinds
    assert {EndpointKind.LAMBDA, EndpointKind.EC2, EndpointKind.VPCE, EndpointKind.ENI} <= kinds
    assert "lambda:no-vpc" not in selectors
    # Interfaces that belong to a workload are not listed again as bare interfaces.
    task_enis = {p.interface_id for e in eps if e.kind is EndpointKind.ECS_SERVICE for p in e.placements}
    assert not task_enis & {e.selector.removeprefix("eni:") for e in eps if e.kind is EndpointKind.ENI}


def test_graph_holds_membership_references_and_routes(sink: Engine) -> None:
    g = sink.graph
    inv = sink.inventory
    app_sg = next(x for x, s in inv.security_groups.items() if s.name == "app")
    db_sg = next(x for x, s in inv.security_groups.items() if s.name == "db")
    assert g.nodes[app_sg]["kind"] == "security-group"
    refs = [d for d in (g.get_edge_data(db_sg, app_sg) or {}).values() if d["kind"] == "references"]
    assert refs and refs[0]["direction"] == "ingress" and refs[0]["rule_id"].startswith("sgr-")
    eni = next(iter(inv.group_members[app_sg]))
    assert any(d["kind"] == "member-of" for d in g.get_edge_data(eni, app_sg).values())
    assert g.nodes["ecs:main/app"]["kind"] == "endpoint"
    assert any(d["kind"] == "route" for _, _, d in g.out_edges(next(iter(inv.route_tables)), data=True))
    pcx = next(iter(inv.peering_connections))
    assert {v for _, v, d in g.out_edges(pcx, data=True) if d["kind"] == "peers"} <= set(inv.vpcs)
