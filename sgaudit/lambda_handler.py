"""The scheduled run in one Lambda function: collect, check, publish to S3, alert on new findings.

``handler(event, context)`` is the function's entry point (``sgaudit.lambda_handler.handler``). It
reads its settings from the environment and the event (see :mod:`sgaudit.fanout.settings`), collects
every account and region in-process (assuming a role per account), and writes ``snapshot.zip``,
``report.html``, ``findings.json`` and ``findings.sarif`` to ``s3://bucket/prefix/<date>/`` and to
``latest/``. It compares the findings with ``latest/findings.json`` of the previous run and publishes
an SNS message only for new findings at or above ``fail_on``.

For estates that outgrow one 15-minute invocation, the same steps run as a Step Functions
Distributed Map (:mod:`sgaudit.fanout`); both write the same objects.

It returns a JSON summary and never exits the process. An error the user can fix (a missing bucket,
a refused role) is logged as one JSON line and returned as ``{"status": "error", ...}``; only bugs and
AWS outages raise, so that Lambda counts them as failures.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from sgaudit.collect import CollectOptions, collect_snapshot
from sgaudit.errors import SgauditError
from sgaudit.fanout.jsonlog import configure_logging
from sgaudit.fanout.report import Checker, RunSummary, error_summary, pipeline_checker, report_run
from sgaudit.fanout.settings import RunRef, load_settings
from sgaudit.fanout.storage import Store, client_config
from sgaudit.fanout.targets import resolve_roles

log = logging.getLogger("sgaudit.lambda_handler")


def settings_event(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The settings part of an invocation event.

    An EventBridge rule without an ``Input`` delivers its own envelope (``source``, ``detail-type``,
    ``time``, ...); its ``detail`` then holds the settings, usually none. Any other event is the
    settings object itself (EventBridge Scheduler's ``Input``, a test event, a manual invoke).
    """
    if "detail-type" in event and "source" in event:
        detail = event.get("detail") or {}
        return detail if isinstance(detail, Mapping) else {}
    return event


def run_once(
    event: Mapping[str, Any],
    environ: Mapping[str, str],
    *,
    session: boto3.Session | None = None,
    checker: Checker = pipeline_checker,
    run_id: str | None = None,
    now: datetime | None = None,
) -> RunSummary:
    """One complete run; raises :class:`~sgaudit.errors.SgauditError` on errors the user can fix."""
    settings = load_settings(settings_event(event), environ)
    session = session or boto3.Session()
    home = environ.get("AWS_REGION") or session.region_name or (settings.regions or ("us-east-1",))[0]
    run = RunRef(
        bucket=settings.bucket,
        prefix=settings.prefix,
        run_id=run_id or uuid.uuid4().hex,
        started_at=now or datetime.now(UTC),
    )
    roles = resolve_roles(settings, session, home)
    log.info(
        "run started",
        extra={
            "run_id": run.run_id,
            "accounts": len(roles),
            "regions": list(settings.regions),
            "fail_on": settings.fail_on,
        },
    )
    store = Store(session.client("s3", region_name=home, config=client_config()))
    sns = session.client("sns", region_name=home, config=client_config())
    with tempfile.TemporaryDirectory(prefix="sgaudit-run-") as tmp:
        workdir = Path(tmp)
        options = CollectOptions(
            regions=() if settings.all_regions else settings.regions,
            all_regions=settings.all_regions,
            # No role means the function's own account, with its own credentials.
            role_arns=tuple(role for role in roles.values() if role),
            output=workdir / "snapshot.zip",
            max_workers=settings.max_workers,
        )
        collected = collect_snapshot(options, session=session)
        manifest = collected.manifest
        log.log(
            logging.INFO if manifest.complete else logging.ERROR,
            "collection finished",
            extra={
                "run_id": run.run_id,
                "scopes": len(manifest.scopes),
                "failed_scopes": sum(1 for s in manifest.scopes if s.errors),
                "errors": list(manifest.errors),
                "complete": manifest.complete,
            },
        )
        return report_run(
            collected.path, settings, run, store=store, sns=sns, workdir=workdir, checker=checker
        )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: one scheduled run; returns the JSON summary of :class:`RunSummary`."""
    request_id = getattr(context, "aws_request_id", None)
    configure_logging(request_id)
    try:
        summary = run_once(event, os.environ, run_id=request_id)
    except SgauditError as exc:
        log.error(str(exc), extra={"error": type(exc).__name__})
        return error_summary(exc).model_dump(mode="json")
    return summary.model_dump(mode="json")
