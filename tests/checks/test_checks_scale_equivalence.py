"""The fast paths of the checks and the engine change no result: a whole check run (every rule, the
inferred and written intents) gives the same outcome as with the straightforward code they replaced,
swapped back in here.

Swapped back: per-placement internet exposure (`ReferenceExposure`), the security-group side of
`Engine.sg_layer` without its one-rule shortcut, `Evaluator.rule_cuts` without its per-group cache,
`ipaddress` parsing of CIDRs and addresses, uncached rule traffic and peer addresses, the interface
scan of ``broad-cidr``, `Inventory.service_tasks` for ``service-sg-drift``, and the garbage collector
left alone. The estates: every rule fixture of ``tests/rules``, the demo snapshot with its intents, and
generated bench estates.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

import sgaudit.checks
import sgaudit.checks.broad_cidr as broad_cidr_mod
import sgaudit.checks.common as common_mod
import sgaudit.checks.runner as runner_mod
import sgaudit.checks.service_sg_drift as drift_mod
import sgaudit.engine.endpoints as endpoints_mod
import sgaudit.engine.index as index_mod
from sgaudit.checks import CheckOutcome, run_checks
from sgaudit.checks.common import addresses_of
from sgaudit.checks.context import CheckContext
from sgaudit.config import AuditConfig, load_config
from sgaudit.engine import Endpoint, Engine, Placement, Tri
from sgaudit.engine.core import Engine as CoreEngine
from sgaudit.engine.evaluate import Evaluator, split
from sgaudit.errors import SnapshotError
from sgaudit.inventory import Direction, EcsTask, PeerKind, SecurityGroupRule, load_inventory
from sgaudit.model.ecs import EcsService
from sgaudit.netalgebra import Addresses, AddressSet, IntervalSet, InvalidCidrError, Traffic
from sgaudit.rulepack import RulePack, load_rulepack
from sgaudit.synth.random_estate import generate_estate
from tests.engine.test_engine_exposure_equivalence import ReferenceExposure

DEMO = Path(sgaudit.__file__).resolve().parent / "demo"
RULE_FIXTURES = Path(__file__).resolve().parents[1] / "rules"
TODAY = date(2024, 6, 1)

# ---- the straightforward versions ----------------------------------------------------------------


def ref_peer_addresses(ctx: CheckContext, rule: SecurityGroupRule) -> Addresses | None:
    if rule.peer.kind in (PeerKind.CIDR4, PeerKind.CIDR6):
        return Addresses.from_cidrs([rule.peer.value])
    if rule.peer.kind is PeerKind.PREFIX_LIST:
        pl = ctx.inventory.prefix_lists.get(rule.peer.value)
        cidrs = pl.entry_cidrs if pl else None
        if cidrs is None:
            return None
        return Addresses.from_cidrs(cidrs)
    return None


def ref_rule_traffic(rule: SecurityGroupRule) -> Traffic:
    return Traffic.from_rule(rule.protocol, rule.from_port, rule.to_port)


def ref_interface_addresses(ctx: CheckContext) -> Addresses:
    cidrs: list[str] = []
    for eni in ctx.inventory.network_interfaces.values():
        cidrs += [f"{ip}/32" for ip in eni.private_ips]
        cidrs += [f"{ip}/128" for ip in eni.ipv6_addresses]
        cidrs += list(eni.ipv4_prefixes) + list(eni.ipv6_prefixes)
    return Addresses.from_cidrs(cidrs)


def ref_groups_in(ctx: CheckContext, block: Addresses) -> list[str]:
    networks = block.to_cidrs()
    groups: set[str] = set()
    for eni in ctx.inventory.network_interfaces.values():
        for ip in (*eni.private_ips, *eni.ipv6_addresses):
            addr = ipaddress.ip_address(ip)
            if any(addr.version == n.version and addr in n for n in networks):
                groups.update(eni.group_ids)
    return sorted(groups)


def ref_common_size(ctx: CheckContext, block: Addresses) -> int:
    both = block & ref_interface_addresses(ctx)
    return both.family(4).size + both.family(6).size


def ref_running_tasks(ctx: CheckContext, svc: EcsService) -> list[EcsTask]:
    return list(ctx.inventory.service_tasks(svc))


def ref_sg_side(  # noqa: PLR0917 - the signature of Engine._sg_side, which it replaces
    self: CoreEngine, side: Placement, peer: Placement, direction: Direction, traffic: Traffic, refs: bool
) -> Tri:
    best: Tri | None = None
    for family in (4, 6):
        block = peer.addresses(family)
        if not block or not side.addresses(family):
            continue
        cuts = self.evaluator.rule_cuts(side, direction, family)
        fam = Tri.ALLOW
        for atom in split(block, cuts):
            out = self.evaluator.sg_match(
                side, peer, direction, family=family, addr=atom.points.intervals[0][0], refs_ok=refs
            )
            if out.allowed().covers(traffic):
                res = Tri.ALLOW
            elif out.possible().covers(traffic):
                res = Tri.UNKNOWN
            else:
                res = Tri.DENY
            fam = fam & res
        best = fam if best is None else best | fam
    return best if best is not None else Tri.UNKNOWN


def ref_rule_cuts(self: Evaluator, p: Placement, direction: Direction, family: int) -> list[AddressSet]:
    cuts: list[AddressSet] = []
    for gid in p.group_ids:
        g = self.ix.group(gid)
        for r in g.rules(direction) if g else ():
            if r.cidr is not None and r.family == family:
                cuts.append(r.cidr)
            elif r.peer_kind is PeerKind.PREFIX_LIST:
                pl = self.ix.prefix_list(r.peer_id)
                if pl is not None:
                    cuts += [AddressSet.from_cidr(c) for c in pl[0 if family == 4 else 1].to_cidrs()]
    return cuts


def ref_addr_set(cidr: str) -> AddressSet:
    try:
        return AddressSet.from_cidr(cidr)
    except InvalidCidrError as exc:
        raise SnapshotError(str(exc)) from None


def ref_single_address(address: str | None) -> AddressSet | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return AddressSet(ip.version, IntervalSet.point(int(ip)))


def ref_canonical_ip(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def ref_internet_exposure(self: CoreEngine, dst: Endpoint) -> object:
    return ReferenceExposure(self).exposure(dst)


def _check_modules() -> list[ModuleType]:
    import importlib  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415

    return [
        importlib.import_module(f"sgaudit.checks.{m.name}")
        for m in pkgutil.iter_modules(sgaudit.checks.__path__)
    ]


@contextlib.contextmanager
def reference_code(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Swap the straightforward versions in wherever a module bound the fast one."""
    with monkeypatch.context() as m:
        swaps = {
            common_mod.peer_addresses: ref_peer_addresses,
            common_mod.rule_traffic: ref_rule_traffic,
        }
        for mod in _check_modules():
            for name, value in list(vars(mod).items()):
                if callable(value) and value in swaps:
                    m.setattr(mod, name, swaps[value])
        m.setattr(broad_cidr_mod, "_interface_addresses", ref_interface_addresses)
        m.setattr(broad_cidr_mod, "_groups_in", ref_groups_in)
        m.setattr(broad_cidr_mod, "_common_size", ref_common_size)
        m.setattr(drift_mod, "_running_tasks", ref_running_tasks)
        m.setattr(runner_mod, "_collector_spares_existing_objects", contextlib.nullcontext)
        m.setattr(CoreEngine, "internet_exposure", ref_internet_exposure)
        m.setattr(CoreEngine, "_sg_side", ref_sg_side)
        m.setattr(Evaluator, "rule_cuts", ref_rule_cuts)
        m.setattr(index_mod, "_addr_set", ref_addr_set)
        m.setattr(index_mod, "single_address", ref_single_address)
        m.setattr(endpoints_mod, "single_address", ref_single_address)
        m.setattr(index_mod, "_canonical_ip", ref_canonical_ip)
        m.setattr(index_mod, "rule_traffic", Traffic.from_rule)
        yield


