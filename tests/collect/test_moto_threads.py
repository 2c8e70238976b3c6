"""The collector tests' moto keeps one request's response tweaks out of every other request."""

from __future__ import annotations

from moto.ecs.responses import EC2ContainerServiceResponse


def test_a_request_writes_only_its_own_transformers(moto_aws: None) -> None:
    declared = dict(EC2ContainerServiceResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER)
    first, second = EC2ContainerServiceResponse(), EC2ContainerServiceResponse()
    # What DescribeTasks does for include=["TAGS"]; without the patch it writes the class's dict,
    # which a concurrent request may be iterating.
    first._include_in_response("DescribeTasksResponse.tasks.Task.tags")
    assert "DescribeTasksResponse.tasks.Task.tags" in first.RESPONSE_KEY_PATH_TO_TRANSFORMER
    assert declared == second.RESPONSE_KEY_PATH_TO_TRANSFORMER
    assert declared == EC2ContainerServiceResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
