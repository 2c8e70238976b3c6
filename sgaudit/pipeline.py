"""The check pipeline shared by ``sgaudit check``, ``sgaudit demo``, ``sgaudit diff`` and the Lambda:
snapshot -> inventory -> engine -> rule pack and intents -> findings -> report context -> formats.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sgaudit.checks.runner import CheckOutcome, run_checks
from sgaudit.collector import collector_spares_existing_objects, spare_what_exists
from sgaudit.config import AuditConfig, find_default_config, load_config
from sgaudit.engine import Endpoint, Engine
from sgaudit.engine.matrix import compute as compute_matrix_classes
from sgaudit.errors import ExitCode
from sgaudit.findings import (
    CheckReport,
    EndpointView,
    FlowRow,
    NetworkView,
    ReportContext,
    ScopeSummary,
    Severity,
    SnapshotSummary,
)
from sgaudit.inventory import Inventory, load_inventory
from sgaudit.rulepack.loader import load_rulepack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckRun:
    """Everything one check run produced."""

    inventory: Inventory
    engine: Engine
    config: AuditConfig
    outcome: CheckOutcome
    report: CheckReport
    context: ReportContext
    matrix_rows: list[FlowRow]


def snapshot_summary(inv: Inventory) -> SnapshotSummary:
    """The ``snapshot`` block of the report: completeness and every scope's failed calls."""
    scopes = [
        ScopeSummary(
            account=s.account,
            region=s.region,
            errors=[f"{e.service}:{e.operation}: {e.error_code or 'error'}" for e in s.errors],
        )
        for s in inv.scopes
    ]
    if inv.global_errors:
        scopes.append(ScopeSummary(account=None, region=None, errors=list(inv.global_errors)))
    return SnapshotSummary(
        complete=inv.complete,
        scopes=scopes,
        source=inv.source.name if inv.source else None,
        created_at=inv.created_at,
    )


def _endpoint_view(ep: Endpoint) -> EndpointView:
    return EndpointView(
        selector=ep.selector,
        label=ep.label,
        kind=ep.kind.value,
        vpc=ep.vpc_ids[0] if ep.vpc_ids else None,
        tier=ep.tier,
        public=ep.public,
    )


def compute_matrix_rows(engine: Engine) -> list[FlowRow]:
    """Every allowed flow (source, destination, protocol, ports), internet included, as plain tuples."""
    return list(compute_matrix_classes(engine, include_internet=True).iter_flows())


def network_view(engine: Engine, rows: list[FlowRow]) -> NetworkView:
    """Endpoints and allowed flows for the picture, the Mermaid chart and the matrix of the reports."""
    endpoints = engine.endpoints()
    views = [_endpoint_view(ep) for ep in endpoints]
    internet = engine.resolve("internet")
    views.insert(0, _endpoint_view(internet))
    # The rows go in as they are: a large estate has millions, and one model per flow cost more time than
    # computing the matrix (and most of the run's memory).
    return NetworkView.from_rows(views, rows)


def run_check(
    snapshot: Path | str,
    *,
    config_path: Path | str | None = None,
    rules_dir: Path | str | None = None,
    baseline_path: Path | str | None = None,
    today: date | None = None,
    generated_at: str | None = None,
    inventory: Inventory | None = None,
) -> CheckRun:
    """Run every rule and intent on a snapshot.

    ``config_path`` defaults to ``sgaudit.yaml`` in the working directory when it exists.
    ``generated_at`` goes into the report context (golden tests leave it unset).
    """
    inv = inventory or load_inventory(snapshot)
    path = Path(config_path) if config_path else find_default_config()
    config = load_config(path) if path else AuditConfig()
    engine = Engine(inv, config.engine_options())
    pack = load_rulepack(rules_dir) if rules_dir else load_rulepack()
    # One scope for every stage after loading: each one's full collections would otherwise rescan the
    # inventory and the engine again (and then the matrix rows), millions of objects on a large estate.
    with collector_spares_existing_objects():
        outcome = run_checks(engine, pack, config, baseline=baseline_path, today=today)
        report = outcome.report(snapshot_summary(inv))
        rows = sorted(compute_matrix_rows(engine))
        spare_what_exists()
        context = ReportContext(
            report=report,
            rules=outcome.rules,
            network=network_view(engine, rows),
            generated_at=generated_at,
        )
    return CheckRun(
        inventory=inv,
        engine=engine,
        config=config,
        outcome=outcome,
        report=report,
        context=context,
        matrix_rows=rows,
    )


def now_iso() -> str:
    """The current UTC time, as reports print it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_fail_on(value: str) -> Severity | None:
    """``--fail-on``: a severity, or ``never`` (None)."""
    return None if value == "never" else Severity(value)


def exit_code(run: CheckRun, fail_on: Severity | None, *, allow_partial: bool = False) -> int:
    """0 clean, 1 findings at or above ``fail_on``, 3 incomplete snapshot (unless ``allow_partial``)."""
    if not run.inventory.complete and not allow_partial:
        return int(ExitCode.INCOMPLETE)
    if run.outcome.failing(fail_on):
        return int(ExitCode.FINDINGS)
    return int(ExitCode.CLEAN)


def render_output(fmt: str, run: CheckRun, *, color: bool = False) -> str:
    """One format of the run's report (``text``, ``json``, ``sarif``, ``junit``, ``markdown``, ``html``)."""
    from sgaudit.formats import OutputFormat, render  # noqa: PLC0415 - report renderers load on use

    # The run (inventory, engine, matrix, context) is done growing: rendering needs no collection of it.
    with collector_spares_existing_objects():
        return render(OutputFormat(fmt), run.context, color=color)
