"""The fan-out's last step: lay every part out as one snapshot, then check and report on it.

One snapshot, not one per account, because the questions cross accounts: a peering connection's
other side, a security group referenced as ``account/sg-id``, an RDS instance reached from another
account's tasks. The merged ``manifest.json`` holds every part's scopes; a target whose part is
missing, unreadable or for another scope adds an entry to ``Manifest.errors``, so the snapshot is
incomplete and every report says so. Nothing is dropped quietly.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import boto3
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sgaudit import __version__
from sgaudit.errors import ConfigError, SgauditError, SnapshotError
from sgaudit.fanout.jsonlog import configure_logging
from sgaudit.fanout.report import RunSummary, error_summary, report_run
from sgaudit.fanout.settings import CollectTarget, RunRef, S3Location, load_settings
from sgaudit.fanout.storage import Store, client_config
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest, ScopeRecord

log = logging.getLogger(__name__)

_DOWNLOADERS = 16
_CAUSE_LIMIT = 300
_targets_adapter = TypeAdapter(list[CollectTarget])


class MapOutcome(BaseModel):
    """The Distributed Map's output as the state machine passes it on: where ``ResultWriter`` put the
    map run's results, or the ``Error``/``Cause`` of a map that failed as a whole (its ``Catch``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    map_run_arn: str | None = Field(default=None, alias="MapRunArn")
    result_writer_details: dict[str, str] | None = Field(default=None, alias="ResultWriterDetails")
    error: str | None = Field(default=None, alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class MergedSnapshot(BaseModel):
    """The merged snapshot zip and its manifest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    manifest: Manifest


class _FailedChild(BaseModel):
    # One entry of a ResultWriter FAILED_*.json file: the child's input (a JSON string) and its error.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    input: str = Field(alias="Input")
    error: str | None = Field(default=None, alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class _ResultFile(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    key: str = Field(alias="Key")


class _ResultManifest(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    result_files: dict[str, list[_ResultFile]] = Field(alias="ResultFiles")


def load_targets(store: Store, run: RunRef) -> list[CollectTarget]:
    """The targets the first step planned (the Map's items)."""
    location = S3Location(bucket=run.bucket, key=run.targets_key)
    data = store.get_bytes(location)
    if data is None:
        raise SnapshotError(
            f"{location.uri}: no such object (the run's target list, written by its first step)"
        )
    try:
        return _targets_adapter.validate_json(data)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        raise SnapshotError(f"{location.uri}: item {err['loc'][0]}: {err['msg']}") from None


def _short_cause(cause: str | None) -> str:
    # A Lambda error's Cause is the JSON of {"errorMessage", "errorType", "stackTrace"}.
    if not cause:
        return ""
    try:
        doc = json.loads(cause)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and doc.get("errorMessage"):
        cause = f"{doc.get('errorType', 'Error')}: {doc['errorMessage']}"
    return cause[:_CAUSE_LIMIT]


def child_failures(store: Store, outcome: MapOutcome | None) -> dict[tuple[str, str], str]:
    """Why each failed child failed, by (account, region), from the map run's ResultWriter files."""
    details = (outcome.result_writer_details if outcome else None) or {}
    if "Bucket" not in details or "Key" not in details:
        return {}
    location = S3Location(bucket=details["Bucket"], key=details["Key"])
    data = store.get_bytes(location)
    if data is None:
        return {}
    failures: dict[tuple[str, str], str] = {}
    try:
        manifest = _ResultManifest.model_validate_json(data)
        for entry in manifest.result_files.get("FAILED", []):
            body = store.get_bytes(S3Location(bucket=location.bucket, key=entry.key)) or b"[]"
            for child in TypeAdapter(list[_FailedChild]).validate_json(body):
                target = CollectTarget.model_validate(json.loads(child.input)["target"])
                reason = ": ".join(p for p in (child.error, _short_cause(child.cause)) if p)
                failures[(target.account, target.region)] = reason or "failed"
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        # Only the wording of the errors depends on these files; the parts decide completeness.
        log.warning("map run results unreadable", extra={"object": location.uri, "error": str(exc)[:200]})
    return failures


def _download(store: Store, run: RunRef, targets: Sequence[CollectTarget], folder: Path) -> list[Path | None]:
    folder.mkdir(parents=True, exist_ok=True)

    def fetch(target: CollectTarget) -> Path | None:
        path = folder / f"{target.account}-{target.region}.zip"
        found = store.download(
            S3Location(bucket=run.bucket, key=run.part_key(target.account, target.region)), path
        )
        return path if found else None

    with ThreadPoolExecutor(max_workers=_DOWNLOADERS, thread_name_prefix="sgaudit-merge") as pool:
        return list(pool.map(fetch, targets))


def _safe_member(name: str, scope_path: str) -> bool:
    # A part may only add files inside its own scope's folder (no '..', no absolute paths).
    parts = PurePosixPath(name).parts
    return (
        name.startswith(f"{scope_path}/")
        and name.endswith(".json")
        and ".." not in parts
        and not name.startswith("/")
        and "\\" not in name
    )


def _add_part(
    writer: zipfile.ZipFile, part: Path, target: CollectTarget
) -> tuple[list[ScopeRecord], list[str]]:
    """Copy one part's scope files into ``writer``; its scope records and the errors found."""
    label = target.label
    try:
        with zipfile.ZipFile(part) as archive:
            names = archive.namelist()
            if MANIFEST_NAME not in names:
                return [], [f"{label}: the part has no {MANIFEST_NAME}"]
            manifest = Manifest.model_validate_json(archive.read(MANIFEST_NAME))
            scopes = [s for s in manifest.scopes if (s.account, s.region) == (target.account, target.region)]
            errors = [f"{label}: {e}" for e in manifest.errors]
            if len(scopes) != len(manifest.scopes):
                errors.append(f"{label}: the part holds scopes of other accounts or regions (ignored)")
            if not scopes and not manifest.errors:
                errors.append(f"{label}: the part holds no scope")
            allowed = {s.path for s in scopes}
            for name in names:
                if name == MANIFEST_NAME or name.endswith("/"):
                    continue
                if not any(_safe_member(name, path) for path in allowed):
                    errors.append(f"{label}: the part holds {name!r} outside its scope (ignored)")
                    continue
                writer.writestr(name, archive.read(name))
    except (zipfile.BadZipFile, OSError) as exc:
        return [], [f"{label}: the part is not a readable zip ({exc})"]
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        return [], [f"{label}: the part's manifest, field {'.'.join(map(str, err['loc']))}: {err['msg']}"]
    return scopes, errors


def merge_parts(
    run: RunRef, *, store: Store, workdir: Path, outcome: MapOutcome | None = None
) -> MergedSnapshot:
    """Download every planned part and write ``workdir/snapshot.zip``, one snapshot of all of them."""
    targets = load_targets(store, run)
    failures = child_failures(store, outcome)
    parts = _download(store, run, targets, workdir / "parts")
    scopes: list[ScopeRecord] = []
    errors: list[str] = []
    if outcome is not None and outcome.error:
        errors.append(f"collect map failed: {outcome.error}: {_short_cause(outcome.cause)}".rstrip(": "))
    target_path = workdir / "snapshot.zip"
    with zipfile.ZipFile(target_path, "w", compression=zipfile.ZIP_DEFLATED) as writer:
        for target, part in zip(targets, parts, strict=True):
            if part is None:
                why = failures.get((target.account, target.region))
                errors.append(
                    f"{target.label}: the collect step wrote no part"
                    + (f" ({why})" if why else " (it failed, timed out or never ran; see the map run)")
                )
                continue
            part_scopes, part_errors = _add_part(writer, part, target)
            scopes += part_scopes
            errors += part_errors
            part.unlink()  # keep /tmp at about one copy of the data
        manifest = Manifest(
            tool_version=__version__,
            created_at=run.started_at,
            scopes=sorted(scopes, key=lambda s: (s.account, s.region)),
            errors=errors,
        )
        writer.writestr(MANIFEST_NAME, manifest.model_dump_json(indent=2) + "\n")
    log.log(
        logging.INFO if manifest.complete else logging.ERROR,
        "parts merged",
        extra={
            "run_id": run.run_id,
            "targets": len(targets),
            "scopes": len(scopes),
            "errors": len(errors),
            "failed_scopes": sum(1 for s in scopes if s.errors),
            "complete": manifest.complete,
        },
    )
    return MergedSnapshot(path=target_path, manifest=manifest)


class MergeEvent(BaseModel):
    """The report step's input: the run, its resolved settings and the Map's outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: RunRef
    settings: dict[str, Any] = Field(default_factory=dict)
    map: MapOutcome | None = None


def merge_and_report(
    event: Mapping[str, Any], environ: Mapping[str, str], session: boto3.Session | None = None
) -> RunSummary:
    """Merge the parts of the run in ``event`` and report on the merged snapshot."""
    try:
        parsed = MergeEvent.model_validate(event)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        raise ConfigError(f"report step event field {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    settings = load_settings(parsed.settings, environ)
    session = session or boto3.Session()
    store = Store(session.client("s3", config=client_config()))
    sns = session.client("sns", config=client_config())
    with tempfile.TemporaryDirectory(prefix="sgaudit-merge-") as tmp:
        merged = merge_parts(parsed.run, store=store, workdir=Path(tmp), outcome=parsed.map)
        return report_run(merged.path, settings, parsed.run, store=store, sns=sns, workdir=Path(tmp))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point of the report step (``sgaudit.fanout.merge.handler``)."""
    configure_logging(getattr(context, "aws_request_id", None))
    try:
        summary = merge_and_report(event, os.environ)
    except SgauditError as exc:
        log.error(str(exc), extra={"error": type(exc).__name__})
        return error_summary(exc, _run_of(event)).model_dump(mode="json")
    return summary.model_dump(mode="json")


def _run_of(event: Mapping[str, Any]) -> RunRef | None:
    # For the error summary only: the run's id and date when the event has a valid one.
    try:
        return RunRef.model_validate(event.get("run"))
    except ValidationError:
        return None
