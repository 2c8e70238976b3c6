"""Rule files: strict validation with file and line, typed parameters, extra packs and replacements."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sgaudit.errors import ConfigError
from sgaudit.rulepack import PortSpec, RulePack, load_rulepack

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
id: TEAM001
name: team-ssh
title: SSH from the internet (team copy)
severity: high
description: d
risk: r
remediation:
  text: t
check:
  function: internet-ports
  params:
    mode: ports
    ports: [22]
"""


def _pack(tmp_path: Path, text: str, name: str = "rule.yaml") -> Path:
    d = tmp_path / "pack"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text)
    return d


def _error(tmp_path: Path, text: str) -> str:
    d = _pack(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_rulepack(d, builtin=False)
    return str(exc.value)


def test_a_good_extra_rule_loads_beside_the_builtin_ones(tmp_path: Path, builtin_pack: RulePack) -> None:
    pack = load_rulepack(_pack(tmp_path, GOOD))
    assert len(pack.rules) == len(builtin_pack.rules) + 1
    assert pack.get("team-ssh").params.ports == (PortSpec.model_validate(22),)  # type: ignore[attr-defined]


def test_unknown_top_level_key_names_file_line_and_suggestion(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("severity: high", "sevrity: high"))
    assert msg.startswith(f"{tmp_path / 'pack' / 'rule.yaml'}:4: unknown key 'sevrity'")
    assert "did you mean 'severity'" in msg


def test_unknown_nested_key_in_params_names_its_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("    mode: ports\n", "    mode: ports\n    prots: [1]\n"))
    assert ":13: unknown key 'prots'" in msg
    assert "did you mean 'ports'" in msg


def test_bad_parameter_value_names_its_line(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("ports: [22]", "ports:\n      - 22\n      - ssh"))
    assert ":15: check.params.ports.1: not a port" in msg


def test_unknown_check_function(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("function: internet-ports", "function: internet-portz"))
    assert ":10:" in msg and "unknown check function 'internet-portz'" in msg and "internet-ports" in msg


def test_missing_key(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("risk: r\n", ""))
    assert "missing key 'risk'" in msg and "rule.yaml:1:" in msg


def test_invalid_yaml_and_duplicate_keys(tmp_path: Path) -> None:
    # PyYAML notices an unclosed flow sequence where the next key starts.
    assert "rule.yaml:4: invalid YAML" in _error(tmp_path, GOOD.replace("title: SSH", "title: [SSH"))
    msg = _error(tmp_path, GOOD + "severity: low\n")
    assert ":14: duplicate key 'severity'" in msg


def test_bad_severity_and_id(tmp_path: Path) -> None:
    assert ":4: severity:" in _error(tmp_path, GOOD.replace("severity: high", "severity: urgent"))
    assert "rule id 'team-1'" in _error(tmp_path, GOOD.replace("id: TEAM001", "id: team-1"))


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    d = _pack(tmp_path, GOOD, "a.yaml")
    (d / "b.yaml").write_text(GOOD.replace("name: team-ssh", "name: team-ssh-2"))
    with pytest.raises(ConfigError, match="rule id TEAM001 is also used by"):
        load_rulepack(d, builtin=False)


def test_a_team_copy_replaces_a_builtin_rule_only_with_same_id_and_name(tmp_path: Path) -> None:
    src = (REPO / "rules" / "broad-cidr.yaml").read_text()
    d = _pack(tmp_path, src.replace("factor: 16", "factor: 256"), "broad-cidr.yaml")
    pack = load_rulepack(d)
    assert pack.get("broad-cidr").params.factor == 256  # type: ignore[attr-defined]
    assert pack.sources["SGA020"].endswith("broad-cidr.yaml") and "pack" in pack.sources["SGA020"]
    (d / "broad-cidr.yaml").write_text(src.replace("name: broad-cidr", "name: wide-cidr"))
    with pytest.raises(ConfigError, match="must keep both id and name"):
        load_rulepack(d)


def test_missing_or_empty_rule_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_rulepack(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no \*\.yaml"):
        load_rulepack(tmp_path / "empty")


def test_the_builtin_files_reload_from_a_copy(tmp_path: Path, builtin_pack: RulePack) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "rules", copy, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    assert load_rulepack(copy, builtin=False).rules == builtin_pack.rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (22, "22"),
        ("udp/161", "udp/161"),
        ("tcp/1433-1434", "1433-1434"),
        ("all/3389", "all/3389"),
        ("-1/53", "all/53"),
    ],
)
def test_port_spec_round_trips(text: object, expected: str) -> None:
    spec = PortSpec.model_validate(text)
    assert str(spec) == expected
    assert PortSpec.model_validate(spec.model_dump()) == spec


def test_port_spec_traffic() -> None:
    assert PortSpec.model_validate("all/3389").traffic.contains("udp", 3389)
    assert not PortSpec.model_validate(22).traffic.contains("udp", 22)
    with pytest.raises(ValueError, match="not a port"):
        PortSpec.model_validate("ssh")
    with pytest.raises(ValueError, match="invalid port range"):
        PortSpec.model_validate("70000")
