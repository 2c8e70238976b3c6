"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Built from small typed models (only the parts of the OASIS schema sgaudit fills), dumped with camelCase
aliases and without empty members. Locations: GitHub code scanning rejects a result without
``physicalLocation.artifactLocation.uri`` and rejects URI schemes it does not know (``aws://`` would
fail the upload), so every result points at a stable *relative* URI ``aws/<account>/<region>/<resource>``
(the resource percent-encoded into one segment). It is the same for a resource on every run, which keeps
GitHub's alert tracking stable, and reads as what it is. The exact resource (ARN or id) is carried in
``logicalLocations``, and ``partialFingerprints`` carries sgaudit's own fingerprint so alerts match
across runs independently of the location.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sgaudit.findings import Finding, ReportContext, RuleInfo, Severity, Suppression
from sgaudit.formats._common import (
    PROJECT_URL,
    SECURITY_SEVERITY,
    clean,
    rule_catalogue,
    snapshot_errors,
)
from sgaudit.formats.json_format import dumps

SARIF_VERSION: Literal["2.1.0"] = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "sgauditFingerprint/v1"

Level = Literal["error", "warning", "note", "none"]

LEVEL: dict[Severity, Level] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


class _Sarif(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, alias_generator=to_camel)


class Message(_Sarif):
    """SARIF ``message`` / ``multiformatMessageString``."""

    text: str
    markdown: str | None = None


class ReportingConfiguration(_Sarif):
    """``defaultConfiguration`` of a rule."""

    level: Level


class RuleProperties(_Sarif):
    """The property bag GitHub reads for a rule's severity and tags."""

    security_severity: str = Field(alias="security-severity")
    tags: list[str]
    precision: str = "high"
    problem_severity: str = Field(alias="problem.severity")


class ReportingDescriptor(_Sarif):
    """A rule of ``tool.driver.rules``."""

    id: str
    name: str
    short_description: Message
    full_description: Message
    help: Message
    help_uri: str | None = None
    default_configuration: ReportingConfiguration
    properties: RuleProperties


class ToolComponent(_Sarif):
    """``tool.driver``."""

    name: str
    version: str
    semantic_version: str
    information_uri: str
    rules: list[ReportingDescriptor]


class Tool(_Sarif):
    """``run.tool``."""

    driver: ToolComponent


class ArtifactLocation(_Sarif):
    """Where a result lives: a stable, relative, per-resource URI."""

    uri: str


class Region(_Sarif):
    """A region inside the artifact; resources have no lines, so line 1."""

    start_line: int = 1


class PhysicalLocation(_Sarif):
    """``location.physicalLocation``."""

    artifact_location: ArtifactLocation
    region: Region = Region()


class LogicalLocation(_Sarif):
    """The AWS resource itself."""

    name: str
    fully_qualified_name: str
    kind: str = "resource"


class Location(_Sarif):
    """``result.locations[]``."""

    physical_location: PhysicalLocation
    logical_locations: list[LogicalLocation]


class SarifSuppression(_Sarif):
    """``result.suppressions[]``."""

    kind: Literal["inSource", "external"]
    status: Literal["accepted"] = "accepted"
    justification: str


class ResultProperties(_Sarif):
    """Result property bag: GitHub's severity score plus what sgaudit adds (evidence, fix)."""

    security_severity: str = Field(alias="security-severity")
    severity: Severity
    resources: list[str]
    evidence: dict[str, Any]
    fix: dict[str, str] | None = None


class Result(_Sarif):
    """One finding."""

    rule_id: str
    rule_index: int
    level: Level
    message: Message
    locations: list[Location]
    partial_fingerprints: dict[str, str]
    suppressions: list[SarifSuppression] | None = None
    properties: ResultProperties


class Notification(_Sarif):
    """A tool execution notification: one failed collection call."""

    level: Level
    message: Message


class Invocation(_Sarif):
    """``run.invocations[]``: not successful when the snapshot is incomplete."""

    execution_successful: bool
    tool_execution_notifications: list[Notification] | None = None


class Run(_Sarif):
    """The one run of a report."""

    tool: Tool
    invocations: list[Invocation]
    results: list[Result]
    properties: dict[str, Any]


class SarifLog(_Sarif):
    """The SARIF document."""

    schema_uri: str = Field(default=SARIF_SCHEMA_URI, alias="$schema")
    version: Literal["2.1.0"] = SARIF_VERSION
    runs: list[Run]


def render(ctx: ReportContext) -> str:
    """The SARIF 2.1.0 document as sorted, indented JSON."""
    return dumps(build(ctx).model_dump(mode="json", by_alias=True, exclude_none=True))


