"""The ``manifest.json`` that ``sgaudit collect`` writes beside the raw AWS responses.

A hand-made snapshot has no manifest and is taken as complete; a collected one is complete only
when every recorded call succeeded.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


class CallRecord(BaseModel):
    """One API operation of one scope: how many pages it took and how it ended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(description="boto3 service name, e.g. 'ec2'")
    operation: str = Field(description="API operation name, e.g. 'DescribeSecurityGroups'")
    ok: bool
    calls: int = Field(default=0, description="HTTP requests made (pages or batches)")
    error_code: str | None = Field(default=None, description="AWS error code, e.g. 'AccessDenied'")
    message: str | None = None


class ScopeRecord(BaseModel):
    """One account and region of a collection."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    region: str
    path: str = Field(description="folder of this scope inside the snapshot, '/'-separated")
    calls: list[CallRecord] = Field(default_factory=list)

    @property
    def errors(self) -> list[CallRecord]:
        """The calls that failed."""
        return [c for c in self.calls if not c.ok]


class Manifest(BaseModel):
    """What a collection did: tool version, time, and every call's outcome per scope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    tool_name: str = "sgaudit"
    tool_version: str
    created_at: datetime
    scopes: list[ScopeRecord] = Field(default_factory=list)
    errors: list[str] = Field(
        default_factory=list, description="failures outside any scope, e.g. an AssumeRole that was refused"
    )

    @property
    def complete(self) -> bool:
        """True when every recorded call in every scope succeeded and nothing failed outside them."""
        return not self.errors and all(not s.errors for s in self.scopes)
