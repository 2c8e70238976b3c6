"""``sgaudit.yaml``: intents, suppressions (config, tag, expiry), baseline, settings; strictly validated."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from estate_base import standard_net

from sgaudit.checks import CheckOutcome, load_baseline, run_checks
from sgaudit.config import AuditConfig, load_config, parse_config
from sgaudit.engine import Engine
from sgaudit.errors import ConfigError, SelectorError
from sgaudit.inventory import load_inventory
from sgaudit.rulepack import RulePack
from sgaudit.rulepack.yamlsrc import parse_yaml
from sgaudit.synth import EstateBuilder

TODAY = date(2024, 6, 1)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A small estate: api -> db half-open, a world-open SSH bastion, an ignored group, an orphan."""
    b = EstateBuilder(seed=7)
    net = standard_net(b)
    api = b.security_group(net.vpc, "api", allow_all_egress=False)
    b.egress(api, "tcp", 443, cidr="0.0.0.0/0")
    db = b.security_group(net.vpc, "db")
    b.ingress(db, "tcp", 5432, sg=api)
    ssh = b.security_group(net.vpc, "bastion")
    b.ingress(ssh, "tcp", 22, cidr="0.0.0.0/0")
    quiet = b.security_group(net.vpc, "quiet", tags={"sgaudit:ignore": "unrestricted-egress, SGA030"})
    b.security_group(net.vpc, "orphan")
    b.fargate_service(cluster="prod", name="api", subnets=[net.app_a], groups=[api], tasks=1)
    b.rds_instance("prod-db", subnets=[net.db_a, net.db_b], groups=[db])
    b.ec2_instance("bastion", subnet=net.pub_a, groups=[ssh], public_ip=True)
    b.ec2_instance("quiet", subnet=net.app_a, groups=[quiet])
    out = b.write(tmp_path_factory.mktemp("estate") / "snapshot")
    return Engine(load_inventory(out))


def _cfg(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sgaudit.yaml"
    p.write_text(text)
    return p


def _run(engine: Engine, pack: RulePack, config: AuditConfig, **kw: object) -> CheckOutcome:
    return run_checks(engine, pack, config, today=TODAY, **kw)  # type: ignore[arg-type]


def _names(outcome: CheckOutcome, *, suppressed: bool | None = None) -> set[str]:
    return {f.name for f in outcome.findings if suppressed is None or f.suppressed == suppressed}


# ---- validation -----------------------------------------------------------------------------------


def test_a_full_config_parses(tmp_path: Path) -> None:
    cfg = load_config(
        _cfg(
            tmp_path,
            """\
intents:
  - name: api-reaches-db
    from: ecs:prod/api
    to: rds:prod-db
suppressions:
  - rule: unrestricted-egress
    resource: sg-0*
    reason: proxy tier filters egress
    expires: 2030-01-31
settings:
  ephemeral_ports: {ecs_task: 32768-60999, load_balancer: [1024, 65535]}
  port_lists: {admin: [22, 3389]}
  rules:
    broad-cidr: {severity: low, params: {factor: 64}}
""",
        )
    )
    (intent,) = cfg.intents
    assert (intent.from_, intent.to, intent.protocol, intent.port, intent.expect) == (
        "ecs:prod/api",
        "rds:prod-db",
        "tcp",
        None,
        "reachable",
    )
    assert intent.where.endswith("sgaudit.yaml:2")
    assert cfg.suppressions[0].expires == date(2030, 1, 31)
    assert cfg.settings.ephemeral_ports == {"ecs_task": (32768, 60999), "load_balancer": (1024, 65535)}
    assert cfg.engine_options().ephemeral_ports["ecs_task"] == (32768, 60999)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "intents:\n  - name: a\n    form: x\n    to: y\n",
            ":3:",
            "unknown key 'form' (did you mean 'from'?)",
        ),
        ("intents:\n  - name: a\n    from: x\n", ":2:", "missing key 'to'"),
        ("intents:\n  - {name: a, from: x, to: y, protocol: sctpp}\n", ":2:", "unknown protocol"),
        ("intents:\n  - {name: a, from: x, to: y, protocol: all}\n", ":2:", "not all"),
        ("intents:\n  - {name: a, from: x, to: y, port: 70000}\n", ":2:", "port"),
        ("intents:\n  - {name: a, from: x, to: y, expect: maybe}\n", ":2:", "expect"),
        ("intens: []\n", ":1:", "unknown key 'intens' (did you mean 'intents'?)"),
        ("suppressions:\n  - rule: broad-cidr\n    reason: ''\n", ":3:", "reason"),
        ("suppressions:\n  - rule: broad-cidr\n", ":2:", "missing key 'reason'"),
        ("suppressions:\n  - {rule: x, reason: y, expires: soon}\n", ":2:", "expires"),
        ("settings:\n  ephemeral_ports: {ecs_task: lots}\n", ":2:", "range such as 32768-60999"),
        ("intents: [\n", ":2:", "invalid YAML"),
        ("- just\n- a list\n", ":1:", "must be a mapping"),
    ],
)
def test_malformed_config_names_file_and_line(tmp_path: Path, text: str, where: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(_cfg(tmp_path, text))
    msg = str(exc.value)
    assert msg.startswith(str(tmp_path / "sgaudit.yaml") + where), msg
    assert message in msg


def test_duplicate_intent_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="two intents are named 'a'"):
        load_config(
            _cfg(tmp_path, "intents:\n  - {name: a, from: x, to: y}\n  - {name: a, from: x, to: z}\n")
        )


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_empty_config_is_valid() -> None:
    cfg = parse_config(parse_yaml("", "sgaudit.yaml"))
    assert (cfg.intents, cfg.suppressions, cfg.settings) == ((), (), AuditConfig().settings)


