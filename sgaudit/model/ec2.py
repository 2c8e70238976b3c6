"""EC2 and VPC response shapes: VPCs, subnets, routes, NACLs, gateways, security groups, interfaces."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sgaudit.model.base import AwsModel, Tag, tag_map


class _Tagged(AwsModel):
    tags: tuple[Tag, ...] = ()

    @property
    def tag_map(self) -> dict[str, str]:
        """Tags as a mapping."""
        return tag_map(self.tags)

    @property
    def name(self) -> str | None:
        """The ``Name`` tag, if any."""
        return self.tag_map.get("Name")


class CidrBlockState(AwsModel):
    """State of a CIDR association."""

    state: str = "associated"


class CidrAssociation(AwsModel):
    """An IPv4 CIDR associated with a VPC."""

    cidr_block: str
    cidr_block_state: CidrBlockState = CidrBlockState()


class Ipv6CidrAssociation(AwsModel):
    """An IPv6 CIDR associated with a VPC or subnet."""

    ipv6_cidr_block: str
    ipv6_cidr_block_state: CidrBlockState = Field(default=CidrBlockState(), alias="Ipv6CidrBlockState")


class Vpc(_Tagged):
    """A VPC (``describe-vpcs``)."""

    vpc_id: str
    owner_id: str | None = None
    cidr_block: str | None = None
    cidr_block_association_set: tuple[CidrAssociation, ...] = ()
    ipv6_cidr_block_association_set: tuple[Ipv6CidrAssociation, ...] = ()
    is_default: bool = False

    @property
    def cidrs4(self) -> tuple[str, ...]:
        """Every associated IPv4 CIDR (a VPC can have several)."""
        out = [
            a.cidr_block for a in self.cidr_block_association_set if a.cidr_block_state.state == "associated"
        ]
        if self.cidr_block and self.cidr_block not in out:
            out.insert(0, self.cidr_block)
        return tuple(out)

    @property
    def cidrs6(self) -> tuple[str, ...]:
        """Every associated IPv6 CIDR."""
        return tuple(
            a.ipv6_cidr_block
            for a in self.ipv6_cidr_block_association_set
            if a.ipv6_cidr_block_state.state == "associated"
        )


class Subnet(_Tagged):
    """A subnet (``describe-subnets``)."""

    subnet_id: str
    vpc_id: str
    cidr_block: str | None = None
    ipv6_cidr_block_association_set: tuple[Ipv6CidrAssociation, ...] = ()
    availability_zone: str | None = None
    map_public_ip_on_launch: bool = False
    owner_id: str | None = None

    @property
    def cidrs6(self) -> tuple[str, ...]:
        """The subnet's IPv6 CIDRs."""
        return tuple(
            a.ipv6_cidr_block
            for a in self.ipv6_cidr_block_association_set
            if a.ipv6_cidr_block_state.state == "associated"
        )


class Route(AwsModel):
    """One route of a route table."""

    destination_cidr_block: str | None = None
    destination_ipv6_cidr_block: str | None = None
    destination_prefix_list_id: str | None = None
    gateway_id: str | None = None
    nat_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    vpc_peering_connection_id: str | None = None
    network_interface_id: str | None = None
    instance_id: str | None = None
    egress_only_internet_gateway_id: str | None = None
    local_gateway_id: str | None = None
    carrier_gateway_id: str | None = None
    core_network_arn: str | None = None
    state: str = "active"
    origin: str | None = None

    @property
    def destination(self) -> str | None:
        """The destination CIDR or prefix list id."""
        return (
            self.destination_cidr_block or self.destination_ipv6_cidr_block or self.destination_prefix_list_id
        )

    @property
    def target(self) -> str:
        """The route's target id (``local``, ``igw-...``, ``pcx-...``, ...)."""
        for t in (
            self.gateway_id,
            self.nat_gateway_id,
            self.vpc_peering_connection_id,
            self.transit_gateway_id,
            self.egress_only_internet_gateway_id,
            self.network_interface_id,
            self.instance_id,
            self.local_gateway_id,
            self.carrier_gateway_id,
            self.core_network_arn,
        ):
            if t:
                return t
        return "unknown"