def _run(snapshot: Path, config: AuditConfig, pack: RulePack) -> str:
    engine = Engine(load_inventory(snapshot), config.engine_options())
    outcome: CheckOutcome = run_checks(engine, pack, config, today=TODAY)
    return json.dumps(outcome.model_dump(mode="json"), sort_keys=True)


def assert_same_outcome(
    monkeypatch: pytest.MonkeyPatch, snapshot: Path, config: AuditConfig, pack: RulePack
) -> None:
    fast = _run(snapshot, config, pack)
    with reference_code(monkeypatch):
        slow = _run(snapshot, config, pack)
    assert fast == slow
    assert json.loads(fast)["findings"], "an estate without findings would prove little"


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


def test_the_swaps_take_effect(monkeypatch: pytest.MonkeyPatch) -> None:
    # Guard against a swap that silently misses (a renamed helper would make the comparison vacuous).
    with reference_code(monkeypatch):
        assert broad_cidr_mod.peer_addresses is ref_peer_addresses
        assert sgaudit.checks.redundant_rule.rule_traffic is ref_rule_traffic
        assert CoreEngine.internet_exposure is ref_internet_exposure
    assert broad_cidr_mod.peer_addresses is common_mod.peer_addresses


def _rule_fixtures() -> list[Path]:
    return sorted(d for d in RULE_FIXTURES.iterdir() if (d / "expected.yaml").is_file())


