"""Results of a check run: findings, intent verdicts, and the report document (DESIGN.md section 6).

:class:`CheckReport` is exactly the ``check --format json`` document (``schema_version`` 1). Renderers of
the other formats take a :class:`ReportContext`, which adds what a person needs beside it: the rule
catalogue, the network picture and the reachability matrix.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sgaudit import __version__

SCHEMA_VERSION: Literal[1] = 1


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Severity(StrEnum):
    """Finding severity, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical ... 4 for info: sort key, most severe first."""
        return list(Severity).index(self)

    def at_least(self, threshold: Severity) -> bool:
        """True when this severity is ``threshold`` or more severe."""
        return self.rank <= threshold.rank


Verdict = Literal["reachable", "partial", "blocked", "unknown"]


class Fix(_Model):
    """How to fix a finding: a sentence, and the exact change as AWS CLI and Terraform."""

    summary: str
    aws_cli: str | None = None
    terraform: str | None = None


class Suppression(_Model):
    """Why a finding is suppressed (config file, resource tag, or baseline)."""

    kind: Literal["config", "tag", "baseline"]
    reason: str
    expires: str | None = Field(default=None, description="ISO date")


class Finding(_Model):
    """One problem found by one rule on one resource."""

    fingerprint: str = Field(description="stable id: rule + resource + detail, independent of order and time")
    rule: str = Field(description="rule id")
    name: str = Field(description="rule name, e.g. half-open-reference")
    severity: Severity
    resource: str = Field(description="main resource id (sg-, eni-, selector, ARN)")
    resources: list[str] = Field(default_factory=list)
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    fix: Fix | None = None
    suppressed: bool = False
    suppression: Suppression | None = None
    arn: str | None = Field(default=None, description="ARN of the main resource, when known")

    @staticmethod
    def make_fingerprint(rule: str, resource: str, detail: str = "") -> str:
        """A stable fingerprint from the rule, the main resource and a detail string."""
        return hashlib.sha256(f"{rule}\x1f{resource}\x1f{detail}".encode()).hexdigest()[:32]

    def sort_key(self) -> tuple[int, str, str, str]:
        """Deterministic order: severity, rule, resource, fingerprint."""
        return (self.severity.rank, self.rule, self.resource, self.fingerprint)


INFERRED_PREFIX = "inferred: "
"""How sgaudit names the intents it infers: this prefix, then the flow."""


class IntentResult(_Model):
    """A written or inferred intent and its verdict."""

    name: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    protocol: str = "tcp"
    port: int | None = None
    expect: Literal["reachable", "blocked"] = "reachable"
    verdict: Verdict
    ok: bool
    inferred: bool = False
    reason: str | None = Field(default=None, description="why it was inferred, or why the verdict is unknown")


class ScopeSummary(_Model):
    """One account and region of the snapshot and the calls that failed there."""

    account: str | None = None
    region: str | None = None
    errors: list[str] = Field(default_factory=list)


class SnapshotSummary(_Model):
    """What the findings were computed from."""

    complete: bool = True
    scopes: list[ScopeSummary] = Field(default_factory=list)
    source: str | None = None
    created_at: str | None = Field(default=None, description="collection time, from the manifest")


class ToolInfo(_Model):
    """The tool that produced the report."""

    name: str = "sgaudit"
    version: str = __version__


class Summary(_Model):
    """Counts of unsuppressed findings."""

    findings: int
    by_severity: dict[str, int]


class CheckReport(_Model):
    """The ``sgaudit check --format json`` document."""

    schema_version: Literal[1] = SCHEMA_VERSION
    tool: ToolInfo = ToolInfo()
    snapshot: SnapshotSummary
    summary: Summary
    findings: list[Finding]
    intents: list[IntentResult] = Field(default_factory=list)

    @classmethod
    def build(
        cls, snapshot: SnapshotSummary, findings: list[Finding], intents: list[IntentResult]
    ) -> CheckReport:
        """Sort findings and intents deterministically and count unsuppressed findings by severity."""
        ordered = sorted(findings, key=Finding.sort_key)
        by_sev = {s.value: 0 for s in Severity}
        for f in ordered:
            if not f.suppressed:
                by_sev[f.severity.value] += 1
        return cls(
            snapshot=snapshot,
            summary=Summary(findings=sum(by_sev.values()), by_severity=by_sev),
            findings=ordered,
            intents=sorted(intents, key=lambda i: (i.inferred, i.name)),
        )


class EndpointView(_Model):
    """An endpoint as the network picture shows it."""

    selector: str = Field(description="e.g. ecs:prod/api, rds:prod-db, internet")
    label: str
    kind: str = Field(description="ecs, rds, rds-cluster, elb, lambda, ec2, eni, vpce, internet, cidr")
    vpc: str | None = None
    tier: str = Field(default="app", description="edge, web, app, data, other: the picture's column")
    public: bool = False


class FlowView(_Model):
    """An allowed flow between two endpoints (one matrix row)."""

    source: str
    destination: str
    protocol: str
    ports: str
    verdict: Verdict = "reachable"


FlowRow = tuple[str, str, str, str]
"""A reachable flow as the engine's matrix lists it: (source, destination, protocol, ports)."""


class NetworkView(_Model):
    """Endpoints and allowed flows: what the HTML picture, the Mermaid chart and the matrix show.

    The flows are ``flows`` (one :class:`FlowView` each, with its verdict) followed by ``rows`` (the run's
    reachability matrix as it comes from the engine, every one reachable). A large estate has millions of
    matrix rows: one model each took longer to build than the matrix itself and most of the memory, so a
    check run hands its rows over as they are (:meth:`from_rows`) and the renderers read both lists.
    """

    endpoints: list[EndpointView] = Field(default_factory=list)
    flows: list[FlowView] = Field(default_factory=list)
    rows: list[FlowRow] = Field(
        default_factory=list, description="reachable flows as (source, destination, protocol, ports)"
    )

    @classmethod
    def from_rows(cls, endpoints: list[EndpointView], rows: list[FlowRow]) -> NetworkView:
        """The view of a check run: its endpoints and its matrix rows, which are not validated again
        (they come typed from the engine, and checking millions of tuples costs seconds)."""
        return cls.model_construct(endpoints=endpoints, flows=[], rows=rows)


class ReportContext(_Model):
    """Everything a renderer needs: the JSON document plus rule metadata and the network view."""

    report: CheckReport
    rules: list[RuleInfo] = Field(default_factory=list)
    network: NetworkView = NetworkView()
    generated_at: str | None = Field(
        default=None, description="ISO time of the run; omitted from golden files"
    )


class RuleInfo(_Model):
    """Rule metadata a report needs (SARIF ``tool.driver.rules``, the HTML rule column)."""

    id: str
    name: str
    title: str
    severity: Severity
    description: str
    risk: str = ""
    remediation: str = ""
    help_uri: str | None = None
    references: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


ReportContext.model_rebuild()
