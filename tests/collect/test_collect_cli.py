"""The collect command's own output: the summary line and the progress bar."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from sgaudit.cli.collect_cmd import _RichProgress, summary
from sgaudit.collect import CollectResult
from sgaudit.snapshot.manifest import CallRecord, Manifest, ScopeRecord


def _result(calls: list[CallRecord], errors: list[str]) -> CollectResult:
    scopes = [
        ScopeRecord(account=a, region=r, path=f"accounts/{a}/{r}", calls=calls)
        for a in ("111111111111", "222222222222")
        for r in ("us-east-1", "eu-west-1")
    ]
    manifest = Manifest(
        tool_version="0", created_at=datetime(2024, 1, 1, tzinfo=UTC), scopes=scopes, errors=errors
    )
    return CollectResult(path=Path("snap"), manifest=manifest)


def test_summary_of_a_complete_collection() -> None:
    line = summary(_result([CallRecord(service="ec2", operation="DescribeVpcs", ok=True, calls=3)], []))
    assert line == "sgaudit: collected 2 account(s) x 2 region(s), 12 requests, into snap: complete"


def test_summary_of_an_incomplete_collection_names_the_first_failures() -> None:
    denied = CallRecord(
        service="rds", operation="DescribeDBInstances", ok=False, calls=1, error_code="AccessDenied"
    )
    line = summary(_result([denied], ["sts:AssumeRole arn:aws:iam::3:role/x failed: AccessDenied: no"]))
    assert "\n" not in line
    assert line.startswith(
        "sgaudit: collected 2 account(s) x 2 region(s), 4 requests, into snap: INCOMPLETE, 5 failure(s): "
    )
    assert "sts:AssumeRole arn:aws:iam::3:role/x" in line
    assert "rds:DescribeDBInstances AccessDenied in 111111111111/us-east-1" in line
    assert line.endswith(" and 2 more (see manifest.json)")


def test_progress_bar_grows_with_the_jobs() -> None:
    out = io.StringIO()
    with _RichProgress(Console(file=out, force_terminal=True, width=100)) as bar:
        bar.added(3)
        bar.finished("123/us-east-1 ec2:DescribeVpcs")
        bar.added(2)
        task = bar._progress.tasks[0]
        assert (task.completed, task.total) == (1, 5)
        assert task.description == "123/us-east-1 ec2:DescribeVpcs"