@pytest.mark.parametrize("folder", _rule_fixtures(), ids=lambda d: d.name)
def test_rule_fixture_outcomes_are_unchanged(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pack: RulePack
) -> None:
    from tests.rules.fixture_harness import build_snapshot  # noqa: PLC0415

    build_snapshot(folder, tmp_path / "snap")
    cfg = folder / "sgaudit.yaml"
    config = load_config(cfg) if cfg.is_file() else AuditConfig()
    assert_same_outcome(monkeypatch, tmp_path / "snap", config, pack)


def test_demo_outcome_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pack: RulePack) -> None:
    shutil.copytree(DEMO / "snapshot", tmp_path / "snapshot")
    shutil.copy(DEMO / "sgaudit.yaml", tmp_path / "sgaudit.yaml")
    config = load_config(tmp_path / "sgaudit.yaml")
    assert_same_outcome(monkeypatch, tmp_path / "snapshot", config, pack)


@pytest.mark.parametrize("size", [(2, 400, 60, 500), (5, 250, 40, 350)], ids=str)
def test_generated_estate_outcomes_are_unchanged(
    size: tuple[int, int, int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pack: RulePack
) -> None:
    seed, interfaces, groups, rules = size
    snapshot = generate_estate(seed, interfaces, groups, rules).write(tmp_path / "snap", indent=None)
    assert_same_outcome(monkeypatch, snapshot, AuditConfig(), pack)


# ---- the helpers on their own, where the estates above rarely reach -------------------------------


def _context(snapshot: Path, pack: RulePack) -> CheckContext:
    return CheckContext(Engine(load_inventory(snapshot)), AuditConfig(), pack)


def test_groups_in_equals_the_interface_scan(tmp_path: Path, pack: RulePack) -> None:
    snapshot = generate_estate(3, 300, 40, 400).write(tmp_path / "snap", indent=None)
    ctx = _context(snapshot, pack)
    blocks = []
    for eni in list(ctx.inventory.network_interfaces.values())[:60]:
        for ip in eni.private_ips[:1]:
            value = int(ipaddress.ip_address(ip))
            # Blocks that start, end or sit just beside an interface address.
            for lo, hi in ((value, value), (value - 1, value), (value, value + 1), (value + 1, value + 9)):
                blocks.append(Addresses(AddressSet(4, IntervalSet([(lo, hi)]))))
    blocks += [addresses_of(["10.0.0.0/8"]), addresses_of(["0.0.0.0/0", "::/0"]), Addresses()]
    for vpc in ctx.inventory.vpcs.values():  # blocks holding many interfaces, split and whole
        space = addresses_of(vpc.cidrs4)
        blocks += [space, space - addresses_of([f"{c.split('/')[0]}/26" for c in vpc.cidrs4])]
    for block in blocks:
        assert broad_cidr_mod._groups_in(ctx, block) == ref_groups_in(ctx, block), block
        assert broad_cidr_mod._common_size(ctx, block) == ref_common_size(ctx, block), block
    assert broad_cidr_mod._interface_addresses(ctx) == ref_interface_addresses(ctx)


def test_running_tasks_equal_service_tasks(tmp_path: Path, pack: RulePack) -> None:
    snapshot = generate_estate(4, 300, 40, 400).write(tmp_path / "snap", indent=None)
    ctx = _context(snapshot, pack)
    services = list(ctx.inventory.ecs_services.values())
    assert services
    tasks = ctx.inventory.ecs_tasks
    for task in list(tasks.values())[:10]:  # stopped and stopping tasks are not running
        for status in ("STOPPED", "STOPPING"):
            arn = f"{task.task_arn}-{status.lower()}"
            tasks[arn] = task.model_copy(update={"task_arn": arn, "last_status": status})
    # A service without a cluster matches tasks of that name in every cluster.
    services += [s.model_copy(update={"cluster_arn": None}) for s in services[:5]]
    services += [
        s.model_copy(update={"cluster_arn": "arn:aws:ecs:us-east-1:1:cluster/other"}) for s in services[:3]
    ]
    for svc in services:
        assert drift_mod._running_tasks(ctx, svc) == ref_running_tasks(ctx, svc)


def test_peer_addresses_equal_the_uncached_parse(tmp_path: Path, pack: RulePack) -> None:
    snapshot = generate_estate(6, 200, 30, 300).write(tmp_path / "snap", indent=None)
    ctx = _context(snapshot, pack)
    for _ in range(2):  # the second pass answers from the cache
        for g in ctx.sorted_groups:
            for r in g.rules:
                assert common_mod.peer_addresses(ctx, r) == ref_peer_addresses(ctx, r)
