"""The built-in catalogue: complete, consistent, documented, and every rule has a fixture folder."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from sgaudit.cli import main
from sgaudit.rulepack import RulePack, registered_checks
from sgaudit.rulepack.docs import REGENERATE, render_markdown

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "rules"))
from fixture_harness import fixture_folders, load_expected  # noqa: E402

DESIGN_NAMES = {
    "intent-blocked",
    "intent-violated",
    "half-open-reference",
    "internet-admin-ports",
    "internet-database-ports",
    "internet-all-traffic",
    "internet-high-risk-ports",
    "public-database",
    "ecs-public-ip",
    "broad-cidr",
    "all-ports-rule",
    "unused-security-group",
    "stale-reference",
    "default-sg-in-use",
    "redundant-rule",
    "unrestricted-egress",
    "service-sg-drift",
    "nacl-return-blocked",
}
"""The rule names of DESIGN.md section 7: the contract."""


def test_ids_and_names_are_unique(builtin_pack: RulePack) -> None:
    ids = [r.id for r in builtin_pack.rules]
    names = [r.name for r in builtin_pack.rules]
    assert len(ids) == len(set(ids))
    assert len(names) == len(set(names))
    assert ids == sorted(ids)


def test_every_design_rule_name_is_present(builtin_pack: RulePack) -> None:
    assert {r.name for r in builtin_pack.rules} >= DESIGN_NAMES


def test_every_rule_file_is_named_after_its_rule(builtin_pack: RulePack) -> None:
    for rule in builtin_pack.rules:
        assert builtin_pack.sources[rule.id] == f"rules/{rule.name}.yaml"


def test_every_check_function_is_registered_and_params_validate(builtin_pack: RulePack) -> None:
    checks = registered_checks()
    for rule in builtin_pack.rules:
        assert rule.check.function in checks, rule.name
        model = checks[rule.check.function].params_model
        assert isinstance(rule.params, model)
        # Parameters round-trip: what `rules show` and the docs print can be pasted into a config.
        assert model.model_validate(rule.params.model_dump(mode="json")) == rule.params


def test_every_rule_has_a_fixture_with_failing_and_passing_cases(builtin_pack: RulePack) -> None:
    folders = {f.name: f for f in fixture_folders()}
    for rule in builtin_pack.rules:
        assert rule.name in folders, f"no tests/rules/{rule.name}/ fixture"
        expected = load_expected(folders[rule.name])
        assert expected.failing and expected.passing
        assert (folders[rule.name] / "estate.py").is_file()


def test_references_and_security_hub_mapping(builtin_pack: RulePack) -> None:
    controls = {c for r in builtin_pack.rules for c in r.references.security_hub}
    assert {"EC2.2", "EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54", "RDS.2", "ECS.2"} <= controls
    assert builtin_pack.get("internet-high-risk-ports").references.security_hub == ("EC2.19",)


def test_high_risk_list_is_the_ec2_19_list(builtin_pack: RulePack) -> None:
    params = builtin_pack.get("internet-high-risk-ports").params
    ports = {str(p) for p in params.ports}  # type: ignore[attr-defined]
    ec2_19 = "20 21 22 23 25 110 135 143 445 1433 1434 3000 3306 3389 4333 5000 5432 5500 5601 8080 8088"
    ec2_19 += " 8888 9200 9300"
    assert ports == set(ec2_19.split())


def test_rule_info_for_reports(builtin_pack: RulePack) -> None:
    info = builtin_pack.get("SGA003").to_rule_info()
    assert info.name == "half-open-reference" and info.help_uri and info.help_uri.startswith("https://")
    infos = builtin_pack.rule_infos()
    assert [i.id for i in infos] == [r.id for r in builtin_pack.rules]


def test_docs_rules_md_is_up_to_date(builtin_pack: RulePack) -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_markdown(builtin_pack), f"docs/rules.md is stale: run `{REGENERATE}`"


def test_rules_list_command(capsys: pytest.CaptureFixture[str], builtin_pack: RulePack) -> None:
    assert main(["rules", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.split(r"\s+", out[0]) == ["ID", "NAME", "SEVERITY", "TITLE"]
    assert len(out) == 1 + len(builtin_pack.rules)
    assert any(line.startswith("SGA003") and "half-open-reference" in line and "high" in line for line in out)


def test_rules_show_by_id_and_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "SGA011"]) == 0
    by_id = capsys.readouterr().out
    assert main(["rules", "show", "internet-admin-ports"]) == 0
    assert capsys.readouterr().out == by_id
    for needle in (
        "internet-admin-ports",
        "Risk:",
        "Remediation:",
        "EC2.13",
        "port_list",
        "rules/internet-admin-ports.yaml",
    ):
        assert needle in by_id


def test_rules_show_unknown_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "half-open-refrence"]) == 2
    err = capsys.readouterr().err
    assert "half-open-reference" in err  # the closest match is offered
    assert main(["rules", "show"]) == 2
