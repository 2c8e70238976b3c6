"""Intents: the written ones of ``sgaudit.yaml`` and the ones sgaudit infers, resolved and evaluated.

Inferred intents (DESIGN.md section 8), each labelled ``inferred`` with the reason:

- **sg-reference**: one side of a security-group pair names the other (a half-open pair): the flow it
  names is probably wanted;
- **load-balancer**: a load balancer's target group and its targets' port;
- **task-environment**: an ECS task definition (or a Lambda function) whose environment holds a
  database endpoint address. Values are compared, never shown: only the variable NAME is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sgaudit.checks.context import CheckContext
from sgaudit.collector import spare_what_exists
from sgaudit.config import IntentSpec
from sgaudit.engine import Endpoint, PathResult
from sgaudit.errors import ConfigError, SelectorError, UsageError
from sgaudit.findings import INFERRED_PREFIX, IntentResult

log = logging.getLogger(__name__)

IntentKind = Literal["written", "sg-reference", "load-balancer", "task-environment"]


class IntentCase(BaseModel):
    """An intent resolved to endpoints and evaluated by the engine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: Endpoint
    destination: Endpoint
    from_selector: str
    to_selector: str
    protocol: str
    port: int | None
    expect: Literal["reachable", "blocked"]
    kind: IntentKind
    reason: str | None = None
    where: str = ""
    result: PathResult

    @property
    def inferred(self) -> bool:
        """True unless the intent was written in the config."""
        return self.kind != "written"

    @property
    def ok(self) -> bool:
        """True when the verdict is what the intent expects (unknown never is)."""
        return self.result.verdict == ("reachable" if self.expect == "reachable" else "blocked")

    @property
    def flow_label(self) -> str:
        """``ecs:prod/api -> rds:prod-db tcp/5432``."""
        port = f"/{self.port}" if self.port is not None else ""
        return f"{self.source.selector} -> {self.destination.selector} {self.protocol}{port}"

    def to_result(self) -> IntentResult:
        """The ``intents`` entry of the JSON report."""
        reason = self.reason
        if self.result.verdict == "unknown" and self.result.unknowns:
            reason = "; ".join(x for x in [reason, *self.result.unknowns] if x)
        return IntentResult.model_validate(
            {
                "name": self.name,
                "from": self.from_selector,
                "to": self.to_selector,
                "protocol": self.protocol,
                "port": self.port,
                "expect": self.expect,
                "verdict": self.result.verdict,
                "ok": self.ok,
                "inferred": self.inferred,
                "reason": reason,
            }
        )


class _Candidate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: Endpoint
    destination: Endpoint
    from_selector: str
    to_selector: str
    protocol: str
    port: int | None
    expect: Literal["reachable", "blocked"] = "reachable"
    kind: IntentKind
    reason: str | None = None
    where: str = ""

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return (self.source.selector, self.destination.selector, self.protocol, self.port)


def default_port(destination: Endpoint, protocol: str) -> int | None:
    """The destination's listening port for ``protocol`` (the lowest when it has several)."""
    ports = sorted(p for proto, p in destination.listen_ports if proto == protocol)
    return ports[0] if ports else None


def _written(ctx: CheckContext, intent: IntentSpec) -> _Candidate:
    where = intent.where
    prefix = f"{where}: " if where else ""
    try:
        src = ctx.engine.resolve(intent.from_)
    except SelectorError as exc:
        raise SelectorError(f"{prefix}intent {intent.name!r}: from: {exc}") from None
    try:
        dst = ctx.engine.resolve(intent.to)
    except SelectorError as exc:
        raise SelectorError(f"{prefix}intent {intent.name!r}: to: {exc}") from None
    port = intent.port
    if port is None and intent.protocol in ("tcp", "udp"):
        port = default_port(dst, intent.protocol)
        if port is None:
            raise ConfigError(
                f"{prefix}intent {intent.name!r}: {dst.selector} has no listening {intent.protocol} port;"
                " give the intent a port"
            )
    return _Candidate(
        name=intent.name,
        source=src,
        destination=dst,
        from_selector=intent.from_,
        to_selector=intent.to,
        protocol=intent.protocol,
        port=port,
        expect=intent.expect,
        kind="written",
        reason=intent.description,
        where=where,
    )


