"""Structured logs: one JSON object per line, which CloudWatch Logs Insights can query by field.

Fields passed with ``log.info("...", extra={"run_id": ...})`` become top-level keys. Nothing here
reads the environment, so no variable's value can end up in a log line by accident.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "aws_request_id",
    "taskName",
}

_NOISY = ("botocore", "boto3", "urllib3", "s3transfer")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, message, request id and extra fields."""

    def __init__(self, request_id: str | None = None) -> None:
        super().__init__()
        self.request_id = request_id

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.request_id:
            doc["request_id"] = self.request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, ensure_ascii=False, separators=(",", ":"))


def configure_logging(request_id: str | None = None, level: int = logging.INFO) -> None:
    """Make every root handler emit JSON lines (adding one on stdout when there is none).

    Called at the start of every invocation: the Lambda runtime installs its own handler on the
    root logger, and a warm container keeps the previous invocation's request id otherwise.
    """
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter(request_id))
    root.setLevel(level)
    # botocore logs every credential lookup and retry at INFO/DEBUG; keep the run's own lines readable.
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
