"""RDS response shapes: DB instances, clusters and subnet groups."""

from __future__ import annotations

from pydantic import Field

from sgaudit.model.base import AwsModel, Tag, tag_map


class VpcSecurityGroupMembership(AwsModel):
    """A security group of a DB instance or cluster."""

    vpc_security_group_id: str
    status: str | None = None


class AvailabilityZoneName(AwsModel):
    """An availability zone by name."""

    name: str | None = None


class DbSubnet(AwsModel):
    """A subnet of a DB subnet group."""

    subnet_identifier: str
    subnet_availability_zone: AvailabilityZoneName | None = None
    subnet_status: str | None = None


class DbSubnetGroup(AwsModel):
    """A DB subnet group."""

    db_subnet_group_name: str = Field(alias="DBSubnetGroupName")
    vpc_id: str | None = None
    subnets: tuple[DbSubnet, ...] = ()


class DbEndpoint(AwsModel):
    """A DB instance's endpoint."""

    address: str | None = None
    port: int | None = None
    hosted_zone_id: str | None = None


class DbInstance(AwsModel):
    """An RDS (or Neptune / DocumentDB) DB instance."""

    db_instance_identifier: str = Field(alias="DBInstanceIdentifier")
    db_instance_arn: str | None = Field(default=None, alias="DBInstanceArn")
    engine: str | None = None
    db_instance_status: str | None = Field(default=None, alias="DBInstanceStatus")
    vpc_security_groups: tuple[VpcSecurityGroupMembership, ...] = ()
    db_subnet_group: DbSubnetGroup | None = Field(default=None, alias="DBSubnetGroup")
    endpoint: DbEndpoint | None = None
    db_instance_port: int | None = None
    publicly_accessible: bool = False
    db_cluster_identifier: str | None = Field(default=None, alias="DBClusterIdentifier")
    network_type: str | None = None
    tag_list: tuple[Tag, ...] = ()

    @property
    def security_group_ids(self) -> tuple[str, ...]:
        """The instance's VPC security groups."""
        return tuple(g.vpc_security_group_id for g in self.vpc_security_groups)

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        """The subnets the instance may be placed in (its subnet group)."""
        return (
            tuple(s.subnet_identifier for s in self.db_subnet_group.subnets) if self.db_subnet_group else ()
        )

    @property
    def port(self) -> int | None:
        """The endpoint port (not the engine default)."""
        if self.endpoint and self.endpoint.port:
            return self.endpoint.port
        return self.db_instance_port or None

    @property
    def tag_map(self) -> dict[str, str]:
        """Tags as a mapping."""
        return tag_map(self.tag_list)


class DbClusterMember(AwsModel):
    """A member instance of a DB cluster."""

    db_instance_identifier: str = Field(alias="DBInstanceIdentifier")
    is_cluster_writer: bool = False


class DbCluster(AwsModel):
    """An Aurora / Multi-AZ DB cluster. ``DBSubnetGroup`` is a name here, not a struct."""

    db_cluster_identifier: str = Field(alias="DBClusterIdentifier")
    db_cluster_arn: str | None = Field(default=None, alias="DBClusterArn")
    engine: str | None = None
    status: str | None = None
    vpc_security_groups: tuple[VpcSecurityGroupMembership, ...] = ()
    db_subnet_group: str | None = Field(default=None, alias="DBSubnetGroup")
    endpoint: str | None = None
    reader_endpoint: str | None = None
    port: int | None = None
    publicly_accessible: bool = False
    db_cluster_members: tuple[DbClusterMember, ...] = Field(default=(), alias="DBClusterMembers")
    tag_list: tuple[Tag, ...] = ()

    @property
    def security_group_ids(self) -> tuple[str, ...]:
        """The cluster's VPC security groups."""
        return tuple(g.vpc_security_group_id for g in self.vpc_security_groups)