def test_settings_errors_name_their_line(tmp_path: Path, builtin_pack: RulePack) -> None:
    cases = [
        (
            "settings:\n  rules:\n    brod-cidr: {severity: low}\n",
            ":3:",
            "no rule with id or name 'brod-cidr'",
        ),
        ("settings:\n  rules:\n    broad-cidr:\n      params: {factr: 3}\n", ":4:", "unknown key 'factr'"),
        ("settings:\n  port_lists:\n    admn: [22]\n", ":3:", "no rule uses a port list named 'admn'"),
        ("suppressions:\n  - {rule: brod-cidr, reason: x}\n", ":2:", "unknown rule 'brod-cidr'"),
    ]
    for text, where, message in cases:
        cfg = load_config(_cfg(tmp_path, text))
        with pytest.raises(ConfigError) as exc:
            cfg.apply_to(builtin_pack)
        assert str(exc.value).startswith(str(tmp_path / "sgaudit.yaml") + where), str(exc.value)
        assert message in str(exc.value)
    cfg = load_config(_cfg(tmp_path, "settings:\n  ephemeral_ports:\n    toaster: 1-2\n"))
    with pytest.raises(ConfigError, match=r"sgaudit.yaml:3: unknown client kind 'toaster'"):
        cfg.engine_options()


def test_overrides_port_lists_and_disabled_rules(tmp_path: Path, builtin_pack: RulePack) -> None:
    cfg = load_config(
        _cfg(
            tmp_path,
            """\
settings:
  port_lists:
    admin: [2222]
  rules:
    SGA020: {severity: low, params: {factor: 64}}
    unrestricted-egress: {enabled: false}
""",
        )
    )
    pack = cfg.apply_to(builtin_pack)
    assert [str(p) for p in pack.get("internet-admin-ports").params.ports] == ["2222"]  # type: ignore[attr-defined]
    broad = pack.get("broad-cidr")
    assert broad.severity.value == "low" and broad.params.factor == 64  # type: ignore[attr-defined]
    assert pack.find("unrestricted-egress") is None
    assert len(pack.rules) == len(builtin_pack.rules) - 1
    # Applying twice changes nothing more.
    assert cfg.apply_to(pack).rules == pack.rules


# ---- intents -----------------------------------------------------------------------------------


def test_unknown_selector_in_an_intent_is_a_selector_error_with_line(
    tmp_path: Path, engine: Engine, builtin_pack: RulePack
) -> None:
    cfg = load_config(_cfg(tmp_path, "intents:\n  - name: x\n    from: ecs:prod/apii\n    to: rds:prod-db\n"))
    with pytest.raises(SelectorError) as exc:
        _run(engine, builtin_pack, cfg)
    msg = str(exc.value)
    assert msg.startswith(f"{tmp_path / 'sgaudit.yaml'}:2: intent 'x': from:"), msg
    assert "ecs:prod/api" in msg  # the closest match


def test_intent_without_port_and_no_listen_port(
    tmp_path: Path, engine: Engine, builtin_pack: RulePack
) -> None:
    cfg = load_config(_cfg(tmp_path, "intents:\n  - {name: x, from: rds:prod-db, to: name:quiet}\n"))
    with pytest.raises(ConfigError, match=r"sgaudit.yaml:2: intent 'x': .* has no listening tcp port"):
        _run(engine, builtin_pack, cfg)


