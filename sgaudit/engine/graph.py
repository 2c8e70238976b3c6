"""The inventory graph (networkx ``MultiDiGraph``): what explanations walk.

Nodes are keyed by AWS id (``eni-``, ``sg-``, ``subnet-``, ``vpc-``, ``pcx-``, ``igw-``, ``nat-``,
``eigw-``, ``rtb-``, ``acl-``) or by selector for endpoints (``ecs:prod/api``); each has a ``kind``
attribute. Edges have a ``kind``:

- ``has-interface`` endpoint -> interface (and ``has-placement`` endpoint -> subnet for ranges);
- ``member-of`` interface -> security group; ``in-subnet`` interface -> subnet; ``in-vpc`` subnet or
  group -> VPC; ``uses-route-table`` / ``uses-nacl`` subnet -> table / NACL;
- ``references`` group -> group, one edge per rule, with ``rule_id``, ``direction``, ``traffic``;
- ``route`` route table -> target (``local`` routes point at the VPC), with ``destination``;
- ``peers`` peering -> each VPC; ``attached`` gateway -> VPC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import Endpoint
from sgaudit.inventory import PeerKind


def build_graph(index: NetIndex, endpoints: Iterable[Endpoint]) -> Any:
    """Build the graph of one inventory and its endpoints."""
    inv = index.inv
    g = nx.MultiDiGraph()
    for vid, vpc in inv.vpcs.items():
        g.add_node(vid, kind="vpc", label=vpc.name or vid, cidrs=list(vpc.cidrs4) + list(vpc.cidrs6))
    for sid, subnet in inv.subnets.items():
        g.add_node(sid, kind="subnet", label=subnet.name or sid, cidr=subnet.cidr_block)
        g.add_edge(sid, subnet.vpc_id, kind="in-vpc")
        rtb = index.route_table_id(sid)
        if rtb:
            g.add_edge(sid, rtb, kind="uses-route-table")
        acl = index.nacl_id(sid)
        if acl:
            g.add_edge(sid, acl, kind="uses-nacl")
    for gid, sg in inv.security_groups.items():
        g.add_node(gid, kind="security-group", label=sg.display_name, default=sg.is_default)
        if sg.vpc_id:
            g.add_edge(gid, sg.vpc_id, kind="in-vpc")
        for rule in sg.rules:
            if rule.peer.kind is PeerKind.SECURITY_GROUP:
                if rule.peer.value not in g:
                    g.add_node(rule.peer.value, kind="security-group", label=rule.peer.label(), missing=True)
                g.add_edge(
                    gid,
                    rule.peer.value,
                    kind="references",
                    rule_id=rule.rule_id,
                    direction=rule.direction.value,
                    traffic=rule.ports_label(),
                )
    for eid, eni in inv.network_interfaces.items():
        g.add_node(eid, kind="interface", label=eni.tags.get("Name", eid), owner=eni.owner.kind.value)
        if eni.subnet_id:
            g.add_edge(eid, eni.subnet_id, kind="in-subnet")
        for gid in eni.group_ids:
            g.add_edge(eid, gid, kind="member-of")
    for rid, rt in inv.route_tables.items():
        g.add_node(rid, kind="route-table", label=rt.name or rid)
        for route in rt.routes:
            target = rt.vpc_id if route.gateway_id == "local" else route.target
            if target not in g:
                g.add_node(target, kind=_kind_of(target))
            g.add_edge(rid, target, kind="route", destination=route.destination, state=route.state)
    for aid, nacl in inv.network_acls.items():
        g.add_node(aid, kind="network-acl", label=nacl.name or aid, default=nacl.is_default)
    for pid, pcx in inv.peering_connections.items():
        g.add_node(pid, kind="peering", status=pcx.status.code)
        for info in (pcx.requester_vpc_info, pcx.accepter_vpc_info):
            if info.vpc_id:
                g.add_edge(pid, info.vpc_id, kind="peers")
    for igw_id, igw in inv.internet_gateways.items():
        g.add_node(igw_id, kind="internet-gateway")
        for att in igw.attachments:
            g.add_edge(igw_id, att.vpc_id, kind="attached")
    for nat_id, nat in inv.nat_gateways.items():
        g.add_node(nat_id, kind="nat-gateway", state=nat.state)
        if nat.subnet_id:
            g.add_edge(nat_id, nat.subnet_id, kind="in-subnet")
    for ep in endpoints:
        g.add_node(ep.selector, kind="endpoint", endpoint_kind=ep.kind.value, label=ep.label, tier=ep.tier)
        for p in ep.placements:
            if p.interface_id:
                g.add_edge(ep.selector, p.interface_id, kind="has-interface")
            elif p.subnet_id:
                g.add_edge(ep.selector, p.subnet_id, kind="has-placement", groups=list(p.group_ids))
    return g


def _kind_of(node: str) -> str:
    for prefix, kind in (
        ("igw-", "internet-gateway"),
        ("nat-", "nat-gateway"),
        ("pcx-", "peering"),
        ("eigw-", "egress-only-internet-gateway"),
        ("tgw-", "transit-gateway"),
        ("vgw-", "virtual-private-gateway"),
        ("vpce-", "vpc-endpoint"),
        ("eni-", "interface"),
        ("i-", "instance"),
    ):
        if node.startswith(prefix):
            return kind
    return "other"


def references_between(
    graph: Any, source_group: str, target_group: str, direction: str
) -> list[dict[str, Any]]:
    """The ``references`` edges from one group to another in one direction (rule id, traffic)."""
    if source_group not in graph or target_group not in graph:
        return []
    data = graph.get_edge_data(source_group, target_group) or {}
    return [d for d in data.values() if d.get("kind") == "references" and d.get("direction") == direction]