class RouteTableAssociation(AwsModel):
    """A route table's association with a subnet or gateway, or the main flag."""

    main: bool = False
    subnet_id: str | None = None
    gateway_id: str | None = None
    route_table_association_id: str | None = None


class RouteTable(_Tagged):
    """A route table (``describe-route-tables``)."""

    route_table_id: str
    vpc_id: str
    routes: tuple[Route, ...] = ()
    associations: tuple[RouteTableAssociation, ...] = ()
    owner_id: str | None = None

    @property
    def is_main(self) -> bool:
        """True for the VPC's main route table."""
        return any(a.main for a in self.associations)


class PortRange(AwsModel):
    """A NACL entry's port range."""

    from_: int | None = Field(default=None, alias="From")
    to: int | None = Field(default=None, alias="To")


class IcmpTypeCode(AwsModel):
    """A NACL entry's ICMP type and code (-1 = all)."""

    type: int | None = None
    code: int | None = None


class NetworkAclEntry(AwsModel):
    """One NACL rule."""

    rule_number: int
    protocol: str
    rule_action: Literal["allow", "deny"]
    egress: bool
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None
    port_range: PortRange | None = None
    icmp_type_code: IcmpTypeCode | None = None

    @field_validator("rule_action", mode="before")
    @classmethod
    def _lowercase_action(cls, value: object) -> object:
        # AWS answers "allow" or "deny"; a hand-written snapshot may capitalise them. Anything
        # else is an error, never read as one or the other.
        return value.lower() if isinstance(value, str) else value


class NetworkAclAssociation(AwsModel):
    """A NACL's association with a subnet."""

    subnet_id: str
    network_acl_association_id: str | None = None


class NetworkAcl(_Tagged):
    """A network ACL (``describe-network-acls``)."""

    network_acl_id: str
    vpc_id: str
    is_default: bool = False
    entries: tuple[NetworkAclEntry, ...] = ()
    associations: tuple[NetworkAclAssociation, ...] = ()
    owner_id: str | None = None


class GatewayAttachment(AwsModel):
    """An internet gateway's attachment to a VPC."""

    vpc_id: str
    state: str = "available"


class InternetGateway(_Tagged):
    """An internet gateway."""

    internet_gateway_id: str
    attachments: tuple[GatewayAttachment, ...] = ()
    owner_id: str | None = None


class EgressOnlyInternetGateway(_Tagged):
    """An egress-only internet gateway (IPv6 outbound only)."""

    egress_only_internet_gateway_id: str
    attachments: tuple[GatewayAttachment, ...] = ()


class NatGatewayAddress(AwsModel):
    """An address of a NAT gateway."""

    network_interface_id: str | None = None
    private_ip: str | None = None
    public_ip: str | None = None
    allocation_id: str | None = None


class NatGateway(_Tagged):
    """A NAT gateway."""

    nat_gateway_id: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    state: str = "available"
    connectivity_type: str = "public"
    nat_gateway_addresses: tuple[NatGatewayAddress, ...] = ()


class CidrBlockRef(AwsModel):
    """A CIDR in a peering connection's VPC info."""

    cidr_block: str


class Ipv6CidrBlockRef(AwsModel):
    """An IPv6 CIDR in a peering connection's VPC info."""

    ipv6_cidr_block: str


class PeeringVpcInfo(AwsModel):
    """One side of a VPC peering connection."""

    vpc_id: str | None = None
    owner_id: str | None = None
    region: str | None = None
    cidr_block: str | None = None
    cidr_block_set: tuple[CidrBlockRef, ...] = ()
    ipv6_cidr_block_set: tuple[Ipv6CidrBlockRef, ...] = ()


