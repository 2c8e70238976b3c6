"""The minimal fix for a blocked path: exact rules, as AWS CLI commands and Terraform resources.

Security-group fixes prefer a reference to the other side's own most specific group (never its VPC's
default group when it has another) and fall back to CIDRs where references cannot work: the
internet, NAT, another region, a middlebox. NACL fixes take a free rule number before the entry that
denies; route fixes add the missing route to the peering connection or gateway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sgaudit.engine.evaluate import FixHint, NaclFixHint, RouteFixHint, SgFixHint
from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import Endpoint, PeerKindName, Placement, SuggestedFix
from sgaudit.netalgebra import Traffic

_PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


def _tf_name(*parts: str) -> str:
    text = "_".join(p for p in parts if p)
    text = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower()
    if not text or text[0].isdigit():
        text = f"r_{text}"
    return text


def traffic_fields(traffic: Traffic) -> tuple[str, int | None, int | None]:
    """(protocol, from_port, to_port) of a single-dimension, single-run traffic set."""
    for name, points in traffic.items():
        lo, hi = points.intervals[0]
        if name in ("tcp", "udp"):
            return name, lo, hi
        if name in ("icmp", "icmpv6"):
            t, c = divmod(lo, 256)
            _, c2 = divmod(hi, 256)
            if (c, c2) == (0, 255):
                return name, t, -1
            return name, t, c
        return str(lo), None, None
    return "-1", None, None


class FixBuilder:
    """Turns fix hints collected during evaluation into deduplicated `SuggestedFix` values."""

    def __init__(self, index: NetIndex) -> None:
        self.ix = index

    def own_group(self, groups: Sequence[str], preferred: Iterable[str] = ()) -> str | None:
        """The most specific group of a side: not the default group if it has another, fewest
        members, and among ``preferred`` (groups every placement of the endpoint carries) first."""
        pref = set(preferred)
        candidates = [g for g in groups if g]
        if not candidates:
            return None

        def key(g: str) -> tuple[int, int, int, int]:
            sg = self.ix.inv.security_groups.get(g)
            return (
                0 if g in pref else 1,
                1 if sg is not None and sg.is_default else 0,
                0 if sg is not None else 1,
                self.ix.member_count(g),
            )

        return min(candidates, key=lambda g: (key(g), candidates.index(g)))

    def build(
        self, hints: Sequence[FixHint], src: Endpoint, dst: Endpoint, traffic: Traffic
    ) -> list[SuggestedFix]:
        """Every distinct fix, SG rules first, then NACL entries, then routes."""
        fixes: dict[tuple[object, ...], SuggestedFix] = {}
        taken: dict[tuple[str, bool], set[int]] = {}
        hints = list(dict.fromkeys(hints, None))  # pairs of one class share their hints
        common = {id(src): _common_groups(src), id(dst): _common_groups(dst)}
        seen: set[tuple[object, ...]] = set()
        for hint in hints:
            if isinstance(hint, SgFixHint):
                what = (
                    hint.direction,
                    hint.side.group_ids,
                    hint.peer.group_ids,
                    hint.refs_ok,
                    hint.peer_cidrs,
                )
                if what in seen:
                    continue
                seen.add(what)
                for fix in self._sg(hint, src, dst, traffic, common):
                    fixes.setdefault(
                        (
                            "sg",
                            fix.group_id,
                            fix.direction,
                            fix.protocol,
                            fix.from_port,
                            fix.to_port,
                            fix.peer,
                        ),
                        fix,
                    )
        for hint in hints:
            if isinstance(hint, NaclFixHint):
                key = ("nacl", hint.acl_id, hint.egress, hint.cidr, hint.traffic)
                if key not in fixes:
                    nacl_fix = self._nacl(hint, taken)
                    if nacl_fix is not None:
                        fixes[key] = nacl_fix
        for hint in hints:
            if isinstance(hint, RouteFixHint):
                fixes.setdefault(("route", hint.route_table_id, hint.destination), self._route(hint))
        return list(fixes.values())

    # ---- security groups ------------------------------------------------------------------------

    def _sg(
        self, hint: SgFixHint, src: Endpoint, dst: Endpoint, traffic: Traffic, common: dict[int, set[str]]
    ) -> list[SuggestedFix]:
        side_ep, peer_ep = (src, dst) if hint.direction == "egress" else (dst, src)
        group = self.own_group(hint.side.group_ids, common[id(side_ep)])
        if group is None:
            return []
        protocol, lo, hi = traffic_fields(traffic)
        peers: list[tuple[str, PeerKindName]] = []
        if hint.refs_ok and not hint.peer.is_external:
            peer_group = self.own_group(hint.peer.group_ids, common[id(peer_ep)])
            if peer_group is not None:
                owner = self.ix.account_of(peer_group)
                mine = self.ix.account_of(group)
                label = f"{owner}/{peer_group}" if owner and mine and owner != mine else peer_group
                peers.append((label, "security-group"))
        if not peers:
            peers = [(c, _cidr_kind(c)) for c in hint.peer_cidrs]
        return [
            self._sg_fix(
                group,
                hint.direction,
                (protocol, lo, hi),
                peer=peer,
                peer_kind=kind,
                side=side_ep,
                other=peer_ep,
            )
            for peer, kind in peers
        ]

    def _sg_fix(
        self,
        group: str,
        direction: str,
        ports: tuple[str, int | None, int | None],
        *,
        peer: str,
        peer_kind: PeerKindName,
        side: Endpoint,
        other: Endpoint,
    ) -> SuggestedFix:
        protocol, lo, hi = ports
        perm = [f"IpProtocol={protocol}"]
        if lo is not None and hi is not None:
            perm += [f"FromPort={lo}", f"ToPort={hi}"]
        tf_peer: str
        if peer_kind == "security-group":
            if "/" in peer:
                user, gid = peer.split("/", 1)
                perm.append(f"UserIdGroupPairs=[{{GroupId={gid},UserId={user}}}]")
            else:
                perm.append(f"UserIdGroupPairs=[{{GroupId={peer}}}]")
            tf_peer = f'referenced_security_group_id = "{peer}"'
        elif peer_kind == "cidr6":
            perm.append(f"Ipv6Ranges=[{{CidrIpv6={peer}}}]")
            tf_peer = f'cidr_ipv6                    = "{peer}"'
        else:
            perm.append(f"IpRanges=[{{CidrIp={peer}}}]")
            tf_peer = f'cidr_ipv4                    = "{peer}"'
        cli = (
            f"aws ec2 authorize-security-group-{direction} --group-id {group}"
            f" --ip-permissions '{','.join(perm)}'"
        )
        sg = self.ix.inv.security_groups.get(group)
        gname = sg.display_name if sg else group
        port_text = "" if lo is None else (str(lo) if lo == hi else f"{lo}_{hi}")
        prep = "to" if direction == "egress" else "from"
        peer_sg = None
        if peer_kind == "security-group":
            peer_sg = self.ix.inv.security_groups.get(peer.rsplit("/", 1)[-1])
        peer_name = peer_sg.display_name if peer_sg else _peer_short(peer)
        name = _tf_name(gname, direction, prep, peer_name, protocol, port_text)
        tf_lines = [
            f'resource "aws_vpc_security_group_{direction}_rule" "{name}" {{',
            f'  security_group_id            = "{group}"',
            f"  {tf_peer}",
            f'  ip_protocol                  = "{protocol}"',
        ]
        if lo is not None and hi is not None:
            tf_lines += [f"  from_port                    = {lo}", f"  to_port                      = {hi}"]
        tf_lines += [f'  description                  = "{side.label} {prep} {other.label}"', "}"]
        what = f"{protocol} {port_text.replace('_', '-')}".strip() if protocol != "-1" else "all traffic"
        peer_label = self.ix.group_label(peer) if peer_kind == "security-group" and "/" not in peer else peer
        return SuggestedFix(
            kind="security-group-rule",
            resource_id=group,
            group_id=group,
            direction="egress" if direction == "egress" else "ingress",
            protocol=protocol,
            from_port=lo,
            to_port=hi,
            peer=peer,
            peer_kind=peer_kind,
            summary=f"allow {direction} {what} on {self.ix.group_label(group)} {prep} {peer_label}",
            aws_cli=cli,
            terraform="\n".join(tf_lines),
        )

    # ---- NACLs ----------------------------------------------------------------------------------

    def _nacl(self, hint: NaclFixHint, taken: dict[tuple[str, bool], set[int]]) -> SuggestedFix | None:
        used = self.ix.nacl_numbers(hint.acl_id, hint.egress) | taken.setdefault(
            (hint.acl_id, hint.egress), set()
        )
        number = _free_number(used, hint.before)
        if number is None:
            return None
        taken[(hint.acl_id, hint.egress)].add(number)
        protocol, lo, hi = traffic_fields(hint.traffic)
        direction = "egress" if hint.egress else "ingress"
        cidr_flag = "--ipv6-cidr-block" if hint.family == 6 else "--cidr-block"
        cli = [
            "aws ec2 create-network-acl-entry",
            f"--network-acl-id {hint.acl_id}",
            f"--{direction}",
            f"--rule-number {number}",
            f"--protocol {protocol}",
        ]
        tf = [
            f'resource "aws_network_acl_rule" "{_tf_name(hint.acl_id, direction, str(number))}" {{',
            f'  network_acl_id = "{hint.acl_id}"',
            f"  rule_number    = {number}",
            f"  egress         = {'true' if hint.egress else 'false'}",
            f'  protocol       = "{protocol}"',
            '  rule_action    = "allow"',
            f'  {"ipv6_cidr_block" if hint.family == 6 else "cidr_block     "} = "{hint.cidr}"',
        ]
        if protocol in ("tcp", "udp") and lo is not None:
            cli.append(f"--port-range From={lo},To={hi}")
            tf += [f"  from_port      = {lo}", f"  to_port        = {hi}"]
        elif protocol in ("icmp", "icmpv6") and lo is not None:
            cli.append(f"--icmp-type-code Type={lo},Code={hi}")
            tf += [f"  icmp_type      = {lo}", f"  icmp_code      = {hi}"]
        cli += [f"{cidr_flag} {hint.cidr}", "--rule-action allow"]
        tf.append("}")
        ports = "" if lo is None else (f" {lo}" if lo == hi else f" {lo}-{hi}")
        before = "" if hint.before >= 32767 else f", before rule {hint.before}"
        return SuggestedFix(
            kind="nacl-entry",
            resource_id=hint.acl_id,
            direction="egress" if hint.egress else "ingress",
            protocol=protocol,
            from_port=lo,
            to_port=hi,
            peer=hint.cidr,
            peer_kind="cidr6" if hint.family == 6 else "cidr4",
            rule_number=number,
            summary=f"allow {direction} {protocol}{ports} {'to' if hint.egress else 'from'} {hint.cidr}"
            f" in {hint.acl_id} as rule {number}{before}",
            aws_cli=" ".join(cli),
            terraform="\n".join(tf),
        )

    # ---- routes ---------------------------------------------------------------------------------

    def _route(self, hint: RouteFixHint) -> SuggestedFix:
        six = ":" in hint.destination
        dest_flag = "--destination-ipv6-cidr-block" if six else "--destination-cidr-block"
        dest_tf = "destination_ipv6_cidr_block" if six else "destination_cidr_block"
        t = hint.target
        if t.startswith("pcx-"):
            flag, tf_key = "--vpc-peering-connection-id", "vpc_peering_connection_id"
        elif t.startswith("nat-"):
            flag, tf_key = "--nat-gateway-id", "nat_gateway_id"
        elif t.startswith("eigw-"):
            flag, tf_key = "--egress-only-internet-gateway-id", "egress_only_gateway_id"
        else:
            flag, tf_key = "--gateway-id", "gateway_id"
        cli = (
            f"aws ec2 create-route --route-table-id {hint.route_table_id}"
            f" {dest_flag} {hint.destination} {flag} {t}"
        )
        name = _tf_name(hint.route_table_id, _peer_short(hint.destination), t)
        tf = "\n".join(
            [
                f'resource "aws_route" "{name}" {{',
                f'  route_table_id = "{hint.route_table_id}"',
                f'  {dest_tf} = "{hint.destination}"',
                f'  {tf_key} = "{t}"',
                "}",
            ]
        )
        return SuggestedFix(
            kind="route",
            resource_id=hint.route_table_id,
            protocol="-1",
            peer=hint.destination,
            peer_kind="cidr6" if six else "cidr4",
            target=t,
            summary=f"route {hint.destination} to {t} in {hint.route_table_id}",
            aws_cli=cli,
            terraform=tf,
        )


def _cidr_kind(cidr: str) -> PeerKindName:
    return "cidr6" if ":" in cidr else "cidr4"


def _peer_short(peer: str) -> str:
    if peer in ("0.0.0.0/0", "::/0"):
        return "anywhere" if peer == "0.0.0.0/0" else "anywhere6"
    return peer.replace("/", "_").replace(".", "_").replace(":", "_")


def _common_groups(endpoint: Endpoint) -> set[str]:
    """Groups every placement of the endpoint carries (running and configured views)."""
    every: list[Placement] = [*endpoint.placements, *endpoint.configured_placements]
    if not every:
        return set()
    common = set(every[0].group_ids)
    for p in every[1:]:
        common &= set(p.group_ids)
    return common


def _free_number(used: set[int], before: int) -> int | None:
    """A free NACL rule number below ``before`` (32767 = the implicit deny: after every rule)."""
    limit = min(before, 32767) - 1
    if before >= 32767:
        top = max((n for n in used if n < 32767), default=0)
        for n in range((top // 10 + 1) * 10, 32767, 10):
            if n not in used:
                return n
    for n in range(limit - limit % 10, 0, -10):
        if n not in used and n <= limit:
            return n
    for n in range(limit, 0, -1):
        if n not in used:
            return n
    return None
