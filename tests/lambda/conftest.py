"""Fixtures of the Lambda and fan-out tests: a fresh in-process AWS (moto) per test, with dummy
credentials, no user configuration leaking in, and three gaps of moto 5 filled (see below)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from lambda_estate import REGION
from moto import mock_aws
from moto.core.responses import ActionResult
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ec2.responses import EC2Response
from moto.moto_api import state_manager

from tests.moto_threads import request_local_transformers


def _describe_stale_security_groups(self: EC2Response) -> ActionResult:
    # moto 5 lacks this action. An estate where no referenced group was deleted has no stale
    # group, so an empty set is the true answer; an unknown VPC still fails as on AWS.
    self.ec2_backend.get_vpc(self._get_param("VpcId"))
    return ActionResult({"StaleSecurityGroupSet": []})


_original_add_source_group = SecurityGroupBackend._add_source_group


def _add_source_group(self: Any, source_groups: list[dict[str, Any]] | None, vpc_id: str | None) -> Any:
    # moto looks every referenced group up in the caller's own account, so it refuses the
    # `account/sg-id` references AWS accepts across an active peering. Groups of another account
    # are kept as given; the caller's own are still checked.
    foreign = [g for g in source_groups or [] if g.get("UserId") not in (None, self.account_id)]
    local = [g for g in source_groups or [] if g not in foreign]
    return _original_add_source_group(self, local, vpc_id) + foreign


@pytest.fixture
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """moto's in-process AWS, fresh for each test."""
    empty = tmp_path_factory.mktemp("aws-config")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("AWS_", "SGAUDIT_")):
                mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_REGION", REGION)
        mp.setattr(
            EC2Response, "describe_stale_security_groups", _describe_stale_security_groups, raising=False
        )
        mp.setattr(SecurityGroupBackend, "_add_source_group", _add_source_group)
        # The collector's threads share this moto; see tests/moto_threads.py.
        request_local_transformers(mp.setattr)
        # moto moves an ECS task one state further on every describe (RUNNING, DEACTIVATING, ...),
        # so two runs over one estate would differ. Here tasks stay RUNNING, as on AWS.
        state_manager.set_transition(
            model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
        )
        try:
            with mock_aws():
                yield
        finally:
            state_manager.unset_transition("ecs::task")
