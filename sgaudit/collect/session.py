"""Credentials, accounts and regions: everything settled before the first collection call.

boto3 sessions are not thread-safe, so this module runs on the main thread only and hands the
workers clients (which are thread-safe), one per service, region and account.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from sgaudit.collect.plan import DESCRIBE_REGIONS
from sgaudit.collect.scope import error_code
from sgaudit.errors import CollectionError, UsageError

log = logging.getLogger(__name__)

_REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+-\d+$")
_ENABLED = frozenset({"opt-in-not-required", "opted-in"})
_ROLE_SESSION_NAME = "sgaudit-collect"


@dataclass(frozen=True)
class Account:
    """One account to collect: its session and the regions to read."""

    account_id: str
    session: boto3.Session
    regions: tuple[str, ...]


def client_config(max_workers: int) -> Config:
    """Adaptive retries (client-side rate limiting on throttling) and a pool for every worker."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": 10},
        max_pool_connections=max(10, max_workers),
        user_agent_extra="sgaudit-collect",
    )


def _failure(exc: ClientError | BotoCoreError) -> str:
    code, message = error_code(exc)
    return f"{code}: {message}"


def base_session(profile: str | None) -> boto3.Session:
    """The session of ``--profile`` (or the default chain), refusing to start without credentials."""
    try:
        session = boto3.Session(profile_name=profile)
    except ProfileNotFound as exc:
        raise UsageError(f"AWS profile {profile!r} not found (--profile)") from exc
    if session.get_credentials() is None:
        raise CollectionError(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,"
            " or pass --profile"
        )
    return session


def _home_region(session: boto3.Session, regions: Sequence[str]) -> str:
    # STS and DescribeRegions need some region; any enabled one answers for the whole account.
    return session.region_name or (regions[0] if regions else "us-east-1")


def _account_id(session: boto3.Session, region: str, config: Config) -> str:
    sts = session.client("sts", region_name=region, config=config)
    identity: dict[str, Any] = sts.get_caller_identity()
    return str(identity["Account"])


def _enabled_regions(session: boto3.Session, region: str, config: Config) -> tuple[str, ...]:
    ec2 = session.client("ec2", region_name=region, config=config)
    response: dict[str, Any] = getattr(ec2, DESCRIBE_REGIONS.method)()
    names = [
        r["RegionName"]
        for r in response[DESCRIBE_REGIONS.result_key]
        if r.get("OptInStatus", "opt-in-not-required") in _ENABLED
    ]
    return tuple(sorted(names))


def _check_regions(session: boto3.Session, regions: Sequence[str]) -> tuple[str, ...]:
    # A mistyped region would not fail fast: every call would retry its connection errors.
    known = {r for p in session.get_available_partitions() for r in session.get_available_regions("ec2", p)}
    for region in regions:
        if not _REGION_NAME.match(region):
            raise UsageError(f"--region {region!r} is not an AWS region name (e.g. us-east-1)")
        if region not in known:
            raise UsageError(
                f"--region {region!r} is not a region this botocore knows (update boto3 for new regions)"
            )
    return tuple(dict.fromkeys(regions))


def open_accounts(
    session: boto3.Session,
    *,
    regions: Sequence[str],
    all_regions: bool,
    role_arns: Sequence[str],
    config: Config,
) -> tuple[list[Account], list[str]]:
    """The accounts to collect and the failures (refused roles) that make the snapshot incomplete.

    Without ``role_arns`` the caller's own account is collected; with them, each assumed role's
    account instead. Failures of the caller's own session stop collection before it starts.
    """
    explicit = _check_regions(session, regions)
    home = _home_region(session, explicit)
    if not explicit and not all_regions and not session.region_name:
        raise UsageError("no region: pass --region R or --all-regions, or set AWS_DEFAULT_REGION")
    try:
        caller = _account_id(session, home, config)
    except (ClientError, BotoCoreError) as exc:
        raise CollectionError(f"sts:GetCallerIdentity failed: {_failure(exc)}") from exc
    default_regions = explicit or (session.region_name,)

    def regions_of(target: boto3.Session) -> tuple[str, ...]:
        return (
            _enabled_regions(target, home, config) if all_regions else tuple(r for r in default_regions if r)
        )

    if not role_arns:
        try:
            return [Account(caller, session, regions_of(session))], []
        except (ClientError, BotoCoreError) as exc:
            raise CollectionError(f"{DESCRIBE_REGIONS.iam_action} failed: {_failure(exc)}") from exc

    accounts: list[Account] = []
    errors: list[str] = []
    sts = session.client("sts", region_name=home, config=config)
    for arn in dict.fromkeys(role_arns):
        try:
            credentials = sts.assume_role(RoleArn=arn, RoleSessionName=_ROLE_SESSION_NAME)["Credentials"]
            assumed = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=home,
            )
            account_id = _account_id(assumed, home, config)
        except (ClientError, BotoCoreError) as exc:
            errors.append(f"sts:AssumeRole {arn} failed: {_failure(exc)}")
            continue
        if any(a.account_id == account_id for a in accounts):
            log.warning(
                "--role-arn %s: account %s is already collected through another role", arn, account_id
            )
            continue
        try:
            accounts.append(Account(account_id, assumed, regions_of(assumed)))
        except (ClientError, BotoCoreError) as exc:
            errors.append(f"{DESCRIBE_REGIONS.iam_action} in account {account_id} failed: {_failure(exc)}")
    return accounts, errors
