"""The deployment: the SAM template and the member-role template pass cfn-lint, the state machine is
valid Amazon States Language, and its data flow matches what the step handlers read and return."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs
from cfnlint.decode.cfn_yaml import load as load_cfn_yaml

from sgaudit.fanout.child import ChildEvent
from sgaudit.fanout.merge import MergeEvent
from sgaudit.fanout.report import RunSummary
from sgaudit.fanout.settings import ENV_PREFIX, RunSettings
from sgaudit.fanout.targets import TargetsResult

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ASL = DEPLOY / "statemachine.asl.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def cfn_lint() -> str:
    found = shutil.which(
        "cfn-lint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    assert found, "cfn-lint is a test dependency (pyproject's test extra)"
    return found


@pytest.mark.parametrize("template", ["template.yaml", "member-role.yaml"])
def test_cfn_lint_passes(template: str) -> None:
    result = subprocess.run([cfn_lint(), str(DEPLOY / template)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _definition() -> dict[str, Any]:
    return json.loads(ASL.read_text())


def _as_stepfunctions_template(definition: dict[str, Any]) -> str:
    # cfn-lint validates a definition embedded in AWS::StepFunctions::StateMachine (not one behind
    # SAM's DefinitionUri), so embed it with the substitutions filled in.
    text = PLACEHOLDER.sub(
        lambda m: f"arn:aws:lambda:us-east-1:123456789012:function:{m.group(1)}", json.dumps(definition)
    )
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                    "Definition": json.loads(text),
                },
            }
        },
    }
    return json.dumps(template)


def test_the_state_machine_is_valid_amazon_states_language() -> None:
    matches = lint(_as_stepfunctions_template(_definition()), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_the_asl_check_can_fail() -> None:
    broken = _definition()
    broken["States"]["Report"]["Nextt"] = broken["States"]["Report"].pop("Next")
    matches = lint(_as_stepfunctions_template(broken), config=ManualArgs(regions=["us-east-1"]))
    assert any("Nextt" in str(m) for m in matches)


def _transitions(state: dict[str, Any]) -> list[str]:
    targets = [state[k] for k in ("Next", "Default") if k in state]
    targets += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
    return targets


def _check_graph(states: dict[str, Any], start: str) -> None:
    assert start in states
    seen, frontier = set(), [start]
    while frontier:
        name = frontier.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        for target in _transitions(state):
            assert target in states, f"{name} -> {target}: no such state"
            frontier.append(target)
        if state["Type"] not in ("Choice", "Succeed", "Fail"):
            assert ("Next" in state) != bool(state.get("End")), f"{name}: exactly one of Next and End"
        if "ItemProcessor" in state:
            _check_graph(state["ItemProcessor"]["States"], state["ItemProcessor"]["StartAt"])
    assert seen == set(states), f"unreachable states: {set(states) - seen}"


def test_every_state_is_reachable_and_every_transition_lands() -> None:
    definition = _definition()
    _check_graph(definition["States"], definition["StartAt"])


def test_placeholders_are_exactly_the_templates_substitutions() -> None:
    resources = load_cfn_yaml(str(DEPLOY / "template.yaml"))["Resources"]
    machine = resources["AuditStateMachine"]["Properties"]
    assert machine["DefinitionUri"] == ASL.name
    assert set(PLACEHOLDER.findall(ASL.read_text())) == set(machine["DefinitionSubstitutions"])


def _fields(path: str) -> str:
    return path.removeprefix("$.").split(".")[0]


def test_the_data_flow_matches_the_handlers_models() -> None:
    """Each JSONPath the definition reads names a field the previous step's handler returns."""
    states = _definition()["States"]
    planned = set(TargetsResult.model_fields) | {"status", "message"}
    summary = set(RunSummary.model_fields)
    # After PlanTargets (OutputPath $.Payload) the state is the targets handler's return value.
    reader = states["CollectAll"]["ItemReader"]["Parameters"]
    writer = states["CollectAll"]["ResultWriter"]["Parameters"]
    selector = states["CollectAll"]["ItemSelector"]
    for path in [
        *reader.values(),
        *writer.values(),
        selector["run.$"],
        states["Planned"]["Choices"][0]["Variable"],
    ]:
        assert _fields(path) in planned, path
    assert set(k.removesuffix(".$") for k in selector) == set(ChildEvent.model_fields)
    report = states["Report"]["Parameters"]["Payload"]
    assert set(k.removesuffix(".$") for k in report) == set(MergeEvent.model_fields)
    assert {_fields(v) for v in report.values()} <= planned | {"map"}
    assert states["CollectAll"]["ResultPath"] == "$.map"
    for choice in states["Reported"]["Choices"]:
        assert _fields(choice["Variable"]) in summary
    for name in ("PlanFailed", "ReportFailed", "SnapshotIncomplete"):
        assert _fields(states[name]["CausePath"]) in summary
    # A failed child must not fail the Map (the merge reports it): every failure is tolerated.
    assert states["CollectAll"]["ToleratedFailurePercentage"] == 100
    assert states["CollectAll"]["Catch"][0]["Next"] == "Report"


def test_the_template_keeps_the_bucket_private_and_encrypted() -> None:
    resources = load_cfn_yaml(str(DEPLOY / "template.yaml"))["Resources"]
    bucket = resources["ReportBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert resources["AlertTopic"]["Properties"]["KmsMasterKeyId"]
    # No role anywhere grants every action.
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            text = json.dumps(resource["Properties"].get("Policies", []))
            assert '"Action": "*"' not in text and '"*:*"' not in text, name


def test_handlers_and_runtime_match_the_package() -> None:
    template = load_cfn_yaml(str(DEPLOY / "template.yaml"))
    function = template["Globals"]["Function"]
    assert function["Runtime"] == "python3.12"
    assert function["CodeUri"] == "../build/lambda/sgaudit-lambda.zip"
    variables = function["Environment"]["Variables"]
    assert all(v.startswith(ENV_PREFIX) for v in variables)
    assert {v.removeprefix(ENV_PREFIX).lower() for v in variables} <= set(RunSettings.model_fields)