class PeeringStatus(AwsModel):
    """A peering connection's status."""

    code: str
    message: str | None = None


class VpcPeeringConnection(_Tagged):
    """A VPC peering connection."""

    vpc_peering_connection_id: str
    requester_vpc_info: PeeringVpcInfo = PeeringVpcInfo()
    accepter_vpc_info: PeeringVpcInfo = PeeringVpcInfo()
    status: PeeringStatus = PeeringStatus(code="active")

    @property
    def active(self) -> bool:
        """True when traffic can cross the peering."""
        return self.status.code == "active"


class GroupIdentifier(AwsModel):
    """A security group named on an interface, instance or endpoint."""

    group_id: str
    group_name: str | None = None


class VpcEndpoint(_Tagged):
    """A VPC endpoint (interface, gateway or GWLB)."""

    vpc_endpoint_id: str
    vpc_endpoint_type: str = "Interface"
    vpc_id: str
    service_name: str | None = None
    state: str | None = None
    subnet_ids: tuple[str, ...] = ()
    groups: tuple[GroupIdentifier, ...] = ()
    network_interface_ids: tuple[str, ...] = ()
    route_table_ids: tuple[str, ...] = ()


class PrefixListEntry(AwsModel):
    """One CIDR of a managed prefix list."""

    cidr: str
    description: str | None = None


class ManagedPrefixList(_Tagged):
    """A managed prefix list with its entries.

    ``entries`` is ``None`` when the snapshot has no entries for the list (unreadable or not collected):
    rules that reference it are then undecidable, never allow or deny.
    """

    prefix_list_id: str
    prefix_list_name: str | None = None
    address_family: str | None = None
    max_entries: int | None = None
    owner_id: str | None = None
    state: str | None = None
    version: int | None = None
    entries: tuple[PrefixListEntry, ...] | None = None
    # Legacy describe-prefix-lists (AWS service lists) prints the CIDRs directly.
    cidrs: tuple[str, ...] | None = None

    @property
    def entry_cidrs(self) -> tuple[str, ...] | None:
        """The list's CIDRs, or None when they are unknown."""
        if self.entries is not None:
            return tuple(e.cidr for e in self.entries)
        return self.cidrs


class IpRange(AwsModel):
    """An IPv4 peer of an IpPermission."""

    cidr_ip: str
    description: str | None = None


class Ipv6Range(AwsModel):
    """An IPv6 peer of an IpPermission."""

    cidr_ipv6: str
    description: str | None = None


class PrefixListId(AwsModel):
    """A prefix-list peer of an IpPermission."""

    prefix_list_id: str
    description: str | None = None


class UserIdGroupPair(AwsModel):
    """A security-group peer of an IpPermission (possibly cross-account or across a peering)."""

    group_id: str | None = None
    group_name: str | None = None
    user_id: str | None = None
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None
    peering_status: str | None = None
    description: str | None = None


class IpPermission(AwsModel):
    """One permission of ``describe-security-groups``: a protocol/port range and several peers."""

    ip_protocol: str
    from_port: int | None = None
    to_port: int | None = None
    ip_ranges: tuple[IpRange, ...] = ()
    ipv6_ranges: tuple[Ipv6Range, ...] = ()
    prefix_list_ids: tuple[PrefixListId, ...] = ()
    user_id_group_pairs: tuple[UserIdGroupPair, ...] = ()


class SecurityGroupRaw(_Tagged):
    """A security group as ``describe-security-groups`` prints it."""

    group_id: str
    group_name: str = ""
    description: str = ""
    vpc_id: str | None = None
    owner_id: str | None = None
    security_group_arn: str | None = None
    ip_permissions: tuple[IpPermission, ...] = ()
    ip_permissions_egress: tuple[IpPermission, ...] = ()


class ReferencedGroupInfo(AwsModel):
    """The group a ``describe-security-group-rules`` item references."""

    group_id: str | None = None
    user_id: str | None = None
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None
    peering_status: str | None = None


