"""Check a snapshot, write the reports to S3, compare with the previous run and alert on what is new.

Shared by the single-function handler (:mod:`sgaudit.lambda_handler`) and the fan-out's merge step.
The order of the writes is what makes alerting at-least-once: the dated folder first, then the SNS
message, then ``latest/``. If the run dies before ``latest/`` is written, the next run still compares
against the run before and alerts again, rather than never.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sgaudit.errors import ConfigError, SgauditError, SnapshotError
from sgaudit.fanout.settings import RunRef, RunSettings, S3Location
from sgaudit.fanout.storage import AwsCallError, Store, describe
from sgaudit.findings import CheckReport, Finding, Severity

log = logging.getLogger(__name__)

# (object name, --format, content type): what every run writes beside snapshot.zip.
REPORT_FILES: tuple[tuple[str, str, str], ...] = (
    ("report.html", "html", "text/html; charset=utf-8"),
    ("findings.json", "json", "application/json"),
    ("findings.sarif", "sarif", "application/sarif+json"),
)
SNAPSHOT_NAME = "snapshot.zip"
FINDINGS_NAME = "findings.json"
_SUBJECT_LIMIT = 100  # SNS: at most 100 printable ASCII characters


class CheckOutcome(BaseModel):
    """What a check produced: the JSON document, the rendered report files and the exit code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report: CheckReport
    outputs: dict[str, str] = Field(description="object name (report.html, ...) -> content")
    exit_code: int = Field(description="0 clean, 1 findings at or above fail_on, 3 incomplete")


class Checker(Protocol):
    """Runs the check pipeline on a snapshot (a seam: tests substitute a small fake)."""

    def __call__(
        self,
        snapshot: Path,
        *,
        config_path: Path | None,
        baseline_path: Path | None,
        fail_on: str,
        allow_partial: bool,
    ) -> CheckOutcome:
        """Check ``snapshot`` and render every file of :data:`REPORT_FILES`."""


def pipeline_checker(
    snapshot: Path,
    *,
    config_path: Path | None,
    baseline_path: Path | None,
    fail_on: str,
    allow_partial: bool,
) -> CheckOutcome:
    """The real check: :mod:`sgaudit.pipeline`, the same code (and so the same report) as the CLI's."""
    # Imported here, not at module level: the engine, networkx, Jinja2 and rich are only needed by
    # the steps that report, so the collect step's cold start never pays for them.
    from sgaudit.pipeline import exit_code, now_iso, parse_fail_on, render_output, run_check  # noqa: PLC0415

    run = run_check(snapshot, config_path=config_path, baseline_path=baseline_path, generated_at=now_iso())
    outputs = {name: render_output(fmt, run) for name, fmt, _ in REPORT_FILES}
    code = exit_code(run, parse_fail_on(fail_on), allow_partial=allow_partial)
    return CheckOutcome(report=run.report, outputs=outputs, exit_code=code)


class _PreviousFinding(BaseModel):
    # Only what the comparison needs, ignoring the rest: a report written by an older version loads.
    model_config = ConfigDict(extra="ignore")

    fingerprint: str
    severity: Severity
    suppressed: bool = False


class _PreviousReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[_PreviousFinding]


def alerting(finding: Finding | _PreviousFinding, fail_on: str) -> bool:
    """True when ``finding`` is unsuppressed and at or above ``fail_on`` (``never``: nothing is)."""
    if fail_on == "never" or finding.suppressed:
        return False
    return finding.severity.at_least(Severity(fail_on))


