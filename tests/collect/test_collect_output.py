"""Where and how a snapshot is written, and how collection refuses to start."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from collect_helpers import REGION, Aws, read_snapshot

from sgaudit.cli import main
from sgaudit.collect import default_output, output
from sgaudit.collect.session import client_config, open_accounts
from sgaudit.errors import UsageError
from sgaudit.snapshot.manifest import MANIFEST_NAME


def test_zip_holds_the_same_tree_with_the_manifest_last(aws: Aws, tmp_path: Path) -> None:
    folder = aws.collect(tmp_path, "snap").path
    archive = aws.collect(tmp_path, "snap.zip").path
    assert archive == tmp_path / "snap.zip" and archive.is_file()
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
    assert names[-1] == MANIFEST_NAME
    in_zip, in_folder = read_snapshot(archive), read_snapshot(folder)
    assert set(in_zip) == set(in_folder)
    assert {k: v for k, v in in_zip.items() if k != MANIFEST_NAME} == {
        k: v for k, v in in_folder.items() if k != MANIFEST_NAME
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap", "snap.zip"]


def test_a_non_empty_folder_is_refused_before_any_call(aws: Aws, tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        aws.collect(tmp_path, "snap")
    assert not aws.calls
    assert [p.name for p in (tmp_path / "snap").iterdir()] == ["keep.txt"]


def test_an_empty_folder_is_filled(aws: Aws, tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    assert (aws.collect(tmp_path, "snap").path / MANIFEST_NAME).is_file()


def test_a_failed_write_leaves_nothing(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Any] = []

    def failing_dumps(content: Any) -> str:
        written.append(content)
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        return json.dumps(content, default=str)

    monkeypatch.setattr(output, "dumps", failing_dumps)
    with pytest.raises(UsageError, match="No space left on device"):
        aws.collect(tmp_path, "snap")
    assert list(tmp_path.iterdir()) == []


def test_values_are_written_as_the_cli_prints_them() -> None:
    moment = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    text = output.dumps(
        {
            "A": [
                {
                    "T": moment,
                    "B": b"\x00\x01",
                    "L": datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=2))),
                }
            ]
        }
    )
    assert json.loads(text) == {
        "A": [{"T": "2024-05-01T12:30:00+00:00", "B": "AAE=", "L": "2024-05-01T00:00:00+02:00"}]
    }
    assert text.startswith('{\n    "A"')  # indented by 4, like `aws --output json`
    with pytest.raises(TypeError):
        output.dumps({"x": object()})


def test_default_output_is_a_utc_timestamped_folder(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert default_output(datetime(2024, 5, 1, 14, 5, 9, tzinfo=timezone(timedelta(hours=2)))) == Path(
        "sgaudit-snapshot-20240501T120509Z"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["collect"]) == 0  # region from AWS_DEFAULT_REGION
    (made,) = tmp_path.iterdir()
    assert re.fullmatch(r"sgaudit-snapshot-\d{8}T\d{6}Z", made.name)
    assert (made / "accounts" / "123456789012" / REGION / "ec2-describe-vpcs.json").is_file()


def test_all_regions_means_the_enabled_ones(aws: Aws) -> None:
    listed = aws.client("ec2").describe_regions()["Regions"]
    enabled = sorted(r["RegionName"] for r in listed if r["OptInStatus"] != "not-opted-in")
    assert 0 < len(enabled) < len(listed)  # moto lists some opt-in regions as not opted in
    (account,), errors = open_accounts(
        aws.session, regions=(), all_regions=True, role_arns=(), config=client_config(4)
    )
    assert account.regions == tuple(enabled) and errors == []


@pytest.mark.parametrize(
    "case",
    [
        (["collect", "--region", "us-esat-1x"], 2, "not an AWS region name"),
        (["collect", "--region", "us-esat-1"], 2, "not a region this botocore knows"),
        (["collect", "--profile", "nope"], 2, "profile 'nope' not found"),
        (["collect", "--region", REGION, "--all-regions"], 2, "not allowed with argument"),
    ],
)
def test_cli_refuses_to_start_on_bad_arguments(
    aws: Aws, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[list[str], int, str]
) -> None:
    argv, code, message = case
    assert main([*argv, "-o", str(tmp_path / "s")]) == code
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert message in line
    assert list(tmp_path.iterdir()) == []


def test_cli_without_credentials_exits_3(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookup
    assert main(["collect", "--region", REGION, "-o", str(tmp_path / "s")]) == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("sgaudit: error: no AWS credentials found")
    assert list(tmp_path.iterdir()) == []


def test_cli_without_a_region_exits_2(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert main(["collect", "-o", str(tmp_path / "s")]) == 2
    assert "no region" in capsys.readouterr().err
