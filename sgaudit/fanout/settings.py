"""Settings of a scheduled run, read from the invocation event and the function's environment.

Every setting has an environment variable (``SGAUDIT_<NAME>``, set by the deployment template) and an
event field of the same lower-case name; the event wins, so one execution can be run with other
regions or another threshold without redeploying. Lists are JSON lists in the event, or
comma-separated strings in either place. Error messages name the variable or field, never its
value (a value may have been pasted from somewhere it should not be printed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sgaudit.errors import ConfigError

ENV_PREFIX = "SGAUDIT_"
ORGANIZATION = "organization"
ALL_REGIONS = "all"

FailOn = Literal["critical", "high", "medium", "low", "info", "never"]

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+-\d+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _split_s3_uri(uri: str) -> tuple[str, str] | None:
    match = re.match(r"^s3://([^/]+)/(.+)$", uri)
    if match is None or not _BUCKET.match(match.group(1)):
        return None
    return match.group(1), match.group(2)


class S3Location(_Frozen):
    """An object in S3."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str, what: str) -> S3Location:
        """``s3://bucket/key`` as a location; ConfigError naming ``what`` when it is not one."""
        parts = _split_s3_uri(uri)
        if parts is None:
            raise ConfigError(f"{what}: expected an S3 URI of an object, s3://BUCKET/KEY")
        return cls(bucket=parts[0], key=parts[1])

    @property
    def uri(self) -> str:
        """``s3://bucket/key``."""
        return f"s3://{self.bucket}/{self.key}"


