"""`Engine`: the one object checks, reports and the CLI use (its public methods are the contract)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sgaudit.collector import collector_paused
from sgaudit.engine.endpoints import EndpointResolver
from sgaudit.engine.evaluate import Evaluator, Query, split
from sgaudit.engine.exposure import ExposureBuilder
from sgaudit.engine.graph import build_graph
from sgaudit.engine.index import NetIndex
from sgaudit.engine.models import Endpoint, EngineOptions, Exposure, Flow, PathResult, Placement, Tri
from sgaudit.engine.paths import PathBuilder
from sgaudit.errors import UsageError
from sgaudit.inventory import Direction, Inventory
from sgaudit.netalgebra import InvalidTrafficError, Traffic, protocol_number

_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


class Engine:
    """Reachability over one inventory: selectors, the graph, pair evaluation, paths, exposure.

    Construction is cheap (one pass over the interfaces); groups, route tables and NACLs are
    compiled on first use and cached, so repeated queries do no parsing. ``graph`` is built on
    first access.
    """

    def __init__(self, inventory: Inventory, options: EngineOptions | None = None) -> None:
        self.inventory = inventory
        self.options = options or EngineOptions()
        self.index = NetIndex(inventory)
        self.evaluator = Evaluator(self.index, self.options)
        self.resolver = EndpointResolver(self.index)
        self._paths = PathBuilder(self.index, self.evaluator)
        self.index.warm()

    # ---- selectors and endpoints ----------------------------------------------------------------

    def resolve(self, selector: str) -> Endpoint:
        """The endpoint a selector names (DESIGN.md section 3); `SelectorError` with the closest
        matches when it names nothing."""
        return self.resolver.resolve(selector)

    def endpoints(self) -> list[Endpoint]:
        """Every workload endpoint (ECS services, standalone tasks, RDS, clusters, load balancers,
        VPC Lambdas, EC2 instances, interface endpoints, unowned interfaces), sorted by selector."""
        with collector_paused():  # tens of thousands of placements, built and kept: nothing to collect
            return self.resolver.endpoints()

    @cached_property
    def internet_placement(self) -> Placement:
        """The internet pseudo-placement (addresses outside every VPC)."""
        return self.resolve("internet").placements[0]

    @cached_property
    def graph(self) -> Any:
        """The networkx MultiDiGraph of the inventory and its endpoints (see `sgaudit.engine.graph`)."""
        return build_graph(self.index, [*self.endpoints(), self.resolve("internet")])

    # ---- paths ----------------------------------------------------------------------------------

    def query(
        self, dst: Endpoint, protocol: str | int = "tcp", port: int | None = None, code: int | None = None
    ) -> Query:
        """Validate a flow, defaulting the port to ``dst``'s listen port; `UsageError` when impossible."""
        try:
            number = protocol_number(protocol)
        except InvalidTrafficError as exc:
            raise UsageError(str(exc)) from None
        if number == -1:
            raise UsageError(
                "a path is one flow: give one protocol (tcp, udp, icmp, icmpv6 or a number), not -1/all"
            )
        name = _NAMES.get(number, str(number))
        if number in (6, 17):
            if port is None:
                ports = sorted({p for proto, p in dst.listen_ports if proto == name})
                if not ports:
                    raise UsageError(f"{dst.selector} has no known {name} listen port: give --port")
                if len(ports) > 1:
                    raise UsageError(
                        f"{dst.selector} listens on {name} {', '.join(map(str, ports))}:"
                        " choose one with --port"
                    )
                port = ports[0]
            if not 0 <= port <= 65535:
                raise UsageError(f"port {port} is outside 0-65535")
        elif number in (1, 58):
            if port is None:
                raise UsageError(f"an {name} path needs the ICMP type as --port (e.g. 8 for echo request)")
            code = 0 if code is None else code
            if not (0 <= port <= 255 and 0 <= code <= 255):
                raise UsageError(f"ICMP type {port} / code {code}: both are 0-255")
        else:
            port, code = None, None
        return Query.make(number, port, code)

    def path(
        self,
        src: Endpoint,
        dst: Endpoint,
        protocol: str = "tcp",
        port: int | None = None,
        code: int | None = None,
    ) -> PathResult:
        """One path, hop by hop, with every blocker and the minimal fix.

        ``port`` None means ``dst``'s listen port for the protocol (the RDS endpoint port), else
        `UsageError`. For ICMP ``port`` is the type and ``code`` the code (default 0). For an ECS
        service, ``configured`` holds the verdict for a NEW task when it differs.
        """
        q = self.query(dst, protocol, port, code)
        name = _NAMES.get(q.protocol, str(q.protocol))
        result = self._paths.path(src, dst, q, protocol=name, port=q.port, code=q.code)
        if src.configured_placements or dst.configured_placements:
            conf = self._paths.path(
                src,
                dst,
                q,
                protocol=name,
                port=q.port,
                code=q.code,
                sources=src.configured_placements or src.placements,
                destinations=dst.configured_placements or dst.placements,
            )
            if conf.verdict != result.verdict:
                result = result.model_copy(update={"configured": conf})
        return result

    def matrix(
        self,
        sources: Sequence[Endpoint] | None = None,
        destinations: Sequence[Endpoint] | None = None,
        include_internet: bool = True,
    ) -> list[Flow]:
        """Every allowed flow between endpoints (``sgaudit.engine.matrix.compute_matrix``)."""
        from sgaudit.engine.matrix import compute_matrix  # noqa: PLC0415 - matrix imports this module

        flows: list[Flow] = compute_matrix(self, sources, destinations, include_internet)
        return flows

    def allowed_traffic(self, src: Endpoint, dst: Endpoint) -> tuple[Traffic, Traffic]:
        """(traffic reachable for EVERY pair, traffic reachable for SOME pair), computed per pair
        with traffic sets; undecidable traffic counts as not reachable."""
        return self._paths.allowed(src, dst)

    @cached_property
    def _exposure(self) -> ExposureBuilder:
        # One builder per engine: placements of one subnet and group set share their answer
        # across every endpoint asked about.
        return ExposureBuilder(self.index, self.evaluator, self.internet_placement)

    def internet_exposure(self, dst: Endpoint) -> Exposure:
        """What of ``dst`` the internet reaches through public address, igw route, NACL and SGs."""
        return self._exposure.exposure(dst)

    def sg_layer(self, src: Placement, dst: Placement, traffic: Traffic) -> tuple[Tri, Tri]:
        """(source egress, destination ingress) for ``traffic``, ignoring routes and NACLs.

        A side ALLOWs when its rules allow every flow of ``traffic`` for every address of the other
        side; UNKNOWN when that holds only counting undecidable rules; DENY otherwise. Families:
        the best one wins, as for pairs.
        """
        refs = self.evaluator.refs_private(src, dst)
        egress = Tri.ALLOW
        ingress = Tri.ALLOW
        if not src.is_external and src.sg_filtered:
            egress = self._sg_side(src, dst, Direction.EGRESS, traffic, refs)
        if not dst.is_external and dst.sg_filtered:
            ingress = self._sg_side(dst, src, Direction.INGRESS, traffic, refs)
        return egress, ingress

    def _sg_side(
        self, side: Placement, peer: Placement, direction: Direction, traffic: Traffic, refs: bool
    ) -> Tri:
        best: Tri | None = None
        for family in (4, 6):
            block = peer.addresses(family)
            if not block or not side.addresses(family):
                continue
            cuts = self.evaluator.rule_cuts(side, direction, family)
            fam = Tri.ALLOW
            for atom in split(block, cuts):
                out = self.evaluator.sg_match(
                    side, peer, direction, family=family, addr=atom.points.intervals[0][0], refs_ok=refs
                )
                # One rule that covers the traffic decides without the union (probes are one flow).
                if any(r.traffic.covers(traffic) for r in out.rules) or out.allowed().covers(traffic):
                    res = Tri.ALLOW
                elif out.possible().covers(traffic):
                    res = Tri.UNKNOWN
                else:
                    res = Tri.DENY
                fam = fam & res
            best = fam if best is None else best | fam
        return best if best is not None else Tri.UNKNOWN