def _resolve_quiet(ctx: CheckContext, selector: str) -> Endpoint | None:
    # Inference only proposes flows: a target the engine cannot resolve is skipped (at debug level),
    # it is not an error the user made.
    try:
        return ctx.engine.resolve(selector)
    except SelectorError as exc:
        log.debug("inferred intent skipped: %s", exc)
        return None


def _inferred(
    kind: IntentKind, src: Endpoint, dst: Endpoint, *, protocol: str, port: int, reason: str
) -> _Candidate:
    return _Candidate(
        name=f"{INFERRED_PREFIX}{src.selector} -> {dst.selector} {protocol}/{port}",
        source=src,
        destination=dst,
        from_selector=src.selector,
        to_selector=dst.selector,
        protocol=protocol,
        port=port,
        kind=kind,
        reason=reason,
    )


def _from_sg_references(ctx: CheckContext) -> Iterable[_Candidate]:
    from sgaudit.checks.half_open_reference import find_half_open  # noqa: PLC0415 - it imports us

    for h in find_half_open(ctx):
        if h.port is None:
            continue
        src = _resolve_quiet(ctx, f"sg:{h.source_group}")
        dst = _resolve_quiet(ctx, f"sg:{h.destination_group}")
        if src is None or dst is None:
            continue
        yield _inferred(
            "sg-reference",
            src,
            dst,
            protocol=h.protocol,
            port=h.port,
            reason=f"{h.rule_ref} on {h.rule.group_id} names {h.peer_group} for {h.protocol}/{h.port}",
        )


def _from_load_balancers(ctx: CheckContext) -> Iterable[_Candidate]:
    inv = ctx.inventory
    lb_names = {arn: lb.load_balancer_name for arn, lb in inv.load_balancers.items()}
    for arn in sorted(inv.ecs_services):
        svc = inv.ecs_services[arn]
        svc_sel = f"ecs:{inv.cluster_name(svc.cluster_arn) or '?'}/{svc.service_name}"
        for slb in svc.load_balancers:
            tg = inv.target_groups.get(slb.target_group_arn or "")
            port = slb.container_port or (tg.port if tg else None)
            if tg is None or port is None:
                continue
            for lb_arn in sorted(tg.load_balancer_arns):
                if lb_arn not in lb_names:
                    continue
                src = _resolve_quiet(ctx, f"elb:{lb_names[lb_arn]}")
                dst = _resolve_quiet(ctx, svc_sel)
                if src and dst:
                    yield _inferred(
                        "load-balancer",
                        src,
                        dst,
                        protocol="tcp",
                        port=port,
                        reason=f"target group {tg.target_group_name or tg.target_group_arn} of {src.selector}"
                        f" forwards to {svc_sel} on port {port}",
                    )
    # Target groups an ECS service registers with were covered above, as the service (not task IPs).
    service_groups = {
        slb.target_group_arn
        for s in inv.ecs_services.values()
        for slb in s.load_balancers
        if slb.target_group_arn
    }
    for tg_arn in sorted(inv.target_health):
        tg = inv.target_groups.get(tg_arn)
        if tg is None or tg.target_type not in ("instance", "ip") or tg_arn in service_groups:
            continue
        for desc in inv.target_health[tg_arn].target_health_descriptions:
            port = desc.target.port or tg.port
            if port is None:
                continue
            target_sel = f"ec2:{desc.target.id}" if tg.target_type == "instance" else f"ip:{desc.target.id}"
            for lb_arn in sorted(tg.load_balancer_arns):
                if lb_arn not in lb_names:
                    continue
                src = _resolve_quiet(ctx, f"elb:{lb_names[lb_arn]}")
                dst = _resolve_quiet(ctx, target_sel)
                if src and dst:
                    yield _inferred(
                        "load-balancer",
                        src,
                        dst,
                        protocol="tcp",
                        port=port,
                        reason=f"target group {tg.target_group_name or tg_arn} of {src.selector} has target"
                        f" {desc.target.id} on port {port}",
                    )


