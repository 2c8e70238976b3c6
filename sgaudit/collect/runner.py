"""``collect_snapshot``: read every scope's inventory in one thread pool and write the snapshot."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import boto3
from pydantic import BaseModel, ConfigDict, Field

from sgaudit import __version__
from sgaudit.collect import ec2, ecs, elbv2, lambda_, rds
from sgaudit.collect.output import check_target, write_snapshot
from sgaudit.collect.plan import SERVICES
from sgaudit.collect.scope import Job, ScopeContext
from sgaudit.collect.session import base_session, client_config, open_accounts
from sgaudit.snapshot.manifest import Manifest

log = logging.getLogger(__name__)

_COLLECTORS: dict[str, Callable[[ScopeContext], list[Job]]] = {
    "ec2": ec2.jobs,
    "ecs": ecs.jobs,
    "rds": rds.jobs,
    "elbv2": elbv2.jobs,
    "lambda": lambda_.jobs,
}


class CollectOptions(BaseModel):
    """What to collect and where to write it (the options of ``sgaudit collect``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str | None = None
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    role_arns: tuple[str, ...] = ()
    output: Path | None = Field(
        default=None, description="folder or .zip; default sgaudit-snapshot-<UTC timestamp>"
    )
    max_workers: int = Field(default=16, ge=1, le=64)


class CollectResult(BaseModel):
    """Where the snapshot was written and what its manifest says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    manifest: Manifest


class ProgressListener(Protocol):
    """Told about jobs as they are scheduled and finished (always from the calling thread)."""

    def added(self, count: int) -> None:
        """``count`` more jobs were scheduled."""

    def finished(self, label: str) -> None:
        """The job ``label`` finished."""


def default_output(now: datetime) -> Path:
    """``sgaudit-snapshot-<UTC timestamp>`` in the current folder."""
    return Path(f"sgaudit-snapshot-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}")


def _run_jobs(pool: ThreadPoolExecutor, jobs: Iterable[Job], progress: ProgressListener | None) -> None:
    pending: dict[Future[Any], Job] = {}

    def submit(batch: Iterable[Job]) -> None:
        batch = list(batch)
        if progress is not None and batch:
            progress.added(len(batch))
        for job in batch:
            pending[pool.submit(job.run)] = job

    submit(jobs)
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            job = pending.pop(future)
            # Only botocore errors are caught (inside the scope); anything else is a bug and stops.
            follow = future.result()
            if progress is not None:
                progress.finished(job.label)
            submit(follow)


def collect_snapshot(
    options: CollectOptions,
    *,
    session: boto3.Session | None = None,
    progress: ProgressListener | None = None,
) -> CollectResult:
    """Collect every account and region of ``options`` and write the snapshot.

    ``session`` replaces the ``--profile`` session (tests register botocore event hooks on it).
    Raises :class:`~sgaudit.errors.CollectionError` or :class:`~sgaudit.errors.UsageError` when
    collection cannot start; failures of individual calls are recorded in the manifest instead.
    """
    started = datetime.now(UTC)
    target = options.output or default_output(started)
    check_target(target)
    config = client_config(options.max_workers)
    accounts, errors = open_accounts(
        session or base_session(options.profile),
        regions=options.regions,
        all_regions=options.all_regions,
        role_arns=options.role_arns,
        config=config,
    )
    scopes = [
        ScopeContext(
            account=account.account_id,
            region=region,
            # Clients are created here, on one thread: sessions are not thread-safe, clients are.
            clients={svc: account.session.client(svc, region_name=region, config=config) for svc in SERVICES},
        )
        for account in accounts
        for region in account.regions
    ]
    pool = ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="sgaudit-collect")
    try:
        _run_jobs(
            pool, (job for scope in scopes for svc in SERVICES for job in _COLLECTORS[svc](scope)), progress
        )
    finally:
        # On an error (or Ctrl-C) do not wait for queued calls that nobody will read.
        pool.shutdown(wait=True, cancel_futures=True)
    files: dict[str, Any] = {}
    records = []
    for scope in scopes:
        record, scope_files = scope.finish()
        records.append(record)
        files.update(scope_files)
    manifest = Manifest(tool_version=__version__, created_at=started, scopes=records, errors=errors)
    path = write_snapshot(target, files, manifest)
    log.info("snapshot written to %s (%s)", path, "complete" if manifest.complete else "incomplete")
    return CollectResult(path=path, manifest=manifest)