def previous_fingerprints(store: Store, run: RunRef, fail_on: str) -> set[str] | None:
    """The fingerprints the previous run alerted on (``latest/findings.json``); None on the first run."""
    location = S3Location(bucket=run.bucket, key=run.latest_key(FINDINGS_NAME))
    data = store.get_bytes(location)
    if data is None:
        return None
    try:
        previous = _PreviousReport.model_validate_json(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SnapshotError(
            f"{location.uri}: field {where}: {err['msg']} (not an sgaudit findings.json; delete it to start"
            " the comparison over)"
        ) from None
    return {f.fingerprint for f in previous.findings if alerting(f, fail_on)}


def new_findings(report: CheckReport, previous: set[str] | None, fail_on: str) -> list[Finding]:
    """Alerting findings of ``report`` that the previous run did not alert on, most severe first."""
    return [
        f
        for f in report.findings
        if alerting(f, fail_on) and (previous is None or f.fingerprint not in previous)
    ]


class Alert(BaseModel):
    """The SNS message of a run with new findings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(max_length=_SUBJECT_LIMIT)
    message: str
    max_severity: Severity
    count: int


def _counts(findings: Sequence[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    return ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)


def _ascii(text: str) -> str:
    # SNS subjects must be printable ASCII on one line.
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)


def compose_alert(new: Sequence[Finding], report: CheckReport, run: RunRef, settings: RunSettings) -> Alert:
    """Subject, counts, the top new findings and where the report is."""
    plural = "s" if len(new) != 1 else ""
    subject = _ascii(f"sgaudit: {len(new)} new finding{plural} ({_counts(new)})")
    if len(subject) > _SUBJECT_LIMIT:
        subject = subject[: _SUBJECT_LIMIT - 3] + "..."
    by_severity = ", ".join(f"{n} {s}" for s, n in report.summary.by_severity.items())
    lines = [
        f"sgaudit found {len(new)} new finding{plural} at or above {settings.fail_on} in the run of"
        f" {run.date} (run {run.run_id}).",
        "",
        f"New: {_counts(new)}",
        f"Open in total: {report.summary.findings} ({by_severity})",
        "",
        "Top new findings:",
    ]
    for finding in new[: settings.top_findings]:
        lines.append(
            f"  [{finding.severity.value.upper()}] {finding.name} {finding.resource}: {finding.message}"
        )
    if len(new) > settings.top_findings:
        lines.append(f"  ... and {len(new) - settings.top_findings} more in the report.")
    lines.append("")
    lines.append(_completeness(report))
    report_key = run.report_key("report.html")
    lines += [
        "",
        f"Report:   s3://{run.bucket}/{report_key}",
        f"Latest:   s3://{run.bucket}/{run.latest_key('report.html')}",
        f"Findings: s3://{run.bucket}/{run.report_key(FINDINGS_NAME)}",
        f"Console:  https://console.aws.amazon.com/s3/object/{run.bucket}?prefix={report_key}",
    ]
    return Alert(
        subject=subject,
        message="\n".join(lines) + "\n",
        max_severity=min((f.severity for f in new), key=lambda s: s.rank),
        count=len(new),
    )


def _completeness(report: CheckReport) -> str:
    scopes = report.snapshot.scopes
    failed = [s for s in scopes if s.errors]
    if report.snapshot.complete:
        return f"Snapshot: complete ({len(scopes)} account/region scopes)."
    return (
        f"Snapshot: INCOMPLETE ({len(failed)} of {len(scopes)} scopes had failed calls, or a collect step"
        " failed): findings in the missing parts are not in this report."
    )


def publish(sns: Any, topic_arn: str, alert: Alert) -> str:
    """Publish ``alert``; the message id. Attributes let subscriptions filter on severity."""
    try:
        response = sns.publish(
            TopicArn=topic_arn,
            Subject=alert.subject,
            Message=alert.message,
            MessageAttributes={
                "max_severity": {"DataType": "String", "StringValue": alert.max_severity.value},
                "new_findings": {"DataType": "Number", "StringValue": str(alert.count)},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        raise AwsCallError(f"sns:Publish to {topic_arn} failed: {describe(exc)}") from exc
    return str(response["MessageId"])


class RunSummary(BaseModel):
    """What a handler returns (and the state machine branches on)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ok", "error"]
    exit_code: int = Field(description="0 clean, 1 findings at or above fail_on, 2 error, 3 incomplete")
    message: str = Field(description="one line for people and for the state machine's Fail state")
    run_id: str | None = None
    date: str | None = None
    complete: bool | None = None
    findings: int | None = None
    by_severity: dict[str, int] | None = None
    new_findings: int | None = None
    published: bool = False
    message_id: str | None = None
    report_uri: str | None = None
    latest_uri: str | None = None
    objects: list[str] = Field(default_factory=list)
    error: str | None = None


def error_summary(exc: SgauditError, run: RunRef | None = None) -> RunSummary:
    """The summary of a run that stopped on an error the user can fix."""
    return RunSummary(
        status="error",
        exit_code=int(exc.exit_code),
        message=str(exc),
        error=type(exc).__name__,
        run_id=run.run_id if run else None,
        date=run.date if run else None,
    )


def _fetch(store: Store, location: S3Location | None, target: Path, what: str) -> Path | None:
    if location is None:
        return None
    if not store.download(location, target):
        raise ConfigError(f"{what} {location.uri}: no such object")
    return target


def report_run(
    snapshot: Path,
    settings: RunSettings,
    run: RunRef,
    *,
    store: Store,
    sns: Any,
    workdir: Path,
    checker: Checker = pipeline_checker,
) -> RunSummary:
    """Check ``snapshot`` (a zip), write it and the reports under the dated folder and ``latest/``,
    and publish an alert when there are new findings at or above ``settings.fail_on``."""
    config_name = Path(settings.config.key).name if settings.config else "sgaudit.yaml"
    config_path = _fetch(store, settings.config, workdir / config_name, "config_uri")
    baseline_path = _fetch(store, settings.baseline, workdir / "baseline.json", "baseline_uri")
    outcome = checker(
        snapshot,
        config_path=config_path,
        baseline_path=baseline_path,
        fail_on=settings.fail_on,
        allow_partial=settings.allow_partial,
    )
    report = outcome.report
    # Read before anything is written: latest/ is about to become this run.
    previous = previous_fingerprints(store, run, settings.fail_on)
    new = new_findings(report, previous, settings.fail_on)

    objects: list[str] = []

    def write_all(key_of: Callable[[str], str]) -> None:
        location = S3Location(bucket=run.bucket, key=key_of(SNAPSHOT_NAME))
        store.put_file(location, snapshot, "application/zip")
        objects.append(location.uri)
        for name, _, content_type in REPORT_FILES:
            location = S3Location(bucket=run.bucket, key=key_of(name))
            store.put_bytes(location, outcome.outputs[name].encode("utf-8"), content_type)
            objects.append(location.uri)

    write_all(run.report_key)
    message_id = None
    if new and settings.sns_topic_arn:
        alert = compose_alert(new, report, run, settings)
        message_id = publish(sns, settings.sns_topic_arn, alert)
        log.info(
            "alert published",
            extra={"topic": settings.sns_topic_arn, "new_findings": len(new), "message_id": message_id},
        )
    elif new:
        log.info("new findings, but no SNS topic is configured", extra={"new_findings": len(new)})
    else:
        log.info("no new findings at or above the threshold", extra={"fail_on": settings.fail_on})
    write_all(run.latest_key)

    report_uri = f"s3://{run.bucket}/{run.report_key('report.html')}"
    failed = sum(1 for s in report.snapshot.scopes if s.errors)
    state = "complete" if report.snapshot.complete else f"INCOMPLETE ({failed} scope(s) with failures)"
    summary = RunSummary(
        status="ok",
        exit_code=outcome.exit_code,
        message=(
            f"{report.summary.findings} findings, {len(new)} new at or above {settings.fail_on};"
            f" snapshot {state}; report {report_uri}"
        ),
        run_id=run.run_id,
        date=run.date,
        complete=report.snapshot.complete,
        findings=report.summary.findings,
        by_severity=dict(report.summary.by_severity),
        new_findings=len(new),
        published=message_id is not None,
        message_id=message_id,
        report_uri=report_uri,
        latest_uri=f"s3://{run.bucket}/{run.latest_key('report.html')}",
        objects=objects,
    )
    level = logging.INFO if report.snapshot.complete else logging.ERROR
    log.log(level, summary.message, extra={"summary": summary.model_dump(mode="json", exclude={"objects"})})
    return summary
