"""The network most rule fixtures start from: one VPC with public, app and database subnets.

- public subnets ``pub_a``/``pub_b`` route 0.0.0.0/0 to an internet gateway;
- app and database subnets route 0.0.0.0/0 to a NAT gateway (no inbound internet path);
- NACLs are the VPC's default (allow all) unless a fixture adds its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sgaudit.synth import EstateBuilder, InternetGatewayRef, SubnetRef, VpcRef


@dataclass(frozen=True)
class Net:
    """Handles of the standard network."""

    vpc: VpcRef
    pub_a: SubnetRef
    pub_b: SubnetRef
    app_a: SubnetRef
    app_b: SubnetRef
    db_a: SubnetRef
    db_b: SubnetRef
    igw: InternetGatewayRef


def standard_net(b: EstateBuilder, cidr: str = "10.0.0.0/16", name: str = "main") -> Net:
    """Build the standard network into ``b``."""
    octets = cidr.split(".")
    pre = f"{octets[0]}.{octets[1]}"
    vpc = b.vpc(cidr, name=name)
    region = b.region
    pub_a = b.subnet(vpc, f"{pre}.0.0/24", az=f"{region}a", name=f"{name}-public-a", map_public_ip=True)
    pub_b = b.subnet(vpc, f"{pre}.1.0/24", az=f"{region}b", name=f"{name}-public-b", map_public_ip=True)
    app_a = b.subnet(vpc, f"{pre}.10.0/24", az=f"{region}a", name=f"{name}-app-a")
    app_b = b.subnet(vpc, f"{pre}.11.0/24", az=f"{region}b", name=f"{name}-app-b")
    db_a = b.subnet(vpc, f"{pre}.20.0/24", az=f"{region}a", name=f"{name}-db-a")
    db_b = b.subnet(vpc, f"{pre}.21.0/24", az=f"{region}b", name=f"{name}-db-b")
    igw = b.internet_gateway(vpc, name=f"{name}-igw")
    nat = b.nat_gateway(pub_a, name=f"{name}-nat")
    b.route_table(vpc, name=f"{name}-public", subnets=[pub_a, pub_b], routes=[("0.0.0.0/0", igw)])
    b.route_table(
        vpc, name=f"{name}-private", subnets=[app_a, app_b, db_a, db_b], routes=[("0.0.0.0/0", nat)]
    )
    return Net(vpc=vpc, pub_a=pub_a, pub_b=pub_b, app_a=app_a, app_b=app_b, db_a=db_a, db_b=db_b, igw=igw)
