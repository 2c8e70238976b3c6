"""``sgaudit.lambda_handler``: settings, S3 layout, comparison with the previous run, alerts, errors.

The acceptance tests at the end run the real check pipeline on an estate inside moto; the others
use a small stand-in checker (``fake_checker``) so they test what the handler does around the check.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from fake_checker import fake_checker
from lambda_estate import (
    BUCKET,
    PREFIX,
    REGION,
    Outbox,
    build_estate,
    get,
    keys,
    make_outbox,
    open_to_world,
    session_for,
    zip_json,
    zip_names,
)

from sgaudit import lambda_handler
from sgaudit.cli import main
from sgaudit.errors import ConfigError, SnapshotError
from sgaudit.fanout.jsonlog import JsonFormatter
from sgaudit.fanout.settings import RunSettings, load_settings
from sgaudit.lambda_handler import run_once

REPORT_NAMES = ("findings.json", "findings.sarif", "report.html", "snapshot.zip")
NOW = datetime(2025, 5, 6, 3, 0, tzinfo=UTC)


def env(outbox: Outbox | None = None, **extra: str) -> dict[str, str]:
    base = {"SGAUDIT_BUCKET": BUCKET, "AWS_REGION": REGION}
    if outbox:
        base["SGAUDIT_SNS_TOPIC_ARN"] = outbox.topic_arn
    return base | extra


# --- settings --------------------------------------------------------------------------------------


def test_settings_come_from_the_environment_and_the_event_wins() -> None:
    environ = {
        "SGAUDIT_BUCKET": "reports-bucket",
        "SGAUDIT_REGIONS": "eu-west-1, eu-central-1",
        "SGAUDIT_FAIL_ON": "high",
        "SGAUDIT_ALLOW_PARTIAL": "true",
        "SGAUDIT_CONFIG_URI": "",  # an unset CloudFormation parameter
        "AWS_REGION": "us-east-1",
    }
    settings = load_settings({"fail_on": "medium", "prefix": "/audits"}, environ)
    assert settings.bucket == "reports-bucket"
    assert settings.regions == ("eu-west-1", "eu-central-1")
    assert settings.fail_on == "medium"
    assert settings.allow_partial is True
    assert settings.config_uri is None
    assert settings.prefix == "audits/"
    assert load_settings({"regions": ["us-west-2"]}, environ).regions == ("us-west-2",)


def test_regions_default_to_the_functions_own() -> None:
    assert load_settings({}, {"SGAUDIT_BUCKET": "b-b-b", "AWS_REGION": "eu-north-1"}).regions == (
        "eu-north-1",
    )


def test_a_missing_bucket_says_where_to_set_it() -> None:
    with pytest.raises(ConfigError, match="no report bucket: set SGAUDIT_BUCKET or the event field 'bucket'"):
        load_settings({"regions": "eu-west-1"}, {})


@pytest.mark.parametrize(
    ("event", "environ", "message"),
    [
        ({"fail_on": "severe"}, {}, "event field 'fail_on': Input should be"),
        ({}, {"SGAUDIT_FAIL_ON": "severe"}, "environment variable SGAUDIT_FAIL_ON: Input should be"),
        ({"regoins": ["eu-west-1"]}, {}, "event field 'regoins' is not a setting"),
        ({"regions": "eu-west-1,mars-1"}, {}, "event field 'regions': expected AWS region names"),
        (
            {},
            {"SGAUDIT_REGIONS": "mars-1"},
            "environment variable SGAUDIT_REGIONS: expected AWS region names",
        ),
        ({}, {"SGAUDIT_ALLOW_PARTIAL": "maybe"}, "SGAUDIT_ALLOW_PARTIAL: expected true or false"),
        ({"accounts": "organization"}, {}, "accounts 'organization' needs role_name"),
        ({"config_uri": "https://example.com/x"}, {}, "event field 'config_uri': expected an S3 URI"),
        ({"role_arns": "arn:aws:iam::1:role/x"}, {}, "expected IAM role ARNs"),
    ],
)
def test_bad_settings_name_the_field_or_variable(
    event: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(event, {"SGAUDIT_BUCKET": "reports-bucket"} | environ)
    assert message in str(caught.value)


def test_errors_never_print_a_variables_value() -> None:
    secret = "AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI"
    for environ in (
        {"SGAUDIT_BUCKET": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_SNS_TOPIC_ARN": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_MAX_WORKERS": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_CONFIG_URI": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_REGIONS": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_ROLE_ARNS": secret},
        {"SGAUDIT_BUCKET": "b-b-b", "SGAUDIT_ACCOUNTS": secret},
    ):
        with pytest.raises(ConfigError) as caught:
            load_settings({}, environ)
        assert secret not in str(caught.value)
        assert "environment variable SGAUDIT_" in str(caught.value)


def test_an_eventbridge_envelope_carries_its_settings_in_detail() -> None:
    event = {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert lambda_handler.settings_event(event) == {}
    assert lambda_handler.settings_event({"fail_on": "low"}) == {"fail_on": "low"}


# --- runs with the stand-in checker ---------------------------------------------------------------


def test_a_run_writes_the_dated_folder_and_latest(aws: None) -> None:
    outbox = make_outbox()
    build_estate(session_for())
    summary = run_once({}, env(outbox), checker=fake_checker, now=NOW, run_id="run-1")

    assert summary.status == "ok"
    assert keys() == sorted(
        [f"{PREFIX}2025-05-06/{n}" for n in REPORT_NAMES] + [f"{PREFIX}latest/{n}" for n in REPORT_NAMES]
    )
    assert summary.report_uri == f"s3://{BUCKET}/{PREFIX}2025-05-06/report.html"
    assert get(f"{PREFIX}2025-05-06/snapshot.zip") == get(f"{PREFIX}latest/snapshot.zip")
    snapshot = get(f"{PREFIX}latest/snapshot.zip")
    assert "manifest.json" in zip_names(snapshot)
    assert zip_json(snapshot, "manifest.json")["scopes"][0]["account"] == "123456789012"
    content_types = {
        n: boto3.client("s3").head_object(Bucket=BUCKET, Key=f"{PREFIX}latest/{n}")["ContentType"]
        for n in REPORT_NAMES
    }
    assert content_types["report.html"].startswith("text/html")
    assert content_types["findings.sarif"] == "application/sarif+json"


def test_alerts_only_on_new_findings_at_or_above_the_threshold(aws: None) -> None:
    outbox = make_outbox()
    estate = build_estate(session_for())
    environ = env(outbox, SGAUDIT_FAIL_ON="high")

    first = run_once({}, environ, checker=fake_checker)  # only the medium tcp/80 finding
    assert (first.new_findings, first.published) == (0, False)
    assert outbox.messages() == []

    rule_id = open_to_world(session_for(), estate.web_sg, port=22)
    second = run_once({}, environ, checker=fake_checker)
    (message,) = outbox.messages()
    assert (second.new_findings, second.published) == (1, True)
    assert message["Subject"] == "sgaudit: 1 new finding (1 critical)"
    assert estate.web_sg in message["Message"]
    assert "tcp/22-22" in message["Message"]
    assert f"s3://{BUCKET}/{PREFIX}" in message["Message"]
    assert message["MessageAttributes"]["max_severity"]["Value"] == "critical"
    assert rule_id.startswith("sgr-")

    third = run_once({}, environ, checker=fake_checker)
    assert (third.new_findings, third.published) == (0, False)
    assert outbox.messages() == []


def test_the_first_run_alerts_on_every_finding_and_lists_the_top_ones(aws: None) -> None:
    outbox = make_outbox()
    estate = build_estate(session_for())
    for port in (22, 3389, 8080, 8081):
        open_to_world(session_for(), estate.web_sg, port=port)
    summary = run_once({"fail_on": "medium", "top_findings": 2}, env(outbox), checker=fake_checker)
    (message,) = outbox.messages()
    assert summary.new_findings == 5
    assert message["Subject"] == "sgaudit: 5 new findings (2 critical, 3 medium)"
    body = message["Message"]
    assert body.count("[CRITICAL]") == 2 and "[MEDIUM]" not in body
    assert "... and 3 more in the report." in body


def test_fail_on_never_and_no_topic_publish_nothing(aws: None) -> None:
    outbox = make_outbox()
    estate = build_estate(session_for())
    open_to_world(session_for(), estate.web_sg)
    never = run_once({"fail_on": "never"}, env(outbox), checker=fake_checker)
    assert (never.new_findings, never.published) == (0, False)
    # A first run (no latest/ yet) without a topic: everything is new, nothing is sent.
    summary = run_once({"prefix": "other"}, env(None, SGAUDIT_FAIL_ON="low"), checker=fake_checker)
    assert (summary.new_findings, summary.published) == (2, False)
    assert outbox.messages() == []


def test_the_config_file_is_read_from_s3(aws: None) -> None:
    make_outbox()
    build_estate(session_for())
    boto3.client("s3").put_object(Bucket=BUCKET, Key="config/sgaudit.yaml", Body=b"<!-- intents -->")
    run_once({"config_uri": f"s3://{BUCKET}/config/sgaudit.yaml"}, env(), checker=fake_checker)
    assert b"<!-- intents -->" in get(f"{PREFIX}latest/report.html")
    with pytest.raises(
        ConfigError, match=r"config_uri s3://sgaudit-reports/config/missing.yaml: no such object"
    ):
        run_once({"config_uri": f"s3://{BUCKET}/config/missing.yaml"}, env(), checker=fake_checker)


def test_an_unreadable_previous_findings_file_is_an_error_naming_it(aws: None) -> None:
    make_outbox()
    build_estate(session_for())
    boto3.client("s3").put_object(Bucket=BUCKET, Key=f"{PREFIX}latest/findings.json", Body=b'{"findings": 3}')
    with pytest.raises(SnapshotError, match=r"latest/findings.json: field findings: Input should be a valid"):
        run_once({}, env(), checker=fake_checker)


def test_the_handler_returns_an_error_summary_and_logs_json(
    aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SGAUDIT_FAIL_ON", "severe")
    monkeypatch.setenv("SGAUDIT_BUCKET", BUCKET)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers = [logging.StreamHandler()]  # stderr, as the Lambda runtime's own handler would
    try:
        out = lambda_handler.handler({}, SimpleNamespace(aws_request_id="req-42"))
    finally:
        root.handlers, root.level = saved
    assert out["status"] == "error"
    assert out["exit_code"] == 2
    assert out["message"].startswith("environment variable SGAUDIT_FAIL_ON")
    json.dumps(out)  # a JSON summary, as Lambda returns it
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    record = json.loads(line)
    assert record["level"] == "ERROR"
    assert record["request_id"] == "req-42"
    assert record["error"] == "ConfigError"
    assert "severe" not in line


def test_the_json_formatter_keeps_extra_fields_and_exceptions() -> None:
    record = logging.LogRecord("sgaudit.x", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    record.run_id = "r-1"
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    doc = json.loads(JsonFormatter("req").format(record))
    assert doc["message"] == "hello world"
    assert doc["level"] == "WARNING"
    assert doc["run_id"] == "r-1"
    assert doc["request_id"] == "req"
    assert "ValueError: boom" in doc["exception"]


def test_the_handler_module_does_not_import_the_report_dependencies() -> None:
    """Cold start: Jinja2 and the engine load only when a run reports."""
    code = (
        "import sys, sgaudit.lambda_handler, sgaudit.fanout.child, sgaudit.fanout.merge;"
        "import sgaudit.fanout.targets;"
        "print(sorted(m for m in ('jinja2', 'networkx', 'rich', 'sgaudit.pipeline', 'sgaudit.engine')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- acceptance: the real pipeline ----------------------------------------------------------------


def _normalise(html: str) -> str:
    # The two reports were generated at different times (from copies of one snapshot.zip).
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "<time>", html)


@pytest.mark.slow
def test_acceptance_nightly_runs_publish_the_cli_report_and_alert_on_what_opened(
    aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outbox = make_outbox()
    estate = build_estate(session_for())
    for name, value in env(outbox).items():
        monkeypatch.setenv(name, value)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    context = SimpleNamespace(aws_request_id="nightly-1")

    first = lambda_handler.handler({}, context)

    assert first["status"] == "ok", first
    assert keys() == sorted(
        [f"{PREFIX}{today}/{n}" for n in REPORT_NAMES] + [f"{PREFIX}latest/{n}" for n in REPORT_NAMES]
    )
    findings = json.loads(get(f"{PREFIX}latest/findings.json"))
    assert findings["schema_version"] == 1
    assert findings["snapshot"]["complete"] is True
    alerting = [
        f for f in findings["findings"] if f["severity"] in ("critical", "high") and not f["suppressed"]
    ]
    assert alerting, "the estate's half-open database reference is a high finding"
    (message,) = outbox.messages()
    assert message["Subject"].startswith(f"sgaudit: {len(alerting)} new finding")
    assert f"{PREFIX}{today}/report.html" in message["Message"]

    # The HTML is the report `sgaudit check --format html` writes for the same snapshot.
    snapshot = tmp_path / "snapshot.zip"
    snapshot.write_bytes(get(f"{PREFIX}{today}/snapshot.zip"))
    cli_html = tmp_path / "report.html"
    assert main(["check", str(snapshot), "--format", "html", "-o", str(cli_html), "--fail-on", "never"]) == 0
    lambda_html = get(f"{PREFIX}{today}/report.html").decode()
    assert findings["snapshot"]["source"] == snapshot.name
    assert _normalise(lambda_html) == _normalise(cli_html.read_text())
    assert "<time>" in _normalise(lambda_html)  # the normalisation only hides timestamps

    second = lambda_handler.handler({}, context)
    assert (second["status"], second["new_findings"], second["published"]) == ("ok", 0, False)
    assert outbox.messages() == []

    rule_id = open_to_world(session_for(), estate.web_sg, port=22)
    third = lambda_handler.handler({}, context)
    assert third["published"] is True
    (message,) = outbox.messages()
    after = json.loads(get(f"{PREFIX}latest/findings.json"))["findings"]
    before = {f["fingerprint"] for f in findings["findings"]}
    new = [f for f in after if f["fingerprint"] not in before and f["severity"] in ("critical", "high")]
    assert new, "a world-open tcp/22 on a public instance is a new critical finding"
    for finding in new:
        assert finding["name"] in message["Message"]
        assert finding["resource"] in message["Message"]
    assert any(estate.web_sg in json.dumps(f) or rule_id in json.dumps(f) for f in new)
    assert message["Subject"].startswith(f"sgaudit: {len(new)} new finding")


def test_settings_model_documents_every_field() -> None:
    """Every setting has a description (docs/lambda.md lists them)."""
    assert all(field.description for field in RunSettings.model_fields.values())
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lambda.md").read_text()
    for name in RunSettings.model_fields:
        assert f"SGAUDIT_{name.upper()}" in doc, name
