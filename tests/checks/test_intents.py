"""Inferred intents: load balancer targets, database endpoints in environments, half-open SG pairs."""

from __future__ import annotations

from datetime import date

import pytest
from estate_base import standard_net

from sgaudit.checks import CheckOutcome, run_checks
from sgaudit.config import AuditConfig
from sgaudit.engine import Engine
from sgaudit.inventory import load_inventory
from sgaudit.rulepack import RulePack
from sgaudit.synth import EstateBuilder

SECRET = "s3cr3t-password-value"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, builtin_pack: RulePack) -> CheckOutcome:
    b = EstateBuilder(seed=11)
    net = standard_net(b)
    alb_sg = b.security_group(net.vpc, "alb")
    b.ingress(alb_sg, "tcp", 443, cidr="0.0.0.0/0")
    # The app group forgot the load balancer: ALB -> app on 8080 is blocked (ingress side).
    app_sg = b.security_group(net.vpc, "app")
    legacy_sg = b.security_group(net.vpc, "legacy")
    b.ingress(legacy_sg, "tcp", 8081, sg=alb_sg)
    db_sg = b.security_group(net.vpc, "db")
    b.ingress(db_sg, "tcp", 5432, sg=app_sg)
    db = b.rds_instance("app-db", subnets=[net.db_a, net.db_b], groups=[db_sg])
    app = b.fargate_service(
        cluster="prod",
        name="app",
        subnets=[net.app_a, net.app_b],
        groups=[app_sg],
        tasks=2,
        env={"DATABASE_URL": f"postgres://app:{SECRET}@{db.address}:5432/app"},
    )
    legacy = b.ec2_instance("legacy", subnet=net.app_a, groups=[legacy_sg])
    web = b.alb("web", subnets=[net.pub_a, net.pub_b], groups=[alb_sg], targets=app, listener_port=443)
    tg = b.target_group("legacy-tg", net.vpc, port=8081, targets=[legacy])
    b.listener(web, 8443, "HTTPS", forward=tg)
    out = b.write(tmp_path_factory.mktemp("intents") / "snapshot")
    return run_checks(Engine(load_inventory(out)), builtin_pack, AuditConfig(), today=date(2024, 6, 1))


def _intent(outcome: CheckOutcome, src: str, dst: str) -> list[object]:
    return [i for i in outcome.intents if i.from_ == src and i.to.startswith(dst)]


def test_load_balancer_target_intents(outcome: CheckOutcome) -> None:
    (to_app,) = _intent(outcome, "elb:web", "ecs:prod/app")
    assert to_app.inferred and to_app.port == 8080 and to_app.verdict == "blocked"  # type: ignore[attr-defined]
    assert "target group" in to_app.reason  # type: ignore[attr-defined]
    (to_legacy,) = _intent(outcome, "elb:web", "ec2:")
    assert to_legacy.port == 8081 and to_legacy.verdict == "reachable"  # type: ignore[attr-defined]
    blocked = [f for f in outcome.findings if f.name == "intent-blocked"]
    assert [f.resource for f in blocked] == ["ecs:prod/app"]
    assert "inferred" in blocked[0].message and "ENI_SG_RULES_MISMATCH" in blocked[0].message
    assert blocked[0].fix is not None and "authorize-security-group-ingress" in (blocked[0].fix.aws_cli or "")


def test_environment_intent_names_the_variable_never_the_value(outcome: CheckOutcome) -> None:
    (to_db,) = _intent(outcome, "ecs:prod/app", "rds:app-db")
    assert to_db.port == 5432 and to_db.verdict == "reachable"  # type: ignore[attr-defined]
    assert "DATABASE_URL" in to_db.reason  # type: ignore[attr-defined]
    dump = outcome.model_dump_json()
    assert SECRET not in dump
    assert "postgres://" not in dump


def test_no_duplicate_intents(outcome: CheckOutcome) -> None:
    keys = [(i.from_, i.to, i.protocol, i.port) for i in outcome.intents]
    assert len(keys) == len(set(keys))
    assert all(i.name.startswith("inferred: ") for i in outcome.intents)


def test_intents_are_sorted(outcome: CheckOutcome) -> None:
    names = [i.name for i in outcome.intents]
    assert names == sorted(names)