def _db_addresses(ctx: CheckContext) -> list[tuple[str, str, int]]:
    """(endpoint address, selector, port) of every DB instance and cluster, longest address first."""
    inv = ctx.inventory
    out: list[tuple[str, str, int]] = []
    for ident in sorted(inv.db_instances):
        db = inv.db_instances[ident]
        if db.endpoint and db.endpoint.address and db.port:
            out.append((db.endpoint.address.lower(), f"rds:{ident}", db.port))
    for ident in sorted(inv.db_clusters):
        cl = inv.db_clusters[ident]
        for address in (cl.endpoint, cl.reader_endpoint):
            if address and cl.port:
                out.append((address.lower(), f"rds-cluster:{ident}", cl.port))
    return sorted(out, key=lambda t: (-len(t[0]), t[0], t[1]))


def _from_environment(ctx: CheckContext) -> Iterable[_Candidate]:
    inv = ctx.inventory
    addresses = _db_addresses(ctx)
    if not addresses:
        return
    for arn in sorted(inv.ecs_services):
        svc = inv.ecs_services[arn]
        td = inv.task_definitions.get(svc.task_definition or "")
        if td is None:
            continue
        svc_sel = f"ecs:{inv.cluster_name(svc.cluster_arn) or '?'}/{svc.service_name}"
        for container in td.container_definitions:
            for var in container.environment:
                if var.value is None:
                    continue
                # The value is compared here and never leaves this function.
                secret = var.value.get_secret_value().lower()
                for address, db_sel, port in addresses:
                    if address in secret:
                        src = _resolve_quiet(ctx, svc_sel)
                        dst = _resolve_quiet(ctx, db_sel)
                        if src and dst:
                            revision = f"{td.family}:{td.revision}" if td.family else td.task_definition_arn
                            yield _inferred(
                                "task-environment",
                                src,
                                dst,
                                protocol="tcp",
                                port=port,
                                reason=(
                                    f"task definition {revision} container {container.name}"
                                    f" environment variable {var.name} names the endpoint of {db_sel}"
                                ),
                            )
                        break
    for name in sorted(inv.lambda_functions):
        fn = inv.lambda_functions[name]
        if not fn.in_vpc or fn.environment is None:
            continue
        for var_name in sorted(fn.environment.variables):
            secret = fn.environment.variables[var_name].get_secret_value().lower()
            for address, db_sel, port in addresses:
                if address in secret:
                    src = _resolve_quiet(ctx, f"lambda:{name}")
                    dst = _resolve_quiet(ctx, db_sel)
                    if src and dst:
                        yield _inferred(
                            "task-environment",
                            src,
                            dst,
                            protocol="tcp",
                            port=port,
                            reason=f"Lambda function {name} environment variable {var_name}"
                            f" names the endpoint of {db_sel}",
                        )
                    break


def evaluate_intents(ctx: CheckContext, *, infer: bool = True) -> list[IntentCase]:
    """Resolve and evaluate the written intents, then the inferred ones that no written intent covers.

    A written intent whose selector matches nothing is a :class:`SelectorError` naming the config file
    and line; one with no port and a destination with no listening port is a :class:`ConfigError`.
    """
    candidates: dict[tuple[str, str, str, int | None], _Candidate] = {}
    for intent in ctx.config.intents:
        c = _written(ctx, intent)
        candidates.setdefault(c.key, c)
    if infer:
        for source in (_from_environment, _from_load_balancers, _from_sg_references):
            for c in source(ctx):
                if c.source.selector == c.destination.selector:
                    continue
                candidates.setdefault(c.key, c)
            # The endpoints, placements and half-open pairs the inference built serve the whole run.
            spare_what_exists()
    cases = []
    for c in candidates.values():
        try:
            result = ctx.engine.path(c.source, c.destination, c.protocol, c.port)
        except UsageError as exc:
            # The engine rejects flows it cannot query (an ICMP intent without a type, say): that is
            # a mistake in the config file, so say where.
            prefix = f"{c.where}: " if c.where else ""
            raise ConfigError(f"{prefix}intent {c.name!r}: {exc}") from None
        fields = {k: getattr(c, k) for k in _Candidate.model_fields}
        cases.append(IntentCase(**fields, result=result))
    return sorted(cases, key=lambda c: (c.inferred, c.name))