def build(ctx: ReportContext) -> SarifLog:
    """The typed SARIF log of a report."""
    rules = rule_catalogue(ctx)
    index = {r.id: i for i, r in enumerate(rules)}
    scopes = ctx.report.snapshot.scopes
    only_scope = (scopes[0].account, scopes[0].region) if len(scopes) == 1 else (None, None)
    errors = snapshot_errors(ctx)
    tool = ctx.report.tool
    run = Run(
        tool=Tool(
            driver=ToolComponent(
                name=tool.name,
                version=tool.version,
                semantic_version=tool.version,
                information_uri=PROJECT_URL,
                rules=[_descriptor(r) for r in rules],
            )
        ),
        invocations=[
            Invocation(
                execution_successful=ctx.report.snapshot.complete,
                tool_execution_notifications=[
                    Notification(level="error", message=Message(text=f"collection failed: {e}"))
                    for e in errors
                ]
                or None,
            )
        ],
        results=[_result(f, index[f.rule], only_scope) for f in ctx.report.findings],
        properties={
            "snapshot": ctx.report.snapshot.model_dump(mode="json", by_alias=True),
            "schemaVersion": ctx.report.schema_version,
        },
    )
    return SarifLog(runs=[run])


def _descriptor(rule: RuleInfo) -> ReportingDescriptor:
    text_parts = [rule.description]
    md_parts = [rule.description]
    if rule.risk:
        text_parts.append(f"Risk: {rule.risk}")
        md_parts.append(f"**Risk.** {rule.risk}")
    if rule.remediation:
        text_parts.append(f"Remediation: {rule.remediation}")
        md_parts.append(f"**Remediation.** {rule.remediation}")
    if rule.references:
        md_parts.append("**References.**\n" + "\n".join(f"- <{ref}>" for ref in rule.references))
    return ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=Message(text=rule.title),
        full_description=Message(text=rule.description),
        help=Message(text="\n\n".join(text_parts), markdown="\n\n".join(md_parts)),
        help_uri=rule.help_uri or (rule.references[0] if rule.references else None),
        default_configuration=ReportingConfiguration(level=LEVEL[rule.severity]),
        properties=RuleProperties(
            security_severity=SECURITY_SEVERITY[rule.severity],
            tags=sorted({"security", "aws", "network", *rule.tags}),
            problem_severity=_problem_severity(rule.severity),
        ),
    )


def _problem_severity(sev: Severity) -> str:
    # CodeQL's non-security scale; GitHub shows security-severity for rules tagged "security".
    return {"error": "error", "warning": "warning"}.get(LEVEL[sev], "recommendation")


def _result(finding: Finding, rule_index: int, only_scope: tuple[str | None, str | None]) -> Result:
    account, region = _account_region(finding.arn, only_scope)
    resource = clean(finding.resource)
    uri = "/".join(
        quote(part, safe="")
        for part in ("aws", account or "unknown-account", region or "unknown-region", finding.resource)
    )
    qualified = finding.arn or f"{account or '?'}/{region or '?'}/{finding.resource}"
    fix = finding.fix.model_dump(exclude_none=True) if finding.fix else None
    return Result(
        rule_id=finding.rule,
        rule_index=rule_index,
        level=LEVEL[finding.severity],
        message=Message(text=_message(finding)),
        locations=[
            Location(
                physical_location=PhysicalLocation(artifact_location=ArtifactLocation(uri=uri)),
                logical_locations=[LogicalLocation(name=resource, fully_qualified_name=clean(qualified))],
            )
        ],
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint},
        suppressions=[_suppression(finding.suppression)] if finding.suppressed else None,
        properties=ResultProperties(
            security_severity=SECURITY_SEVERITY[finding.severity],
            severity=finding.severity,
            resources=list(finding.resources),
            evidence=dict(finding.evidence),
            fix=fix,
        ),
    )


def _message(finding: Finding) -> str:
    text = clean(finding.message)
    if finding.fix is not None:
        text += f"\nFix: {clean(finding.fix.summary)}"
    return text


def _suppression(suppression: Suppression | None) -> SarifSuppression:
    if suppression is None:
        return SarifSuppression(kind="external", justification="suppressed")
    justification = clean(suppression.reason)
    if suppression.expires:
        justification += f" (until {clean(suppression.expires)})"
    # A resource tag lives on the resource itself, the closest thing to "in source"; config files
    # and baselines are kept apart from what they suppress.
    kind: Literal["inSource", "external"] = "inSource" if suppression.kind == "tag" else "external"
    return SarifSuppression(kind=kind, justification=f"{suppression.kind}: {justification}")


def _account_region(
    arn: str | None, only_scope: tuple[str | None, str | None]
) -> tuple[str | None, str | None]:
    """Account and region from an ARN (``arn:partition:service:region:account:...``), else the scope."""
    if arn:
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[0] == "arn":
            return parts[4] or only_scope[0], parts[3] or only_scope[1]
    return only_scope