def _split(value: Any) -> Any:
    # Comma-separated strings (environment variables, CloudFormation list parameters) or JSON lists.
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class RunSettings(_Frozen):
    """What to collect, where the reports go and when to alert."""

    bucket: str = Field(description="S3 bucket of the reports (and of the fan-out's staging objects)")
    prefix: str = Field(default="sgaudit/", description="key prefix inside the bucket")
    regions: tuple[str, ...] = Field(default=(), description="regions to collect, or ('all',)")
    accounts: tuple[str, ...] = Field(
        default=(), description="account ids, or ('organization',) for organizations:ListAccounts"
    )
    exclude_accounts: tuple[str, ...] = Field(default=(), description="accounts never collected")
    role_name: str | None = Field(default=None, description="role assumed in every account")
    role_arns: tuple[str, ...] = Field(default=(), description="roles assumed, one per account")
    config_uri: str | None = Field(default=None, description="s3:// URI of sgaudit.yaml (intents, settings)")
    baseline_uri: str | None = Field(default=None, description="s3:// URI of a baseline findings.json")
    sns_topic_arn: str | None = Field(default=None, description="topic alerted on new findings")
    fail_on: FailOn = Field(default="high", description="alert on new findings at or above this severity")
    allow_partial: bool = Field(default=False, description="an incomplete snapshot does not fail the run")
    top_findings: int = Field(default=10, ge=1, le=50, description="new findings listed in the alert")
    max_workers: int = Field(default=16, ge=1, le=64, description="concurrent AWS calls of a collection")

    @field_validator("regions", "accounts", "exclude_accounts", "role_arns", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.match(value):
            raise ValueError("not an S3 bucket name")
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        # "sgaudit" and "/sgaudit/" both mean the folder sgaudit/; "" is the bucket's root.
        value = value.strip().strip("/")
        return f"{value}/" if value else ""

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value == (ALL_REGIONS,):
            return value
        if not all(_REGION.match(region) for region in value):
            # The value is not echoed: it may come from the environment (see the module docstring).
            raise ValueError("expected AWS region names such as eu-west-1 (or 'all' alone)")
        return tuple(dict.fromkeys(value))

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value == (ORGANIZATION,):
            return value
        return cls._account_ids(value)

    @field_validator("exclude_accounts")
    @classmethod
    def _excluded(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return cls._account_ids(value)

    @staticmethod
    def _account_ids(value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            if not _ACCOUNT.match(account):
                raise ValueError("account ids are 12 digits (or use 'organization' alone)")
        return tuple(dict.fromkeys(value))

    @field_validator("role_arns")
    @classmethod
    def _role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not _ROLE_ARN.match(arn):
                raise ValueError("expected IAM role ARNs, arn:aws:iam::ACCOUNT:role/NAME")
        return tuple(dict.fromkeys(value))

    @field_validator("role_name")
    @classmethod
    def _role_name(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_NAME.match(value):
            raise ValueError("not an IAM role name")
        return value

    @field_validator("sns_topic_arn")
    @classmethod
    def _topic(cls, value: str | None) -> str | None:
        if value is not None and not _TOPIC_ARN.match(value):
            raise ValueError("expected an SNS topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME")
        return value

    @field_validator("config_uri", "baseline_uri")
    @classmethod
    def _s3_uri(cls, value: str | None) -> str | None:
        if value is not None and _split_s3_uri(value) is None:
            raise ValueError("expected an S3 URI of an object, s3://BUCKET/KEY")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RunSettings:
        if self.role_name and self.role_arns:
            raise ValueError("give role_name or role_arns, not both")
        if self.role_arns and self.accounts:
            raise ValueError("role_arns name their accounts: do not also give accounts")
        if self.accounts == (ORGANIZATION,) and not self.role_name:
            raise ValueError("accounts 'organization' needs role_name (the role assumed in each account)")
        return self

    @property
    def all_regions(self) -> bool:
        """True when every enabled region of each account is collected."""
        return self.regions == (ALL_REGIONS,)

    @property
    def from_organization(self) -> bool:
        """True when the accounts are listed with organizations:ListAccounts."""
        return self.accounts == (ORGANIZATION,)

    @property
    def config(self) -> S3Location | None:
        """Where ``sgaudit.yaml`` is, if anywhere."""
        return S3Location.parse(self.config_uri, "config_uri") if self.config_uri else None

    @property
    def baseline(self) -> S3Location | None:
        """Where the baseline findings are, if anywhere."""
        return S3Location.parse(self.baseline_uri, "baseline_uri") if self.baseline_uri else None


def _env_value(name: str, raw: str) -> Any:
    field = RunSettings.model_fields[name]
    if field.annotation is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"environment variable {ENV_PREFIX}{name.upper()}: expected true or false")
    return raw.strip()


def load_settings(event: Mapping[str, Any], environ: Mapping[str, str]) -> RunSettings:
    """Settings from the environment, overridden field by field by the event.

    ``regions`` defaults to the function's own region (``AWS_REGION``, which Lambda always sets).
    Raises :class:`ConfigError` naming the event field or environment variable at fault.
    """
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name in RunSettings.model_fields:
        variable = f"{ENV_PREFIX}{name.upper()}"
        # CloudFormation passes an unset optional parameter as "", which means "not set".
        if environ.get(variable, "").strip():
            raw[name] = _env_value(name, environ[variable])
            origin[name] = f"environment variable {variable}"
    for key, value in event.items():
        if key not in RunSettings.model_fields:
            known = ", ".join(RunSettings.model_fields)
            raise ConfigError(f"event field {key!r} is not a setting (known: {known})")
        if value is None:
            raw.pop(key, None)
            continue
        raw[key] = value
        origin[key] = f"event field {key!r}"
    if "bucket" not in raw:
        raise ConfigError(f"no report bucket: set {ENV_PREFIX}BUCKET or the event field 'bucket'")
    if "regions" not in raw and environ.get("AWS_REGION"):
        raw["regions"] = environ["AWS_REGION"]
    try:
        return RunSettings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        name = str(err["loc"][0]) if err["loc"] else ""
        where = origin.get(name, "settings")
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}: {message}") from None


class RunRef(_Frozen):
    """One run: where its objects go in S3, its id and when it started.

    Reports go to ``<prefix><YYYY-MM-DD>/`` and ``<prefix>latest/``; the fan-out's staging objects
    (the target list and one part per account and region) to ``<prefix>runs/<run_id>/``, which the
    bucket's lifecycle rule expires.
    """

    bucket: str
    prefix: str
    run_id: str
    started_at: datetime

    @field_validator("run_id")
    @classmethod
    def _run_id(cls, value: str) -> str:
        if not _RUN_ID.match(value):
            raise ValueError("run ids are 1-128 letters, digits and _.:-")
        return value

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    @property
    def date(self) -> str:
        """The run's UTC date, ``YYYY-MM-DD``: the folder of its reports."""
        return self.started_at.strftime("%Y-%m-%d")

    @property
    def staging(self) -> str:
        """Key prefix of this run's staging objects."""
        return f"{self.prefix}runs/{self.run_id}/"

    @property
    def targets_key(self) -> str:
        """The JSON list of :class:`CollectTarget` the Distributed Map reads its items from."""
        return f"{self.staging}targets.json"

    @property
    def parts_prefix(self) -> str:
        """Key prefix of the parts the collect steps write."""
        return f"{self.staging}parts/"

    @property
    def map_results_prefix(self) -> str:
        """Where the Distributed Map writes its results (``ResultWriter``)."""
        return f"{self.staging}map-results"

    def part_key(self, account: str, region: str) -> str:
        """The part of one account and region: a snapshot zip of that scope and its manifest."""
        return f"{self.parts_prefix}{account}/{region}.zip"

    def report_key(self, name: str) -> str:
        """``name`` in this run's dated folder."""
        return f"{self.prefix}{self.date}/{name}"

    def latest_key(self, name: str) -> str:
        """``name`` in the ``latest/`` folder."""
        return f"{self.prefix}latest/{name}"


class CollectTarget(_Frozen):
    """One item of the fan-out: an account and region, and the role to assume there (None: our own)."""

    account: str = Field(pattern=r"^\d{12}$")
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z0-9]+)+-\d+$")
    role_arn: str | None = None

    @property
    def label(self) -> str:
        """``account/region``, for messages."""
        return f"{self.account}/{self.region}"
