"""The demo and generated estates load with sgaudit's inventory loader, and the loader sees what the
builder meant (interface owners, task joins, rules)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sgaudit.demo import snapshot_path
from sgaudit.inventory import EniOwnerKind, load_inventory
from sgaudit.synth.demo import build_demo_estate
from sgaudit.synth.random_estate import generate_estate

from .estates import kitchen_sink


def test_demo_snapshot_loads() -> None:
    inv = load_inventory(snapshot_path())
    b = build_demo_estate()
    assert inv.complete
    assert len(inv.network_interfaces) == b.interface_count()
    assert len(inv.security_groups) == b.group_count()
    assert sum(len(g.rules) for g in inv.security_groups.values()) == b.rule_count()
    owners = Counter(i.owner.kind for i in inv.network_interfaces.values())
    assert owners == {
        EniOwnerKind.ECS_TASK: 3,
        EniOwnerKind.LOAD_BALANCER: 2,
        EniOwnerKind.LAMBDA: 2,
        EniOwnerKind.RDS: 1,
        EniOwnerKind.NAT_GATEWAY: 1,
        EniOwnerKind.EC2_INSTANCE: 1,
    }
    assert len(inv.ecs_tasks) == 3 and all(t.eni_id in inv.network_interfaces for t in inv.ecs_tasks.values())
    assert len(inv.task_definitions) == 2


def test_kitchen_sink_loads(tmp_path: Path) -> None:
    b = kitchen_sink()
    inv = load_inventory(b.write(tmp_path / "k", task_definition_files="per-call"))
    assert len(inv.network_interfaces) == b.interface_count()
    assert sum(len(g.rules) for g in inv.security_groups.values()) == b.rule_count()
    kinds = {i.owner.kind for i in inv.network_interfaces.values()}
    assert {
        EniOwnerKind.VPC_ENDPOINT,
        EniOwnerKind.RDS,
        EniOwnerKind.LAMBDA,
        EniOwnerKind.EC2_INSTANCE,
    } <= kinds


def test_generated_estate_loads(tmp_path: Path) -> None:
    b = generate_estate(4, 800, 90, 1000)
    inv = load_inventory(b.write(tmp_path / "estate", layout="accounts", manifest=True, indent=None))
    assert inv.complete
    assert len(inv.network_interfaces) == 800
    assert len(inv.security_groups) == 90
    assert sum(len(g.rules) for g in inv.security_groups.values()) == 1000


def test_failed_call_makes_inventory_incomplete(tmp_path: Path) -> None:
    b = build_demo_estate()
    inv = load_inventory(
        b.write(tmp_path / "s", layout="region", manifest=True, failures={"DBInstances": "AccessDenied"})
    )
    assert not inv.complete
    assert inv.db_instances == {}
