"""The few AWS calls of a scheduled run besides collection: S3 GetObject and PutObject, SNS Publish.

Every call goes through here so that a failure becomes one line naming the API call and the object,
and so that the set of write APIs stays exactly PutObject and Publish (a test records the calls).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sgaudit.errors import SgauditError
from sgaudit.fanout.settings import S3Location

log = logging.getLogger(__name__)

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class AwsCallError(SgauditError):
    """An S3 or SNS call of the run failed (after botocore's retries): permissions, bucket, topic."""


def client_config() -> Config:
    """Adaptive retries, as collection uses: S3 and SNS throttle too."""
    return Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="sgaudit-lambda")


def describe(exc: ClientError | BotoCoreError) -> str:
    """``Code: message`` of a botocore error."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def _code(exc: ClientError | BotoCoreError) -> str | None:
    return str(exc.response.get("Error", {}).get("Code")) if isinstance(exc, ClientError) else None


class Store:
    """S3 reads and writes of one run, on one client (clients are thread-safe)."""

    def __init__(self, s3: Any) -> None:
        self.s3 = s3

    def get_bytes(self, location: S3Location) -> bytes | None:
        """The object's content, or None when there is no such key."""
        try:
            response = self.s3.get_object(Bucket=location.bucket, Key=location.key)
            body: bytes = response["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            if _code(exc) in _MISSING:
                return None
            raise AwsCallError(f"s3:GetObject {location.uri} failed: {describe(exc)}") from exc
        return body

    def download(self, location: S3Location, target: Path) -> bool:
        """Write the object to ``target`` in chunks; False when there is no such key."""
        try:
            response = self.s3.get_object(Bucket=location.bucket, Key=location.key)
            with target.open("wb") as out:
                for chunk in response["Body"].iter_chunks(1 << 20):
                    out.write(chunk)
        except (ClientError, BotoCoreError) as exc:
            if _code(exc) in _MISSING:
                return False
            raise AwsCallError(f"s3:GetObject {location.uri} failed: {describe(exc)}") from exc
        return True

    def put_bytes(self, location: S3Location, data: bytes, content_type: str) -> None:
        """Write ``data`` to the object."""
        self._put(location, data, content_type)

    def put_file(self, location: S3Location, source: Path, content_type: str) -> None:
        """Write the file to the object in one PutObject (up to 5 GB, streamed from disk)."""
        with source.open("rb") as body:
            self._put(location, body, content_type)

    def _put(self, location: S3Location, body: Any, content_type: str) -> None:
        try:
            self.s3.put_object(Bucket=location.bucket, Key=location.key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise AwsCallError(f"s3:PutObject {location.uri} failed: {describe(exc)}") from exc
        log.debug("wrote %s", location.uri, extra={"object": location.uri})
