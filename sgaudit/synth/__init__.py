"""Synthetic AWS estates: a typed builder that emits raw AWS API JSON, the demo, and a generator.

Tests build the exact estate they need with :class:`EstateBuilder`; the ``sgaudit demo`` snapshot is
:func:`sgaudit.synth.demo.build_demo_estate`; benchmarks and property tests use
:func:`sgaudit.synth.random_estate.generate_estate`.
"""

from sgaudit.synth.builder import DOCUMENT_KEYS, EstateBuilder, Json
from sgaudit.synth.errors import EstateBuildError
from sgaudit.synth.refs import (
    DbClusterRef,
    DbInstanceRef,
    EgressOnlyInternetGatewayRef,
    EniRef,
    InstanceRef,
    InternetGatewayRef,
    LambdaRef,
    ListenerRef,
    LoadBalancerRef,
    NaclEntry,
    NatGatewayRef,
    NetworkAclRef,
    PeeringRef,
    PrefixListRef,
    RouteTableRef,
    SecurityGroupRef,
    ServiceRef,
    SubnetRef,
    TargetGroupRef,
    TaskDefinitionRef,
    TaskRef,
    VpcEndpointRef,
    VpcRef,
)
from sgaudit.synth.writer import write_snapshot

__all__ = [
    "DOCUMENT_KEYS",
    "DbClusterRef",
    "DbInstanceRef",
    "EgressOnlyInternetGatewayRef",
    "EniRef",
    "EstateBuildError",
    "EstateBuilder",
    "InstanceRef",
    "InternetGatewayRef",
    "Json",
    "LambdaRef",
    "ListenerRef",
    "LoadBalancerRef",
    "NaclEntry",
    "NatGatewayRef",
    "NetworkAclRef",
    "PeeringRef",
    "PrefixListRef",
    "RouteTableRef",
    "SecurityGroupRef",
    "ServiceRef",
    "SubnetRef",
    "TargetGroupRef",
    "TaskDefinitionRef",
    "TaskRef",
    "VpcEndpointRef",
    "VpcRef",
    "write_snapshot",
]
