"""Fixtures for the collector tests: moto's in-process AWS (one per test module), a recording
session per test, and a small estate built once per module (collection only reads it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from collect_helpers import REGION, Aws, Estate, build_estate, describe_stale_security_groups
from moto import mock_aws
from moto.ec2.responses import EC2Response

from tests.moto_threads import request_local_transformers


@pytest.fixture(scope="module")
def moto_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """moto's in-process AWS, with dummy credentials and no user configuration leaking in."""
    empty = tmp_path_factory.mktemp("aws-config")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        # moto 5 lacks DescribeStaleSecurityGroups; the fake is in collect_helpers.
        mp.setattr(
            EC2Response, "describe_stale_security_groups", describe_stale_security_groups, raising=False
        )
        # The collector's threads share this moto; see tests/moto_threads.py.
        request_local_transformers(mp.setattr)
        with mock_aws():
            yield


@pytest.fixture
def aws(moto_aws: None) -> Aws:
    """A fresh session on the module's moto whose API calls are recorded during collections."""
    return Aws.create()


@pytest.fixture(scope="module")
def estate(moto_aws: None) -> Estate:
    """The small estate of collect_helpers.build_estate, built once per module."""
    return build_estate(Aws.create())
