"""The fan-out's first step: which (account, region) pairs to collect, written to S3 as the Map's items.

Accounts come from ``role_arns`` (one role per account), from an explicit ``accounts`` list or from
``organizations:ListAccounts`` (``accounts: organization``), with ``role_name`` assumed in each; with
none of these, the function's own account is collected with its own role. The item list goes to S3
rather than into the state, because hundreds of accounts times several regions outgrow the 256 KB
a Step Functions state may carry.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sgaudit.errors import CollectionError, ConfigError, SgauditError
from sgaudit.fanout.jsonlog import configure_logging
from sgaudit.fanout.report import error_summary
from sgaudit.fanout.settings import CollectTarget, RunRef, RunSettings, S3Location, load_settings
from sgaudit.fanout.storage import Store, client_config, describe

log = logging.getLogger(__name__)

_ROLE_ACCOUNT = re.compile(r"^arn:[^:]+:iam::(\d{12}):role/")
_ACTIVE = "ACTIVE"


def own_account(session: boto3.Session, region: str) -> str:
    """The account of the function's own credentials."""
    try:
        identity: dict[str, Any] = session.client(
            "sts", region_name=region, config=client_config()
        ).get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise CollectionError(f"sts:GetCallerIdentity failed: {describe(exc)}") from exc
    return str(identity["Account"])


def organization_accounts(session: boto3.Session, region: str) -> list[str]:
    """The ACTIVE accounts of the organization (from its management or delegated-admin account)."""
    client = session.client("organizations", region_name=region, config=client_config())
    accounts: list[str] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            for account in page["Accounts"]:
                # `State` replaces the deprecated `Status`; accounts that are suspended or closing
                # cannot be entered, so collecting them would only add failures.
                if (account.get("State") or account.get("Status")) == _ACTIVE:
                    accounts.append(str(account["Id"]))
    except (ClientError, BotoCoreError) as exc:
        raise CollectionError(
            f"organizations:ListAccounts failed: {describe(exc)} (run from the organization's management"
            " account or a delegated administrator, or list the accounts explicitly)"
        ) from exc
    return accounts


def resolve_roles(settings: RunSettings, session: boto3.Session, home_region: str) -> dict[str, str | None]:
    """Every account to collect and the role to assume there (None: the function's own credentials)."""
    partition = session.get_partition_for_region(home_region)
    roles: dict[str, str | None] = {}
    if settings.role_arns:
        for arn in settings.role_arns:
            match = _ROLE_ACCOUNT.match(arn)
            if match is None:  # the settings validator already checked the shape
                raise ConfigError("role_arns: expected IAM role ARNs, arn:aws:iam::ACCOUNT:role/NAME")
            roles.setdefault(match.group(1), arn)
    else:
        if settings.from_organization:
            accounts = organization_accounts(session, home_region)
        elif settings.accounts:
            accounts = list(settings.accounts)
        else:
            accounts = [own_account(session, home_region)]
        if settings.role_name:
            roles = {a: f"arn:{partition}:iam::{a}:role/{settings.role_name}" for a in accounts}
        else:
            mine = own_account(session, home_region)
            others = [a for a in accounts if a != mine]
            if others:
                raise ConfigError(
                    f"accounts: {len(others)} account(s) other than this function's own ({mine}) need"
                    " role_name, the role to assume in them"
                )
            roles = {mine: None}
    excluded = set(settings.exclude_accounts)
    kept = {account: roles[account] for account in sorted(roles) if account not in excluded}
    if not kept:
        raise ConfigError("no account left to collect (every account is in exclude_accounts)")
    return kept


def resolve_targets(settings: RunSettings, session: boto3.Session, home_region: str) -> list[CollectTarget]:
    """Every (account, region, role) to collect, sorted and without duplicates."""
    if settings.all_regions:
        raise ConfigError(
            "regions 'all' is not supported by the fan-out: list the regions (each account's enabled"
            " regions would need a call per account before the Map)"
        )
    if not settings.regions:
        raise ConfigError("no regions: set SGAUDIT_REGIONS or the event field 'regions'")
    return [
        CollectTarget(account=account, region=region, role_arn=role)
        for account, role in resolve_roles(settings, session, home_region).items()
        for region in settings.regions
    ]


class TargetsResult(BaseModel):
    """What the first step hands the state machine: the run, its settings, and where the Map reads its
    items and writes its results (``ItemReader`` and ``ResultWriter`` take keys, not properties)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: RunRef
    settings: RunSettings
    count: int
    items_key: str
    results_prefix: str


class _TargetsEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: dict[str, Any] = Field(default_factory=dict, description="the execution's input")
    run_id: str
    started_at: datetime


def plan_run(
    event: Mapping[str, Any], environ: Mapping[str, str], session: boto3.Session | None = None
) -> TargetsResult:
    """Resolve the settings and targets of one execution and write the item list to S3."""
    try:
        parsed = _TargetsEvent.model_validate(event)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        raise ConfigError(f"targets step event field {err['loc'][0]!r}: {err['msg']}") from None
    settings = load_settings(parsed.settings, environ)
    session = session or boto3.Session()
    home = environ.get("AWS_REGION") or session.region_name or settings.regions[0]
    run = RunRef(
        bucket=settings.bucket, prefix=settings.prefix, run_id=parsed.run_id, started_at=parsed.started_at
    )
    targets = resolve_targets(settings, session, home)
    store = Store(session.client("s3", region_name=home, config=client_config()))
    body = json.dumps([t.model_dump(mode="json") for t in targets], indent=1).encode()
    store.put_bytes(S3Location(bucket=run.bucket, key=run.targets_key), body, "application/json")
    log.info(
        "targets planned",
        extra={
            "run_id": run.run_id,
            "targets": len(targets),
            "accounts": len({t.account for t in targets}),
            "regions": list(settings.regions),
        },
    )
    return TargetsResult(
        run=run,
        settings=settings,
        count=len(targets),
        items_key=run.targets_key,
        results_prefix=run.map_results_prefix,
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point of the targets step (``sgaudit.fanout.targets.handler``).

    On an error the user can fix it returns ``{"status": "error", ...}``, which the state machine
    turns into a failed execution without retrying.
    """
    configure_logging(getattr(context, "aws_request_id", None))
    try:
        result = plan_run(event, os.environ)
    except SgauditError as exc:
        log.error(str(exc), extra={"error": type(exc).__name__})
        return error_summary(exc).model_dump(mode="json")
    return {"status": "ok", **result.model_dump(mode="json")}
