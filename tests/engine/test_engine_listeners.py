"""Load-balancer listeners refine paths to load balancers (DESIGN.md section 4): a load balancer accepts
a connection only on a listener's protocol and port, whatever its security groups allow; without any
listener in the snapshot the network layers decide."""

from __future__ import annotations

from pathlib import Path

from sgaudit.checks.runner import run_checks
from sgaudit.config import AuditConfig
from sgaudit.engine import Engine
from sgaudit.engine.matrix import compute_matrix_rows
from sgaudit.inventory import load_inventory
from sgaudit.netalgebra import PORTS, Traffic
from sgaudit.rulepack.loader import load_rulepack
from sgaudit.synth import EstateBuilder
from tests.engine.engine_helpers import edit_json, path


def _estate(b: EstateBuilder) -> None:
    """An internet-facing ALB whose group admits every TCP port from the world, listening on 443
    (forwarding to an instance) and 80 (redirecting); an NLB without groups listening on udp 53."""
    vpc = b.vpc("10.0.0.0/16")
    igw = b.internet_gateway(vpc)
    pub_a = b.subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    pub_b = b.subnet(vpc, "10.0.2.0/24", az="us-east-1b")
    app = b.subnet(vpc, "10.0.3.0/24", az="us-east-1a")
    b.route_table(vpc, subnets=[pub_a, pub_b], routes=[("0.0.0.0/0", igw)])
    lb_sg = b.security_group(vpc, "web-lb")
    b.ingress(lb_sg, "tcp", 0, 65535, cidr="0.0.0.0/0")
    app_sg = b.security_group(vpc, "app")
    b.ingress(app_sg, "tcp", 8443, sg=lb_sg)
    inst = b.ec2_instance("app-1", subnet=app, groups=[app_sg])
    lb = b.alb(
        "web", subnets=[pub_a, pub_b], groups=[lb_sg], targets=[inst], target_port=8443, listener_port=443
    )
    b.listener(lb, 80, "HTTP", redirect_port=443)
    dns = b.nlb("dns", subnets=[pub_a], scheme="internet-facing")
    tg = b.target_group("dns-tg", vpc, port=53, protocol="UDP")
    b.listener(dns, 53, "UDP", forward=tg)
    client = b.security_group(vpc, "client")
    b.ec2_instance("client-1", subnet=app, groups=[client])


def _engine(tmp_path: Path, *, drop_listeners: bool = False) -> Engine:
    b = EstateBuilder(seed=21)
    _estate(b)
    folder = b.write(tmp_path / "snap", indent=None)
    if drop_listeners:
        edit_json(folder, "Listeners", lambda items: items.clear())
    return Engine(load_inventory(folder))


def test_path_to_a_port_without_listener_is_blocked_by_the_listener(tmp_path: Path) -> None:
    eng = _engine(tmp_path)
    ok = path(eng, "internet", "elb:web", "tcp", 443)
    assert ok.verdict == "reachable"
    assert any(h.kind == "load-balancer-listener" and h.result == "allow" for h in ok.hops)
    for port in (22, 8443):
        blocked = path(eng, "internet", "elb:web", "tcp", port)
        assert blocked.verdict == "blocked"
        # The group admits it: the listener is the only blocker, and no rule is suggested.
        assert [b.code for b in blocked.blockers] == ["ELBV2_LISTENER_PORT_RESTRICTION"]
        assert blocked.blockers[0].component == "web"
        assert "tcp 80, tcp 443" in blocked.blockers[0].detail
        assert blocked.fixes == []
    # ICMP is no listener either.
    assert path(eng, "internet", "elb:web", "icmp", 8).verdict == "blocked"
    # An NLB without groups: only its UDP listener.
    assert path(eng, "internet", "elb:dns", "udp", 53).verdict == "reachable"
    assert path(eng, "internet", "elb:dns", "tcp", 53).verdict == "blocked"


