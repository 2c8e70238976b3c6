"""Lambda response shapes."""

from __future__ import annotations

from pydantic import Field, SecretStr

from sgaudit.model.base import AwsModel


class LambdaVpcConfig(AwsModel):
    """A function's VPC configuration."""

    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    vpc_id: str | None = None
    ipv6_allowed_for_dual_stack: bool = False


class LambdaEnvironment(AwsModel):
    """A function's environment. Values are secret: sgaudit never prints them."""

    variables: dict[str, SecretStr] = Field(default_factory=dict)


class LambdaFunction(AwsModel):
    """A Lambda function (``list-functions``)."""

    function_name: str
    function_arn: str | None = None
    runtime: str | None = None
    vpc_config: LambdaVpcConfig | None = None
    environment: LambdaEnvironment | None = None
    state: str | None = None

    @property
    def in_vpc(self) -> bool:
        """True when the function has interfaces in a VPC."""
        return bool(self.vpc_config and self.vpc_config.subnet_ids)