def test_icmp_intent_without_a_type(tmp_path: Path, engine: Engine, builtin_pack: RulePack) -> None:
    cfg = load_config(
        _cfg(tmp_path, "intents:\n  - {name: ping, from: ecs:prod/api, to: rds:prod-db, protocol: icmp}\n")
    )
    with pytest.raises(ConfigError, match=r"sgaudit.yaml:2: intent 'ping': .*ICMP type"):
        _run(engine, builtin_pack, cfg)


def test_intent_port_defaults_to_the_listen_port(
    tmp_path: Path, engine: Engine, builtin_pack: RulePack
) -> None:
    cfg = load_config(_cfg(tmp_path, "intents:\n  - {name: api-db, from: ecs:prod/api, to: rds:prod-db}\n"))
    out = _run(engine, builtin_pack, cfg)
    (written,) = [i for i in out.intents if not i.inferred]
    assert (written.port, written.protocol, written.verdict, written.ok) == (5432, "tcp", "blocked", False)
    blocked = [f for f in out.findings if f.name == "intent-blocked"]
    assert [f.evidence["intent"] for f in blocked] == ["api-db"]
    # The same flow, inferred from the half-open SG pair, is reported once, by half-open-reference.
    assert any(i.inferred and i.reason and "names" in i.reason for i in out.intents)


# ---- suppressions and baseline ------------------------------------------------------------------


def test_tag_suppression(engine: Engine, builtin_pack: RulePack) -> None:
    out = _run(engine, builtin_pack, AuditConfig())
    quiet = engine.resolve("name:quiet").group_ids[0]
    tagged = [f for f in out.findings if f.resource == quiet]
    assert tagged and all(f.suppressed and f.suppression and f.suppression.kind == "tag" for f in tagged)
    assert {f.name for f in tagged} == {"unrestricted-egress"}
    assert "sgaudit:ignore" in tagged[0].suppression.reason  # type: ignore[union-attr]


def test_config_suppression_and_expiry(tmp_path: Path, engine: Engine, builtin_pack: RulePack) -> None:
    text = """\
suppressions:
  - rule: internet-admin-ports
    resource: ec2:*
    reason: bastion accepted until the VPN lands
    expires: {expires}
"""
    live = load_config(_cfg(tmp_path, text.format(expires="2024-06-01")))
    out = _run(engine, builtin_pack, live)
    (ssh,) = [f for f in out.findings if f.name == "internet-admin-ports"]
    assert ssh.suppressed and ssh.suppression is not None
    assert (ssh.suppression.kind, ssh.suppression.expires) == ("config", "2024-06-01")
    assert not out.expired_suppressions
    assert ssh not in out.failing(ssh.severity)

    expired = load_config(_cfg(tmp_path, text.format(expires="2024-05-31")))
    out = _run(engine, builtin_pack, expired)
    (ssh,) = [f for f in out.findings if f.name == "internet-admin-ports"]
    assert not ssh.suppressed
    (gone,) = out.expired_suppressions
    assert gone.expires == "2024-05-31" and gone.where.endswith("sgaudit.yaml:2")
    assert "expired on 2024-05-31" in out.warnings[0]
    assert ssh in out.failing(ssh.severity)


def test_suppression_by_rule_id(tmp_path: Path, engine: Engine, builtin_pack: RulePack) -> None:
    cfg = load_config(_cfg(tmp_path, "suppressions:\n  - {rule: sga003, reason: known}\n"))
    out = _run(engine, builtin_pack, cfg)
    assert {f.suppressed for f in out.findings if f.name == "half-open-reference"} == {True}


def test_baseline_marks_only_known_findings(tmp_path: Path, engine: Engine, builtin_pack: RulePack) -> None:
    first = _run(engine, builtin_pack, AuditConfig())
    keep = [f for f in first.findings if f.name != "half-open-reference"]
    doc = {"schema_version": 1, "findings": [f.model_dump(mode="json", by_alias=True) for f in keep]}
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(doc))
    second = _run(engine, builtin_pack, AuditConfig(), baseline=path)
    new = [f for f in second.findings if not f.suppressed]
    assert {f.name for f in new} == {"half-open-reference"}
    old = [f for f in second.findings if f.suppressed and f.suppression and f.suppression.kind == "baseline"]
    assert {f.fingerprint for f in old} == {f.fingerprint for f in keep if not f.suppressed}


def test_bad_baseline_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope")
    with pytest.raises(ConfigError, match=r"bad.json:2: baseline is not valid JSON"):
        load_baseline(bad)
    bad.write_text('{"findings": [{"rule": "x"}]}')
    with pytest.raises(ConfigError, match=r"findings\[0\] has no fingerprint"):
        load_baseline(bad)
    bad.write_text("[]")
    with pytest.raises(ConfigError, match=r"not a findings\.json"):
        load_baseline(bad)
