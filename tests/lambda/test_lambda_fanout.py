"""The fan-out's steps (targets, collect children, merge) over two accounts and two regions in moto.

Step Functions itself is not emulated: the tests call each step as the state machine would, with the
payloads its definition builds (``ItemSelector``, ``ResultWriter``, ``Catch``).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fake_checker import fake_checker
from lambda_estate import BUCKET, PREFIX, REGION, get, keys, make_outbox, session_for, zip_json, zip_names

from sgaudit.fanout import child, merge, targets
from sgaudit.fanout.report import report_run
from sgaudit.fanout.settings import CollectTarget, RunRef, RunSettings
from sgaudit.fanout.storage import Store
from sgaudit.inventory import PeerKind, load_inventory

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
REGIONS = (REGION, "us-west-2")
STARTED = "2025-03-04T02:00:00.000Z"
NO_PART = "the collect step wrote no part (it failed, timed out or never ran; see the map run)"


def role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/sgaudit-member"


@dataclass(frozen=True)
class CrossAccount:
    """Account A's app VPC peered with account B's database VPC, B's SG referencing A's."""

    pcx: str
    vpc_a: str
    vpc_b: str
    sg_a: str
    sg_b: str


def build_cross_account() -> CrossAccount:
    a, b = session_for(ACCOUNT_A).client("ec2"), session_for(ACCOUNT_B).client("ec2")
    vpc_a = a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    vpc_b = b.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    pcx = a.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=ACCOUNT_B)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    sg_a = a.create_security_group(GroupName="app", Description="app", VpcId=vpc_a)["GroupId"]
    sg_b = b.create_security_group(GroupName="db", Description="db", VpcId=vpc_b)["GroupId"]
    b.authorize_security_group_ingress(
        GroupId=sg_b,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": sg_a, "UserId": ACCOUNT_A, "VpcPeeringConnectionId": pcx}],
            }
        ],
    )
    # Something in the second region of each account, so every part has content of its own.
    for session in (session_for(ACCOUNT_A, "us-west-2"), session_for(ACCOUNT_B, "us-west-2")):
        session.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")
    return CrossAccount(pcx=pcx, vpc_a=vpc_a, vpc_b=vpc_b, sg_a=sg_a, sg_b=sg_b)


def plan(**settings: Any) -> targets.TargetsResult:
    """The targets step as the state machine invokes it (execution input as settings)."""
    make_outbox()
    event = {"settings": settings, "run_id": "nightly-0001", "started_at": STARTED}
    return targets.plan_run(event, {"SGAUDIT_BUCKET": BUCKET, "AWS_REGION": REGION})


def items(result: targets.TargetsResult) -> list[dict[str, Any]]:
    """The Map's items, read as its ItemReader does (a JSON array in S3)."""
    loaded: list[dict[str, Any]] = json.loads(get(result.items_key))
    return loaded


def run_children(result: targets.TargetsResult, skip: set[tuple[str, str]] = frozenset()) -> list[Any]:
    """Each child as the Map runs it: ItemSelector {target: item, run: $.run}."""
    outputs = []
    context = SimpleNamespace(aws_request_id="child-request")
    for item in items(result):
        if (item["account"], item["region"]) in skip:
            continue  # this child "crashed": no part
        outputs.append(child.handler({"target": item, "run": result.run.model_dump(mode="json")}, context))
    return outputs


def store() -> Store:
    return Store(boto3.client("s3", region_name=REGION))


# --- targets ---------------------------------------------------------------------------------------


def test_targets_from_role_arns_are_every_account_times_every_region(aws: None) -> None:
    result = plan(role_arns=[role(ACCOUNT_B), role(ACCOUNT_A)], regions=list(REGIONS))
    assert result.count == 4
    assert [(i["account"], i["region"], i["role_arn"]) for i in items(result)] == [
        (ACCOUNT_A, REGION, role(ACCOUNT_A)),
        (ACCOUNT_A, "us-west-2", role(ACCOUNT_A)),
        (ACCOUNT_B, REGION, role(ACCOUNT_B)),
        (ACCOUNT_B, "us-west-2", role(ACCOUNT_B)),
    ]
    assert result.items_key == f"{PREFIX}runs/nightly-0001/targets.json"
    assert result.run.date == "2025-03-04"


def test_targets_from_the_organization_skip_suspended_and_excluded_accounts(aws: None) -> None:
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    created = [
        org.describe_create_account_status(
            CreateAccountRequestId=org.create_account(Email=f"{n}@example.com", AccountName=n)[
                "CreateAccountStatus"
            ]["Id"]
        )["CreateAccountStatus"]["AccountId"]
        for n in ("one", "two")
    ]
    result = plan(
        accounts="organization", role_name="sgaudit-member", exclude_accounts=created[1], regions=REGION
    )
    found = {(i["account"], i["role_arn"]) for i in items(result)}
    assert (created[0], f"arn:aws:iam::{created[0]}:role/sgaudit-member") in found
    assert created[1] not in {a for a, _ in found}
    assert "123456789012" in {a for a, _ in found}  # the management account is a member too


