"""The fan-out's collect step: one account and region per invocation, written to S3 as one part.

A part is a snapshot zip exactly as ``sgaudit collect -o part.zip`` writes it for that one scope
(``accounts/<id>/<region>/*.json`` and a ``manifest.json`` recording every call). A collection that
cannot start (the role cannot be assumed, no credentials) still writes a part: a manifest with the
failure in ``errors``, so the merged snapshot says which account failed and why. Only a crash (timeout,
out of memory) leaves no part, and the merge step reports those as missing.

This module imports the collectors and nothing of the check pipeline, so its cold start stays small.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sgaudit import __version__
from sgaudit.collect import CollectOptions, collect_snapshot
from sgaudit.errors import ConfigError, SgauditError
from sgaudit.fanout.jsonlog import configure_logging
from sgaudit.fanout.settings import CollectTarget, RunRef, S3Location
from sgaudit.fanout.storage import Store, client_config
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest

log = logging.getLogger(__name__)

_DEFAULT_WORKERS = 16


class ChildEvent(BaseModel):
    """One item of the Distributed Map, as its ``ItemSelector`` builds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: CollectTarget
    run: RunRef


class PartResult(BaseModel):
    """What the collect step returns: where its part is and whether every call succeeded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    region: str
    key: str
    complete: bool
    errors: list[str] = Field(default_factory=list, description="failures outside the scope's calls")
    failed_calls: int = 0


def _failure_part(path: Path, message: str) -> Manifest:
    manifest = Manifest(tool_version=__version__, created_at=datetime.now(UTC), errors=[message])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, manifest.model_dump_json(indent=2) + "\n")
    return manifest


def _foreign_scopes(manifest: Manifest, target: CollectTarget) -> list[str]:
    return [
        f"{s.account}/{s.region}"
        for s in manifest.scopes
        if (s.account, s.region) != (target.account, target.region)
    ]


def collect_part(
    target: CollectTarget,
    run: RunRef,
    *,
    workdir: Path,
    session: boto3.Session | None = None,
    max_workers: int = _DEFAULT_WORKERS,
) -> PartResult:
    """Collect ``target`` and upload its part to ``run.part_key(account, region)``."""
    session = session or boto3.Session()
    path = workdir / "part.zip"
    options = CollectOptions(
        regions=(target.region,),
        role_arns=(target.role_arn,) if target.role_arn else (),
        output=path,
        max_workers=max_workers,
    )
    try:
        manifest = collect_snapshot(options, session=session).manifest
    except SgauditError as exc:
        log.error("collection could not start", extra={"target": target.label, "error": str(exc)})
        manifest = _failure_part(path, f"collect step could not start: {exc}")
    else:
        foreign = _foreign_scopes(manifest, target)
        if foreign:
            # The role led somewhere else (a role ARN of another account, or no role and the wrong
            # credentials): keeping that data would file it under the wrong account.
            path.unlink()
            manifest = _failure_part(
                path,
                f"collect step for {target.label} collected {', '.join(foreign)} instead"
                f" (role {target.role_arn or 'none: the function credentials'})",
            )
    key = run.part_key(target.account, target.region)
    store = Store(session.client("s3", config=client_config()))
    store.put_file(S3Location(bucket=run.bucket, key=key), path, "application/zip")
    result = PartResult(
        account=target.account,
        region=target.region,
        key=key,
        complete=manifest.complete,
        errors=list(manifest.errors),
        failed_calls=sum(len(s.errors) for s in manifest.scopes),
    )
    level = logging.INFO if result.complete else logging.WARNING
    log.log(
        level,
        "part written",
        extra={"target": target.label, **result.model_dump(exclude={"account", "region"})},
    )
    return result


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point of the collect step (``sgaudit.fanout.child.handler``)."""
    configure_logging(getattr(context, "aws_request_id", None))
    try:
        parsed = ChildEvent.model_validate(event)
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        # A malformed item is a bug in the state machine definition: fail the child loudly.
        raise ConfigError(f"collect step event field {where}: {err['msg']}") from None
    workers = int(os.environ.get("SGAUDIT_MAX_WORKERS") or _DEFAULT_WORKERS)
    # A warm container keeps /tmp between invocations: each part gets a fresh folder.
    with tempfile.TemporaryDirectory(prefix="sgaudit-part-") as tmp:
        result = collect_part(parsed.target, parsed.run, workdir=Path(tmp), max_workers=workers)
    return result.model_dump(mode="json")
