"""`run_checks`: every rule of the pack and every intent over one engine, with suppressions and a baseline.

Suppressed findings stay in the output, marked ``suppressed`` with the reason (config, resource tag
``sgaudit:ignore``, or baseline), so ``--fail-on`` counts only what is new and unaccepted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sgaudit.checks.context import CheckContext
from sgaudit.checks.intents import evaluate_intents
from sgaudit.collector import collector_spares_existing_objects, spare_what_exists
from sgaudit.config import AuditConfig, SuppressionSpec
from sgaudit.engine import Engine
from sgaudit.errors import ConfigError
from sgaudit.findings import (
    CheckReport,
    Finding,
    IntentResult,
    RuleInfo,
    Severity,
    SnapshotSummary,
    Suppression,
)
from sgaudit.inventory import Inventory
from sgaudit.rulepack.loader import RulePack
from sgaudit.rulepack.registry import get_check

log = logging.getLogger(__name__)

IGNORE_TAG = "sgaudit:ignore"
"""A resource tag listing rule names or ids (comma separated; ``*`` or ``all`` for every rule)."""


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExpiredSuppression(_Value):
    """A config suppression past its ``expires`` date: it no longer applies."""

    rule: str
    resource: str
    reason: str
    expires: str
    where: str = ""

    def message(self) -> str:
        """One line for warnings and reports."""
        at = f"{self.where}: " if self.where else ""
        return (
            f"{at}suppression of {self.rule} on {self.resource} expired on {self.expires}"
            f" ({self.reason}); its findings count again"
        )


class Baseline(_Value):
    """The fingerprints of a previous ``findings.json``: findings seen before are not new."""

    source: str
    fingerprints: frozenset[str] = Field(default_factory=frozenset)


def load_baseline(path: Path | str) -> Baseline:
    """Read a previous ``sgaudit check --format json`` document (``findings[].fingerprint``)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}:{exc.lineno}: baseline is not valid JSON: {exc.msg}") from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise ConfigError(f"{p}: not a findings.json document (no 'findings' list)")
    prints = set()
    for i, f in enumerate(findings):
        fp = f.get("fingerprint") if isinstance(f, dict) else None
        if not isinstance(fp, str) or not fp:
            raise ConfigError(f"{p}: findings[{i}] has no fingerprint")
        prints.add(fp)
    return Baseline(source=str(p), fingerprints=frozenset(prints))


class CheckOutcome(_Value):
    """What one run produced: findings (sorted), intent verdicts, expired suppressions, rules run."""

    findings: list[Finding]
    intents: list[IntentResult]
    expired_suppressions: list[ExpiredSuppression] = Field(default_factory=list)
    rules: list[RuleInfo] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def report(self, snapshot: SnapshotSummary) -> CheckReport:
        """The ``check --format json`` document."""
        return CheckReport.build(snapshot, self.findings, self.intents)

    def failing(self, threshold: Severity | None) -> list[Finding]:
        """Unsuppressed findings at or above ``threshold`` (``None``: never fail)."""
        if threshold is None:
            return []
        return [f for f in self.findings if not f.suppressed and f.severity.at_least(threshold)]


def _resource_tags(inv: Inventory, resource: str) -> dict[str, str]:
    """The tags of a finding's main resource, when the snapshot has them."""
    kind, _, ident = resource.partition(":")
    if resource.startswith("sg-") and resource in inv.security_groups:
        return inv.security_groups[resource].tags
    if resource.startswith("eni-") and resource in inv.network_interfaces:
        return inv.network_interfaces[resource].tags
    if resource.startswith("acl-") and resource in inv.network_acls:
        return inv.network_acls[resource].tag_map
    if kind == "ec2" or resource.startswith("i-"):
        inst = inv.instances.get(ident or resource)
        return inst.tag_map if inst else {}
    if kind == "eni":
        eni = inv.network_interfaces.get(ident)
        return eni.tags if eni else {}
    if kind == "rds":
        db = inv.db_instances.get(ident)
        return db.tag_map if db else {}
    if kind == "rds-cluster":
        cl = inv.db_clusters.get(ident)
        return {t.key: t.value for t in cl.tag_list} if cl else {}
    if kind == "ecs":
        cluster, _, name = ident.partition("/")
        for svc in inv.ecs_services.values():
            if svc.service_name == name and inv.cluster_name(svc.cluster_arn) == cluster:
                return svc.tag_map
    return {}


def _tag_suppression(inv: Inventory, finding: Finding) -> Suppression | None:
    value = _resource_tags(inv, finding.resource).get(IGNORE_TAG)
    if value is None:
        return None
    names = {n.strip() for n in value.split(",") if n.strip()}
    if names & {"*", "all", finding.name, finding.rule, finding.rule.lower()}:
        return Suppression(kind="tag", reason=f"tag {IGNORE_TAG}={value} on {finding.resource}")
    return None


def _suppress(
    findings: Iterable[Finding],
    inv: Inventory,
    active: list[SuppressionSpec],
    baseline: Baseline | None,
) -> list[Finding]:
    out = []
    for f in findings:
        suppression = next((s.to_suppression() for s in active if s.matches(f)), None)
        suppression = suppression or _tag_suppression(inv, f)
        if suppression is None and baseline is not None and f.fingerprint in baseline.fingerprints:
            suppression = Suppression(kind="baseline", reason=f"present in baseline {baseline.source}")
        if suppression is not None:
            out.append(f.model_copy(update={"suppressed": True, "suppression": suppression}))
        else:
            out.append(f)
    return out


# The name run_checks looks the scope up by (a test swaps it for a no-op).
_collector_spares_existing_objects = collector_spares_existing_objects


def run_checks(
    engine: Engine,
    rulepack: RulePack,
    config: AuditConfig | None = None,
    *,
    baseline: Baseline | Path | str | None = None,
    today: date | None = None,
    infer_intents: bool = True,
) -> CheckOutcome:
    """Run every rule of ``rulepack`` (with ``config``'s overrides) and every intent.

    ``baseline`` is a previous ``findings.json`` (or a loaded :class:`Baseline`); ``today`` decides
    which suppressions have expired (default: the local date).
    """
    config = config or AuditConfig()
    if baseline is not None and not isinstance(baseline, Baseline):
        baseline = load_baseline(baseline)
    pack = config.apply_to(rulepack)
    ctx = CheckContext(engine, config, pack)
    findings: dict[str, Finding] = {}
    with _collector_spares_existing_objects():
        ctx.intents = tuple(evaluate_intents(ctx, infer=infer_intents))
        spare_what_exists()
        for spec in pack.rules:
            for f in get_check(spec.check.function).run(ctx, spec):
                # Two identical findings of one rule (same resource and detail) are one.
                findings.setdefault(f.fingerprint, f)
            spare_what_exists()
    day = today or date.today()
    active = [s for s in config.suppressions if not s.expired(day)]
    expired = [
        ExpiredSuppression(
            rule=s.rule,
            resource=s.resource,
            reason=s.reason,
            expires=s.expires.isoformat() if s.expires else "",
            where=s.where,
        )
        for s in config.suppressions
        if s.expired(day)
    ]
    for e in expired:
        log.warning("%s", e.message())
    result = sorted(_suppress(findings.values(), ctx.inventory, active, baseline), key=Finding.sort_key)
    return CheckOutcome(
        findings=result,
        intents=[c.to_result() for c in ctx.intents],
        expired_suppressions=expired,
        rules=pack.rule_infos(),
        warnings=[e.message() for e in expired],
    )
