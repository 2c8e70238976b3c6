"""The collection plan: every AWS operation ``sgaudit collect`` calls, in one declarative table.

This table is the single source of truth for what collection does: the collectors read their page
sizes, batch sizes, result keys and output files from it, the read-only test walks it, and the IAM
policy is generated from :func:`iam_actions`. Page sizes are the maximum each API accepts
(``reference/aws-network-facts.md`` section 3, checked against the botocore service model by the
tests), so collection makes the fewest requests AWS allows.
"""

from __future__ import annotations

from botocore import xform_name
from pydantic import BaseModel, ConfigDict, Field

# IAM action prefixes differ from boto3 service names for ELBv2.
_IAM_PREFIX = {
    "ec2": "ec2",
    "ecs": "ecs",
    "rds": "rds",
    "elbv2": "elasticloadbalancing",
    "lambda": "lambda",
}

# boto3 service names in the order collection schedules them (EC2 first: it has the most calls).
SERVICES = ("ec2", "ecs", "rds", "elbv2", "lambda")


class OperationSpec(BaseModel):
    """One AWS operation of the plan: how to page or batch it and where its result goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(description="boto3 service name, e.g. 'ec2'")
    operation: str = Field(description="API operation name, e.g. 'DescribeSecurityGroups'")
    result_key: str = Field(description="top-level key of one response holding the items")
    page_size_param: str | None = Field(default=None, description="the paginator's limit parameter")
    page_size: int | None = Field(default=None, description="the limit sent: the API's maximum")
    batch_param: str | None = Field(default=None, description="list parameter of a batch describe call")
    batch_size: int | None = Field(default=None, description="the most items one batch call accepts")
    per: str | None = Field(
        default=None, description="what one call (or pagination) is made for, when not once per region"
    )
    depends_on: tuple[str, ...] = Field(
        default=(), description="operations whose results are this operation's input"
    )
    output_key: str | None = Field(default=None, description="top-level key of the snapshot file")
    file_name: str | None = Field(
        default=None, description="snapshot file, or None when merged into another operation's file"
    )
    params: tuple[tuple[str, tuple[str, ...]], ...] = Field(
        default=(), description="fixed extra list parameters, e.g. include=TAGS"
    )

    @property
    def method(self) -> str:
        """The boto3 client method, e.g. ``describe_security_groups``."""
        return str(xform_name(self.operation))

    @property
    def iam_action(self) -> str:
        """The IAM action this operation needs, e.g. ``ec2:DescribeSecurityGroups``."""
        return f"{_IAM_PREFIX[self.service]}:{self.operation}"

    @property
    def paginated(self) -> bool:
        """True when the operation is read through a botocore paginator."""
        return self.page_size_param is not None

    @property
    def extra_params(self) -> dict[str, list[str]]:
        """The fixed extra parameters as boto3 keyword arguments."""
        return {name: list(values) for name, values in self.params}


def _file(service: str, operation: str) -> str:
    # Named like the AWS CLI command that prints the same JSON: `aws ec2 describe-security-groups`.
    return f"{service}-{xform_name(operation, '-')}.json"


def _listing(
    service: str,
    operation: str,
    key: str,
    limit: str,
    size: int,
    *,
    per: str | None = None,
    depends_on: tuple[str, ...] = (),
    to_file: bool = True,
) -> OperationSpec:
    """A paginated operation whose merged pages are written as they are."""
    return OperationSpec(
        service=service,
        operation=operation,
        result_key=key,
        page_size_param=limit,
        page_size=size,
        per=per,
        depends_on=depends_on,
        output_key=key if to_file else None,
        file_name=_file(service, operation) if to_file else None,
    )


_TAGS = (("include", ("TAGS",)),)

PLAN: tuple[OperationSpec, ...] = (
    # --- EC2: every network object, paged at MaxResults' maximum.
    _listing("ec2", "DescribeSecurityGroups", "SecurityGroups", "MaxResults", 1000),
    _listing("ec2", "DescribeSecurityGroupRules", "SecurityGroupRules", "MaxResults", 1000),
    _listing("ec2", "DescribeNetworkInterfaces", "NetworkInterfaces", "MaxResults", 1000),
    _listing("ec2", "DescribeInstances", "Reservations", "MaxResults", 1000),
    _listing("ec2", "DescribeSubnets", "Subnets", "MaxResults", 1000),
    _listing("ec2", "DescribeVpcs", "Vpcs", "MaxResults", 1000),
    _listing("ec2", "DescribeRouteTables", "RouteTables", "MaxResults", 100),
    _listing("ec2", "DescribeNetworkAcls", "NetworkAcls", "MaxResults", 1000),
    _listing("ec2", "DescribeInternetGateways", "InternetGateways", "MaxResults", 1000),
    _listing("ec2", "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways", "MaxResults", 255),
    _listing("ec2", "DescribeNatGateways", "NatGateways", "MaxResults", 1000),
    _listing("ec2", "DescribeVpcPeeringConnections", "VpcPeeringConnections", "MaxResults", 1000),
    _listing("ec2", "DescribeVpcEndpoints", "VpcEndpoints", "MaxResults", 1000),
    # Each prefix list carries its entries as `Entries` in the same file (DESIGN.md section 2).
    _listing("ec2", "DescribeManagedPrefixLists", "PrefixLists", "MaxResults", 100),
    _listing(
        "ec2",
        "GetManagedPrefixListEntries",
        "Entries",
        "MaxResults",
        100,
        per="prefix list",
        depends_on=("DescribeManagedPrefixLists",),
        to_file=False,
    ),
    # VpcId is required, so one pagination per VPC.
    _listing(
        "ec2",
        "DescribeStaleSecurityGroups",
        "StaleSecurityGroupSet",
        "MaxResults",
        255,
        per="VPC",
        depends_on=("DescribeVpcs",),
    ),
    _listing("ec2", "DescribeTransitGateways", "TransitGateways", "MaxResults", 1000),
    _listing("ec2", "DescribeTransitGatewayAttachments", "TransitGatewayAttachments", "MaxResults", 1000),
    # --- ECS: list, then describe in the largest batches the API takes.
    _listing("ecs", "ListClusters", "clusterArns", "maxResults", 100, to_file=False),
    OperationSpec(
        service="ecs",
        operation="DescribeClusters",
        result_key="clusters",
        batch_param="clusters",
        batch_size=100,
        depends_on=("ListClusters",),
        output_key="clusters",
        file_name=_file("ecs", "DescribeClusters"),
        params=_TAGS,
    ),
    _listing(
        "ecs",
        "ListServices",
        "serviceArns",
        "maxResults",
        100,
        per="cluster",
        depends_on=("ListClusters",),
        to_file=False,
    ),
    OperationSpec(
        service="ecs",
        operation="DescribeServices",
        result_key="services",
        batch_param="services",
        batch_size=10,
        per="cluster",
        depends_on=("ListServices",),
        output_key="services",
        file_name=_file("ecs", "DescribeServices"),
        params=_TAGS,
    ),
    _listing(
        "ecs",
        "ListTasks",
        "taskArns",
        "maxResults",
        100,
        per="cluster",
        depends_on=("ListClusters",),
        to_file=False,
    ),
    OperationSpec(
        service="ecs",
        operation="DescribeTasks",
        result_key="tasks",
        batch_param="tasks",
        batch_size=100,
        per="cluster",
        depends_on=("ListTasks",),
        output_key="tasks",
        file_name=_file("ecs", "DescribeTasks"),
        params=_TAGS,
    ),
    # One call per distinct task definition ARN of the services (all deployments) and tasks.
    OperationSpec(
        service="ecs",
        operation="DescribeTaskDefinition",
        result_key="taskDefinition",
        per="task definition",
        depends_on=("DescribeServices", "DescribeTasks"),
        output_key="taskDefinitions",
        file_name=_file("ecs", "DescribeTaskDefinition"),
    ),
    _listing(
        "ecs",
        "ListContainerInstances",
        "containerInstanceArns",
        "maxResults",
        100,
        per="cluster",
        depends_on=("ListClusters",),
        to_file=False,
    ),
    OperationSpec(
        service="ecs",
        operation="DescribeContainerInstances",
        result_key="containerInstances",
        batch_param="containerInstances",
        batch_size=100,
        per="cluster",
        depends_on=("ListContainerInstances",),
        output_key="containerInstances",
        file_name=_file("ecs", "DescribeContainerInstances"),
    ),
    # --- RDS: MaxRecords accepts 20-100.
    _listing("rds", "DescribeDBInstances", "DBInstances", "MaxRecords", 100),
    _listing("rds", "DescribeDBClusters", "DBClusters", "MaxRecords", 100),
    _listing("rds", "DescribeDBSubnetGroups", "DBSubnetGroups", "MaxRecords", 100),
    # --- ELBv2: PageSize accepts 1-400.
    _listing("elbv2", "DescribeLoadBalancers", "LoadBalancers", "PageSize", 400),
    _listing("elbv2", "DescribeTargetGroups", "TargetGroups", "PageSize", 400),
    # No paginator; the file keeps the group's ARN beside its targets (DESIGN.md section 2).
    OperationSpec(
        service="elbv2",
        operation="DescribeTargetHealth",
        result_key="TargetHealthDescriptions",
        per="target group",
        depends_on=("DescribeTargetGroups",),
        output_key="TargetHealth",
        file_name=_file("elbv2", "DescribeTargetHealth"),
    ),
    _listing(
        "elbv2",
        "DescribeListeners",
        "Listeners",
        "PageSize",
        400,
        per="load balancer",
        depends_on=("DescribeLoadBalancers",),
    ),
    # --- Lambda: ListFunctions returns at most 50 per page whatever MaxItems says.
    _listing("lambda", "ListFunctions", "Functions", "MaxItems", 50),
)

# Called once per account to find its enabled regions (`--all-regions`), outside any scope.
DESCRIBE_REGIONS = OperationSpec(service="ec2", operation="DescribeRegions", result_key="Regions")


def spec(service: str, operation: str) -> OperationSpec:
    """The plan entry of ``service`` / ``operation``; KeyError when the plan does not call it."""
    for entry in PLAN:
        if entry.service == service and entry.operation == operation:
            return entry
    raise KeyError(f"{service}:{operation} is not in the collection plan")


def dependents(entry: OperationSpec) -> list[OperationSpec]:
    """Every plan entry that needs ``entry``'s result, directly or through another entry."""
    found: list[OperationSpec] = []
    frontier = [entry]
    while frontier:
        current = frontier.pop()
        for candidate in PLAN:
            if (
                candidate.service == current.service
                and current.operation in candidate.depends_on
                and candidate not in found
            ):
                found.append(candidate)
                frontier.append(candidate)
    return found


def iam_actions() -> list[str]:
    """The IAM actions collection needs, sorted: the read-only policy is generated from this.

    ``sts:GetCallerIdentity`` needs no permission, and ``sts:AssumeRole`` (for ``--role-arn``) is a
    permission of the caller, not of the audited account, so neither is listed.
    """
    return sorted({entry.iam_action for entry in (*PLAN, DESCRIBE_REGIONS)})