def test_targets_refuse_other_accounts_without_a_role(aws: None) -> None:
    with pytest.raises(targets.ConfigError, match="need role_name"):
        plan(accounts=[ACCOUNT_A], regions=REGION)


def test_targets_refuse_all_regions(aws: None) -> None:
    with pytest.raises(targets.ConfigError, match="'all' is not supported by the fan-out"):
        plan(regions="all")


def test_targets_handler_returns_an_error_summary_for_the_state_machine(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SGAUDIT_BUCKET", BUCKET)
    event = {"settings": {"regions": "all"}, "run_id": "r1", "started_at": STARTED}
    out = targets.handler(event, SimpleNamespace(aws_request_id="x"))
    assert out["status"] == "error"
    assert out["exit_code"] == 2
    assert "not supported by the fan-out" in out["message"]


# --- children and merge ----------------------------------------------------------------------------


def test_merged_snapshot_resolves_a_cross_account_peering_reference(aws: None, tmp_path: Path) -> None:
    estate = build_cross_account()
    result = plan(role_arns=[role(ACCOUNT_A), role(ACCOUNT_B)], regions=list(REGIONS))
    outputs = run_children(result)
    assert [(o["account"], o["region"], o["complete"]) for o in outputs] == [
        (ACCOUNT_A, REGION, True),
        (ACCOUNT_A, "us-west-2", True),
        (ACCOUNT_B, REGION, True),
        (ACCOUNT_B, "us-west-2", True),
    ]
    # Each part is one scope's snapshot: its own folder and its own manifest.
    part = get(result.run.part_key(ACCOUNT_A, REGION))
    assert {n.split("/")[0] for n in zip_names(part)} == {"accounts", "manifest.json"}
    assert {n.rsplit("/", 1)[0] for n in zip_names(part) if "/" in n} == {f"accounts/{ACCOUNT_A}/{REGION}"}

    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path)

    assert merged.manifest.complete
    assert [(s.account, s.region) for s in merged.manifest.scopes] == [
        (a, r) for a in (ACCOUNT_A, ACCOUNT_B) for r in REGIONS
    ]
    inventory = load_inventory(merged.path)
    assert inventory.complete
    # The peering's two sides, collected by two different children, meet in one inventory.
    peering = inventory.peering_connections[estate.pcx]
    assert peering.requester_vpc_info.vpc_id == estate.vpc_a
    assert peering.accepter_vpc_info.vpc_id == estate.vpc_b
    assert inventory.resource_scope[estate.vpc_a].account == ACCOUNT_A
    assert inventory.resource_scope[estate.vpc_b].account == ACCOUNT_B
    # And B's rule naming A's group (account/sg-id across the peering) finds that group.
    (reference,) = [
        r.peer
        for r in inventory.security_groups[estate.sg_b].ingress
        if r.peer.kind is PeerKind.SECURITY_GROUP
    ]
    assert reference.value == estate.sg_a
    assert reference.vpc_peering_connection_id == estate.pcx
    assert estate.sg_a in inventory.security_groups
    assert inventory.resource_scope[estate.sg_a].account == ACCOUNT_A
    assert inventory.security_groups[estate.sg_a].vpc_id == estate.vpc_a


def test_a_child_that_wrote_no_part_makes_the_merged_snapshot_incomplete(aws: None, tmp_path: Path) -> None:
    build_cross_account()
    result = plan(role_arns=[role(ACCOUNT_A), role(ACCOUNT_B)], regions=list(REGIONS))
    run_children(result, skip={(ACCOUNT_B, "us-west-2")})

    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path)

    assert not merged.manifest.complete
    assert len(merged.manifest.scopes) == 3
    assert merged.manifest.errors == [f"{ACCOUNT_B}/us-west-2: {NO_PART}"]
    assert not load_inventory(merged.path).complete


def test_the_map_runs_failure_details_name_the_cause(aws: None, tmp_path: Path) -> None:
    result = plan(role_arns=[role(ACCOUNT_A)], regions=REGION)
    failed_input = json.dumps({"target": items(result)[0], "run": result.run.model_dump(mode="json")})
    # What ResultWriter leaves in S3 (a manifest naming FAILED_*.json files of failed children).
    s3 = boto3.client("s3", region_name=REGION)
    base = f"{result.results_prefix}/0a1b2c"
    cause = json.dumps(
        {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 900.00 seconds"}
    )
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{base}/FAILED_0.json",
        Body=json.dumps(
            [{"Input": failed_input, "Error": "Sandbox.Timedout", "Cause": cause, "Status": "FAILED"}]
        ),
    )
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{base}/manifest.json",
        Body=json.dumps(
            {"ResultFiles": {"FAILED": [{"Key": f"{base}/FAILED_0.json", "Size": 1}], "SUCCEEDED": []}}
        ),
    )
    outcome = merge.MapOutcome.model_validate(
        {
            "MapRunArn": "arn:aws:states:...",
            "ResultWriterDetails": {"Bucket": BUCKET, "Key": f"{base}/manifest.json"},
        }
    )

    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path, outcome=outcome)

    assert merged.manifest.errors == [
        f"{ACCOUNT_A}/{REGION}: the collect step wrote no part (Sandbox.Timedout: Sandbox.Timedout: Task"
        " timed out after 900.00 seconds)"
    ]