def test_every_selector_of_the_load_balancer_interface_is_restricted(tmp_path: Path) -> None:
    eng = _engine(tmp_path)
    eni = eng.resolve("elb:web").placements[0].interface_id
    assert eni is not None
    assert path(eng, "internet", f"eni:{eni}", "tcp", 443).verdict == "reachable"
    assert path(eng, "internet", f"eni:{eni}", "tcp", 22).verdict == "blocked"
    members = eng.resolve(f"sg:{eng.resolve('elb:web').group_ids[0]}")
    assert all(p.listeners is not None for p in members.placements)


def test_without_listeners_in_the_snapshot_the_network_layers_decide(tmp_path: Path) -> None:
    eng = _engine(tmp_path, drop_listeners=True)
    assert all(p.listeners is None for p in eng.resolve("elb:web").placements)
    assert path(eng, "internet", "elb:web", "tcp", 22).verdict == "reachable"
    assert eng.internet_exposure(eng.resolve("elb:web")).world == Traffic(tcp=PORTS)


def test_exposure_matrix_and_checks_see_only_the_listeners(tmp_path: Path) -> None:
    eng = _engine(tmp_path)
    web = eng.resolve("elb:web")
    listeners = Traffic.union([Traffic.single("tcp", 80), Traffic.single("tcp", 443)])
    exposure = eng.internet_exposure(web)
    assert exposure.world == listeners and exposure.some == listeners
    every, some = eng.allowed_traffic(eng.resolve("internet"), web)
    assert every == some == listeners
    rows = [r for r in compute_matrix_rows(eng) if r.source == "internet" and r.destination == "elb:web"]
    assert [(r.protocol, r.ports, r.verdict) for r in rows] == [
        ("tcp", "80", "reachable"),
        ("tcp", "443", "reachable"),
    ]
    # Sources inside the VPC meet the listeners too (the client's egress allows everything).
    inside = [
        r
        for r in compute_matrix_rows(eng)
        if r.source == next(e.selector for e in eng.endpoints() if e.label == "client-1")
        and r.destination == "elb:web"
    ]
    assert {(r.protocol, r.ports) for r in inside} == {("tcp", "80"), ("tcp", "443")}
    # The world-open group on the ALB exposes nothing but its listeners: no internet finding for it,
    # where the same snapshot without its listeners has one.
    assert _internet_findings(eng) == []
    assert _internet_findings(_engine(tmp_path / "bare", drop_listeners=True)) == ["internet-all-traffic"]


def _internet_findings(eng: Engine) -> list[str]:
    outcome = run_checks(eng, load_rulepack(), AuditConfig())
    return [f.name for f in outcome.findings if f.name.startswith("internet-") and f.resource == "elb:web"]


def test_path_notes_name_the_target_groups_and_their_health(tmp_path: Path) -> None:
    b = EstateBuilder(seed=22)
    _estate(b)
    folder = b.write(tmp_path / "snap", indent=None)

    def sick(items: list[dict[str, object]]) -> None:
        for record in items:
            for desc in record["TargetHealthDescriptions"]:  # type: ignore[attr-defined]
                desc["TargetHealth"] = {"State": "unhealthy", "Reason": "Target.Timeout"}

    eng = Engine(load_inventory(folder))
    notes = path(eng, "internet", "elb:web", "tcp", 443).notes
    assert any(
        "listener HTTPS 443 forwards to web-tg (HTTP 8443): 1 of 1 targets healthy" in n for n in notes
    )
    # The redirecting listener forwards nowhere; the blocked port names no listener.
    assert any(
        "listener HTTP 80 forwards to no target group (redirect)" in n
        for n in path(eng, "internet", "elb:web", "tcp", 80).notes
    )
    assert not any(n.startswith("listener") for n in path(eng, "internet", "elb:web", "tcp", 22).notes)
    edit_json(folder, "TargetHealth", sick)
    eng = Engine(load_inventory(folder))
    result = path(eng, "internet", "elb:web", "tcp", 443)
    assert result.verdict == "reachable"  # the network delivers it; the note says the rest
    assert any(
        "0 of 1 targets healthy (1 unhealthy; Target.Timeout)" in n and "no healthy target" in n
        for n in result.notes
    )
