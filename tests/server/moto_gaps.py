"""Start ``moto_server`` with two gaps of moto 5 filled, for the server tests.

Run as ``python moto_gaps.py -H 127.0.0.1 -p PORT`` (the arguments of ``moto_server``):

- moto has no DescribeStaleSecurityGroups (it answers HTTP 500, which botocore retries and then
  records as a failure). An estate where no referenced group was deleted has no stale group, so
  an empty set is the true answer; an unknown VPC still fails as on AWS.
- moto moves an ECS task one state further on every describe (RUNNING, DEACTIVATING, ...), so
  two snapshots of one estate would differ. Tasks here stay RUNNING, as on AWS between two looks.
- moto writes per-request tweaks into a dict shared by all requests, which races between the
  server's threads (tests/moto_threads.py); each request gets its own copy.
"""

from __future__ import annotations

import sys
from pathlib import Path

from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response
from moto.moto_api import state_manager
from moto.server import main

# Run as a script, so the repository root is not on the path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.moto_threads import request_local_transformers


def describe_stale_security_groups(self: EC2Response) -> ActionResult:
    """DescribeStaleSecurityGroups of an estate without stale references."""
    self.ec2_backend.get_vpc(self._get_param("VpcId"))
    return ActionResult({"StaleSecurityGroupSet": []})


def patch() -> None:
    """Fill the gaps in this process's moto."""
    EC2Response.describe_stale_security_groups = describe_stale_security_groups  # type: ignore[attr-defined]
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    request_local_transformers()


if __name__ == "__main__":
    patch()
    main(sys.argv[1:])