def test_a_map_that_failed_as_a_whole_is_recorded(aws: None, tmp_path: Path) -> None:
    result = plan(role_arns=[role(ACCOUNT_A)], regions=REGION)
    run_children(result)
    outcome = merge.MapOutcome.model_validate({"Error": "States.ItemReaderFailed", "Cause": "access denied"})
    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path, outcome=outcome)
    assert merged.manifest.errors == ["collect map failed: States.ItemReaderFailed: access denied"]
    assert len(merged.manifest.scopes) == 1


def test_a_refused_role_writes_a_part_that_says_why(aws: None, tmp_path: Path) -> None:
    session = boto3.Session(region_name=REGION)

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if params.get("RoleArn") == role(ACCOUNT_B):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not trusted"}}, "AssumeRole")

    session.events.register("before-parameter-build.sts.AssumeRole", refuse)
    result = plan(role_arns=[role(ACCOUNT_A), role(ACCOUNT_B)], regions=REGION)
    for item in items(result):
        target = CollectTarget.model_validate(item)
        workdir = tmp_path / target.account
        workdir.mkdir()
        part = child.collect_part(target, result.run, workdir=workdir, session=session)
        assert part.complete is (target.account == ACCOUNT_A)

    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path / "merge")

    assert not merged.manifest.complete
    assert [(s.account, s.region) for s in merged.manifest.scopes] == [(ACCOUNT_A, REGION)]
    (error,) = merged.manifest.errors
    assert error.startswith(f"{ACCOUNT_B}/{REGION}: sts:AssumeRole {role(ACCOUNT_B)} failed: AccessDenied")


def test_a_part_cannot_write_outside_its_scope(aws: None, tmp_path: Path) -> None:
    result = plan(role_arns=[role(ACCOUNT_A)], regions=REGION)
    run_children(result)
    # Tamper with the part: a file for another account, one escaping the folder.
    key = result.run.part_key(ACCOUNT_A, REGION)
    original = get(key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(buffer, "w") as out:
        for name in src.namelist():
            out.writestr(name, src.read(name))
        out.writestr(f"accounts/{ACCOUNT_B}/{REGION}/ec2-describe-vpcs.json", '{"Vpcs": []}')
        out.writestr(f"accounts/{ACCOUNT_A}/{REGION}/../../../evil.json", "{}")
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())

    merged = merge.merge_parts(result.run, store=store(), workdir=tmp_path)

    names = zip_names(merged.path.read_bytes())
    assert not any(ACCOUNT_B in n or "evil" in n for n in names)
    assert len(merged.manifest.errors) == 2
    assert all("outside its scope" in e for e in merged.manifest.errors)


def test_report_step_reports_an_incomplete_run_and_the_state_machine_fails_it(aws: None) -> None:
    """merge.handler end to end (with the stand-in checker): the reports are written, the summary's
    exit code 3 sends the execution to its SnapshotIncomplete state."""
    build_cross_account()
    result = plan(role_arns=[role(ACCOUNT_A), role(ACCOUNT_B)], regions=list(REGIONS))
    run_children(result, skip={(ACCOUNT_A, "us-west-2")})
    event = {"run": result.run.model_dump(mode="json"), "settings": result.settings.model_dump(mode="json")}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(merge, "report_run", _with_checker(fake_checker))
        summary = merge.handler(event, SimpleNamespace(aws_request_id="report"))

    assert summary["status"] == "ok"
    assert summary["complete"] is False
    assert summary["exit_code"] == 3
    dated = keys(f"{PREFIX}2025-03-04/")
    assert dated == [
        f"{PREFIX}2025-03-04/{n}" for n in ("findings.json", "findings.sarif", "report.html", "snapshot.zip")
    ]
    manifest = zip_json(get(f"{PREFIX}2025-03-04/snapshot.zip"), "manifest.json")
    assert manifest["errors"] == [f"{ACCOUNT_A}/us-west-2: {NO_PART}"]
    assert json.loads(get(f"{PREFIX}latest/findings.json"))["snapshot"]["complete"] is False


def test_report_step_with_a_malformed_event_returns_an_error_summary(aws: None) -> None:
    out = merge.handler({"run": {"bucket": BUCKET}}, SimpleNamespace(aws_request_id="x"))
    assert out["status"] == "error"
    assert out["message"].startswith("report step event field run.prefix")


def _with_checker(checker: Any) -> Any:
    def patched(snapshot: Path, settings: RunSettings, run: RunRef, **kwargs: Any) -> Any:
        return report_run(snapshot, settings, run, **kwargs, checker=checker)

    return patched