class SecurityGroupRuleRecord(_Tagged):
    """One item of ``describe-security-group-rules``: a single rule with its ``sgr-`` id."""

    security_group_rule_id: str
    group_id: str
    group_owner_id: str | None = None
    is_egress: bool
    ip_protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    prefix_list_id: str | None = None
    referenced_group_info: ReferencedGroupInfo | None = None
    description: str | None = None


class StaleIpPermission(AwsModel):
    """A stale permission of ``describe-stale-security-groups``."""

    ip_protocol: str | None = None
    from_port: int | None = None
    to_port: int | None = None
    user_id_group_pairs: tuple[UserIdGroupPair, ...] = ()


class StaleSecurityGroup(AwsModel):
    """A group with rules that reference deleted groups or peerings."""

    group_id: str
    group_name: str | None = None
    vpc_id: str | None = None
    stale_ip_permissions: tuple[StaleIpPermission, ...] = ()
    stale_ip_permissions_egress: tuple[StaleIpPermission, ...] = ()


class PublicIpAssociation(AwsModel):
    """A public IPv4 (or Elastic IP) associated with an interface address."""

    public_ip: str | None = None
    ip_owner_id: str | None = None
    allocation_id: str | None = None


class PrivateIpAddressSpec(AwsModel):
    """One private IPv4 of an interface."""

    private_ip_address: str
    primary: bool = False
    association: PublicIpAssociation | None = None


class InterfaceIpv6Address(AwsModel):
    """One IPv6 address of an interface."""

    ipv6_address: str


class Ipv4PrefixSpec(AwsModel):
    """A delegated IPv4 prefix of an interface."""

    ipv4_prefix: str


class Ipv6PrefixSpec(AwsModel):
    """A delegated IPv6 prefix of an interface."""

    ipv6_prefix: str


class InterfaceAttachment(AwsModel):
    """What an interface is attached to."""

    instance_id: str | None = None
    instance_owner_id: str | None = None
    device_index: int | None = None
    status: str | None = None
    attachment_id: str | None = None


class NetworkInterfaceRaw(AwsModel):
    """A network interface as ``describe-network-interfaces`` prints it."""

    network_interface_id: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    availability_zone: str | None = None
    owner_id: str | None = None
    groups: tuple[GroupIdentifier, ...] = ()
    private_ip_address: str | None = None
    private_ip_addresses: tuple[PrivateIpAddressSpec, ...] = ()
    ipv6_addresses: tuple[InterfaceIpv6Address, ...] = ()
    ipv4_prefixes: tuple[Ipv4PrefixSpec, ...] = ()
    ipv6_prefixes: tuple[Ipv6PrefixSpec, ...] = ()
    association: PublicIpAssociation | None = None
    attachment: InterfaceAttachment | None = None
    interface_type: str = "interface"
    description: str = ""
    requester_id: str | None = None
    requester_managed: bool = False
    source_dest_check: bool = True
    status: str | None = None
    tag_set: tuple[Tag, ...] = ()


class InstanceState(AwsModel):
    """An instance's state."""

    name: str = "running"


class InstanceNetworkInterface(AwsModel):
    """An interface as ``describe-instances`` lists it."""

    network_interface_id: str
    groups: tuple[GroupIdentifier, ...] = ()
    subnet_id: str | None = None


class Instance(_Tagged):
    """An EC2 instance."""

    instance_id: str
    vpc_id: str | None = None
    subnet_id: str | None = None
    private_ip_address: str | None = None
    public_ip_address: str | None = None
    security_groups: tuple[GroupIdentifier, ...] = ()
    network_interfaces: tuple[InstanceNetworkInterface, ...] = ()
    state: InstanceState = InstanceState()
    platform: str | None = None


class Reservation(AwsModel):
    """A reservation of ``describe-instances``."""

    reservation_id: str | None = None
    owner_id: str | None = None
    instances: tuple[Instance, ...] = ()
