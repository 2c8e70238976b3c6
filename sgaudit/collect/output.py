"""Writing a snapshot: JSON as the AWS CLI prints it, built aside and moved into place at once.

The files are written into a temporary sibling of the target, ``manifest.json`` last, and the
result is renamed into place, so an interrupted collection never leaves something that looks like a
complete snapshot. ``-o NAME.zip`` writes a zip of the same tree the same way.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import uuid
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sgaudit.errors import UsageError
from sgaudit.snapshot.manifest import MANIFEST_NAME, Manifest


def _default(value: Any) -> Any:
    # Datetimes as ISO-8601 strings, blobs as base64: what the AWS CLI prints for them.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} to a snapshot file")


def dumps(content: Any) -> str:
    """``content`` as the AWS CLI's ``--output json`` would print it."""
    return json.dumps(content, indent=4, ensure_ascii=False, default=_default) + "\n"


def is_zip(target: Path) -> bool:
    """True when ``target`` names a zip file rather than a folder."""
    return target.suffix.lower() == ".zip"


def check_target(target: Path) -> None:
    """Refuse, before collecting anything, a target that cannot receive a snapshot."""
    if is_zip(target):
        if target.is_dir():
            raise UsageError(f"output {target} is a folder, not a zip file")
    elif target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"output folder {target} already exists and is not empty")
    if target.parent.exists() and not target.parent.is_dir():
        raise UsageError(f"output {target}: {target.parent} is not a folder")


def write_snapshot(target: Path, files: Mapping[str, Any], manifest: Manifest) -> Path:
    """Write ``files`` (relative '/'-path -> JSON content) and the manifest to ``target``."""
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    manifest_text = manifest.model_dump_json(indent=2) + "\n"
    try:
        if is_zip(target):
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name in sorted(files):
                    archive.writestr(name, dumps(files[name]))
                archive.writestr(MANIFEST_NAME, manifest_text)
            os.replace(temporary, target)
        else:
            for name in sorted(files):
                path = temporary / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(dumps(files[name]), encoding="utf-8")
            temporary.mkdir(exist_ok=True)  # a collection with no scope still gets its manifest
            (temporary / MANIFEST_NAME).write_text(manifest_text, encoding="utf-8")
            if target.exists():  # an empty folder, checked above
                target.rmdir()
            os.rename(temporary, target)
    except BaseException as exc:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write snapshot {target}: {exc.strerror or exc}") from exc
        raise
    return target
