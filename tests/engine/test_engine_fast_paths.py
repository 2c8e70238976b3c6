"""The engine's fast paths equal the code they replaced: IPv4 text decoded without `ipaddress`,
cached rule traffic, per-group rule cuts, and the one-rule shortcut of `Engine.sg_layer`."""

from __future__ import annotations

import ipaddress
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgaudit.engine import Engine, Placement, Tri
from sgaudit.engine.evaluate import split
from sgaudit.engine.index import _canonical_ip, cidr_span, ip_value, rule_traffic
from sgaudit.inventory import Direction, PeerKind
from sgaudit.netalgebra import AddressSet, InvalidCidrError, NetAlgebraError, Traffic
from tests.engine.estate_recipes import Recipe, engine_for, recipes

# ---- text decoding -------------------------------------------------------------------------------

_OCTETS = ("0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "999")
_ODD = ("", "00", "01", "007", " 1", "1 ", "\uff11", "0x1f", "+1", "-1", "1e2", "\u0661")
_PREFIXES = ("0", "1", "8", "9", "16", "24", "29", "30", "31", "32", "33", "024", "09", "", "-1", " 8")
_MASKS = ("255.255.0.0", "0.0.255.255", "255.0.255.0", "\uff18")


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = ["::1", "2001:db8::/32", "::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::1/64", "", "/", "1.2.3.4/"]
    for _ in range(count):
        parts = [
            rng.choice(_OCTETS) if rng.random() < 0.85 else rng.choice(_ODD)
            for _ in range(rng.choice((4, 4, 4, 4, 3, 5)))
        ]
        text = ".".join(parts)
        if rng.random() < 0.7:
            text += "/" + (rng.choice(_PREFIXES) if rng.random() < 0.9 else rng.choice(_MASKS))
        if rng.random() < 0.1:
            text = rng.choice((" ", "\t", "\n")) + text + rng.choice(("", " ", "\n"))
        out.append(text)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_cidr_and_address_decoding_equals_ipaddress(seed: int) -> None:
    for text in _texts(seed, 20_000):
        try:
            ref = AddressSet.from_cidr(text)
            expected: object = (ref.version, *ref.points.intervals[0])
        except InvalidCidrError as exc:
            expected = str(exc)
        try:
            got: object = cidr_span(text)
        except InvalidCidrError as exc:
            got = str(exc)
        assert got == expected, repr(text)
        address = text.split("/")[0]
        try:
            ip = ipaddress.ip_address(address)
            value, canonical = (ip.version, int(ip)), str(ip)
        except ValueError:
            value, canonical = None, address
        assert ip_value(address) == value, repr(address)
        assert _canonical_ip(address) == canonical, repr(address)


def test_cached_rule_traffic_equals_from_rule() -> None:
    ports = (None, -1, 0, 1, 22, 255, 256, 65535, 65536)
    for protocol in ("tcp", "udp", "icmp", "icmpv6", "-1", "6", "17", "1", "58", "47", "all", "bogus", "300"):
        for lo in ports:
            for hi in ports:
                try:
                    expected: object = Traffic.from_rule(protocol, lo, hi)
                except NetAlgebraError as exc:
                    expected = (type(exc), str(exc))
                for _ in range(2):  # the second call answers from the cache (errors are not cached)
                    try:
                        got: object = rule_traffic(protocol, lo, hi)
                    except NetAlgebraError as exc:
                        got = (type(exc), str(exc))
                    assert got == expected, (protocol, lo, hi)


# ---- rule cuts and the security-group layer -------------------------------------------------------


def ref_rule_cuts(engine: Engine, p: Placement, direction: Direction, family: int) -> list[AddressSet]:
    cuts: list[AddressSet] = []
    for gid in p.group_ids:
        g = engine.index.group(gid)
        for r in g.rules(direction) if g else ():
            if r.cidr is not None and r.family == family:
                cuts.append(r.cidr)
            elif r.peer_kind is PeerKind.PREFIX_LIST:
                pl = engine.index.prefix_list(r.peer_id)
                if pl is not None:
                    cuts += [AddressSet.from_cidr(c) for c in pl[0 if family == 4 else 1].to_cidrs()]
    return cuts


def ref_sg_side(
    engine: Engine, side: Placement, peer: Placement, direction: Direction, traffic: Traffic, *, refs: bool
) -> Tri:
    best: Tri | None = None
    for family in (4, 6):
        block = peer.addresses(family)
        if not block or not side.addresses(family):
            continue
        fam = Tri.ALLOW
        for atom in split(block, ref_rule_cuts(engine, side, direction, family)):
            out = engine.evaluator.sg_match(
                side, peer, direction, family=family, addr=atom.points.intervals[0][0], refs_ok=refs
            )
            if out.allowed().covers(traffic):
                res = Tri.ALLOW
            elif out.possible().covers(traffic):
                res = Tri.UNKNOWN
            else:
                res = Tri.DENY
            fam = fam & res
        best = fam if best is None else best | fam
    return best if best is not None else Tri.UNKNOWN


PROBES = (
    Traffic.single("tcp", 22),
    Traffic.single("tcp", 5432),
    Traffic.single("udp", 53),
    Traffic.single("icmp", 8, 0),
    Traffic.single("icmpv6", 128, 0),
    Traffic.single(47),
    Traffic.from_rule("tcp", 1000, 2000),  # several ports: the union decides, not one rule
    Traffic.from_rule("-1"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipe=recipes(), data=st.data())
def test_rule_cuts_and_sg_layer_equal_the_reference(recipe: Recipe, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_for(recipe, Path(tmp))
        placements = [p for ep in engine.endpoints() for p in (*ep.placements, *ep.configured_placements)]
        placements.append(engine.internet_placement)
        for p in placements:
            for direction in (Direction.INGRESS, Direction.EGRESS):
                for family in (4, 6):
                    assert engine.evaluator.rule_cuts(p, direction, family) == ref_rule_cuts(
                        engine, p, direction, family
                    )
        if len(placements) < 2:
            return
        for _ in range(12):
            src = data.draw(st.sampled_from(placements), label="source")
            dst = data.draw(st.sampled_from(placements), label="destination")
            traffic = data.draw(st.sampled_from(PROBES), label="traffic")
            refs = engine.evaluator.refs_private(src, dst)
            egress, ingress = engine.sg_layer(src, dst, traffic)
            if not src.is_external and src.sg_filtered:
                assert egress is ref_sg_side(engine, src, dst, Direction.EGRESS, traffic, refs=refs)
            if not dst.is_external and dst.sg_filtered:
                assert ingress is ref_sg_side(engine, dst, src, Direction.INGRESS, traffic, refs=refs)
