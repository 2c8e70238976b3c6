"""Selectors (DESIGN.md section 3) resolved to endpoints and their placements.

One grammar everywhere: ``ecs:<cluster>/<service>``, ``ecs-task:<id>``, ``rds:<id>``,
``rds-cluster:<id>``, ``ec2:<id>``, ``eni:<id>``, ``elb:<name>``, ``lambda:<name>``, ``vpce:<id>``,
``sg:<id>``, ``ip:<address>``, ``cidr:<block>``, ``pl:<id>``, ``internet``, ``tag:<Key>=<Value>``,
``name:<Name tag>``, and bare ``i-``/``eni-``/``sg-`` ids. A selector that matches nothing raises
`SelectorError` with the closest known selectors.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from typing import NoReturn

from sgaudit.engine.index import NetIndex, single_address
from sgaudit.engine.models import Endpoint, EndpointKind, Listeners, Placement, Tier
from sgaudit.errors import SelectorError
from sgaudit.inventory import EcsTask, EniOwnerKind, NetworkInterface
from sgaudit.model.ecs import AwsVpcConfiguration, EcsService
from sgaudit.model.elbv2 import Listener, LoadBalancer
from sgaudit.netalgebra import AddressSet

_KINDS = {k.value: k for k in EndpointKind}
_LISTENER_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "HTTP": ("tcp",),
    "HTTPS": ("tcp",),
    "TCP": ("tcp",),
    "TLS": ("tcp",),
    "UDP": ("udp",),
    "TCP_UDP": ("tcp", "udp"),
    "GENEVE": ("udp",),
}
_CLIENT_KIND = {
    EniOwnerKind.ECS_TASK: "ecs_task",
    EniOwnerKind.LOAD_BALANCER: "load_balancer",
    EniOwnerKind.LAMBDA: "lambda",
    EniOwnerKind.NAT_GATEWAY: "nat",
    EniOwnerKind.EC2_INSTANCE: "ec2",
}
_UNFILTERED_TYPES = frozenset({"network_load_balancer", "gateway_load_balancer", "natGateway"})
_COVERED_OWNERS = frozenset(
    {
        EniOwnerKind.ECS_TASK,
        EniOwnerKind.RDS,
        EniOwnerKind.LOAD_BALANCER,
        EniOwnerKind.LAMBDA,
        EniOwnerKind.VPC_ENDPOINT,
        EniOwnerKind.EC2_INSTANCE,
    }
)
_NOT_WORKLOADS = frozenset({EniOwnerKind.NAT_GATEWAY, EniOwnerKind.TRANSIT_GATEWAY, EniOwnerKind.RDS})


class EndpointResolver:
    """Resolves selectors against one inventory (results are cached)."""

    def __init__(self, index: NetIndex) -> None:
        self.ix = index
        self.inv = index.inv
        self._cache: dict[str, Endpoint] = {}
        self.services: dict[tuple[str, str], EcsService] = {}
        for svc in self.inv.ecs_services.values():
            cluster = self.inv.cluster_name(svc.cluster_arn) or "default"
            self.services.setdefault((cluster, svc.service_name), svc)
        self.lbs_by_name: dict[str, LoadBalancer] = {}
        for lb in self.inv.load_balancers.values():
            self.lbs_by_name.setdefault(lb.load_balancer_name, lb)
        self.listener_ports = _listener_ports(self.inv.listeners.values())
        self.listeners = _listeners_by_lb(self.listener_ports, self.inv.load_balancers)
        self.default_group: dict[str, str] = {}
        for g in self.inv.security_groups.values():
            if g.is_default and g.vpc_id:
                self.default_group.setdefault(g.vpc_id, g.group_id)

    # ---- public API -----------------------------------------------------------------------------

    def resolve(self, selector: str) -> Endpoint:
        """The endpoint a selector names; `SelectorError` when it matches nothing."""
        text = selector.strip()
        if text in self._cache:
            return self._cache[text]
        endpoint = self._resolve(text)
        self._cache[text] = endpoint
        self._cache.setdefault(endpoint.selector, endpoint)
        return endpoint

    def endpoints(self) -> list[Endpoint]:
        """Every workload endpoint of the snapshot, sorted by selector."""
        out: list[Endpoint] = []
        for cluster, name in sorted(self.services):
            out.append(self.resolve(f"ecs:{cluster}/{name}"))
        for task in self.inv.ecs_tasks.values():
            if task.running and task.eni_id in self.inv.network_interfaces and not self._task_service(task):
                out.append(self.resolve(f"ecs-task:{task.task_id}"))
        for db in self.inv.db_instances:
            out.append(self.resolve(f"rds:{db}"))
        for cl in self.inv.db_clusters:
            out.append(self.resolve(f"rds-cluster:{cl}"))
        for lb_name in self.lbs_by_name:
            out.append(self.resolve(f"elb:{lb_name}"))
        for fn in self.inv.lambda_functions.values():
            if fn.in_vpc:
                out.append(self.resolve(f"lambda:{fn.function_name}"))
        for iid in self.inv.instances:
            if self.ix.enis_by_instance.get(iid):
                out.append(self.resolve(f"ec2:{iid}"))
        for vid in self.inv.vpc_endpoints:
            if self.ix.enis_by_vpce.get(vid):
                out.append(self.resolve(f"vpce:{vid}"))
        for eni in self.inv.network_interfaces.values():
            if self._unowned(eni):
                out.append(self.resolve(f"eni:{eni.interface_id}"))
        unique = {e.selector: e for e in out}
        return [unique[k] for k in sorted(unique)]

    # ---- dispatch -------------------------------------------------------------------------------

    def _resolve(self, text: str) -> Endpoint:
        if text == "internet":
            return self._internet()
        if ":" not in text:
            for prefix, kind in (
                ("i-", "ec2"),
                ("eni-", "eni"),
                ("sg-", "sg"),
                ("pl-", "pl"),
                ("vpce-", "vpce"),
            ):
                if text.startswith(prefix):
                    return self._resolve(f"{kind}:{text}")
            self._fail(text, f"unknown selector {text!r}")
        kind_text, value = text.split(":", 1)
        found = _KINDS.get(kind_text)
        value = value.strip()
        if found is None or found is EndpointKind.INTERNET:
            self._fail(
                text,
                f"unknown selector kind {kind_text!r} in {text!r} (expected one of "
                + ", ".join(sorted(k for k in _KINDS if k != "internet"))
                + ", or internet)",
            )
        if not value:
            self._fail(text, f"selector {text!r} has no value after {kind_text}:")
        handler = self._handlers[found]
        return handler(text, value)

    @cached_property
    def _handlers(self) -> dict[EndpointKind, Callable[[str, str], Endpoint]]:
        # Built once: `endpoints()` resolves every workload of the snapshot through here.
        return {
            EndpointKind.EC2: self._ec2,
            EndpointKind.ENI: self._eni,
            EndpointKind.ECS_SERVICE: self._service,
            EndpointKind.ECS_TASK: self._task,
            EndpointKind.RDS: self._rds,
            EndpointKind.RDS_CLUSTER: self._rds_cluster,
            EndpointKind.ELB: self._elb,
            EndpointKind.LAMBDA: self._lambda,
            EndpointKind.VPCE: self._vpce,
            EndpointKind.SG: self._sg,
            EndpointKind.CIDR: self._cidr,
            EndpointKind.IP: self._ip,
            EndpointKind.PREFIX_LIST: self._pl,
            EndpointKind.TAG: self._tag,
            EndpointKind.NAME: self._name,
        }

    def _fail(self, text: str, message: str, kind: str | None = None) -> NoReturn:
        candidates = self._candidates(kind)
        close = difflib.get_close_matches(text, candidates, n=5, cutoff=0.5)
        if not close and ":" in text:
            value = text.split(":", 1)[1]
            by_value = {c.split(":", 1)[-1]: c for c in candidates}
            close = [by_value[v] for v in difflib.get_close_matches(value, list(by_value), n=5, cutoff=0.5)]
        hint = f"; closest matches: {', '.join(close)}" if close else ""
        raise SelectorError(f"{message}{hint}")

    def _candidates(self, kind: str | None) -> list[str]:
        if kind is not None:
            return [c for c in self._all_selectors if c.startswith(f"{kind}:")]
        return self._all_selectors

    @cached_property
    def _all_selectors(self) -> list[str]:
        out = ["internet"]
        out += [f"ecs:{c}/{s}" for c, s in self.services]
        out += [f"ecs-task:{t.task_id}" for t in self.inv.ecs_tasks.values()]
        out += [f"rds:{d}" for d in self.inv.db_instances]
        out += [f"rds-cluster:{d}" for d in self.inv.db_clusters]
        out += [f"elb:{n}" for n in self.lbs_by_name]
        out += [f"lambda:{n}" for n in self.inv.lambda_functions]
        out += [f"ec2:{i}" for i in self.inv.instances]
        out += [f"vpce:{v}" for v in self.inv.vpc_endpoints]
        out += [f"sg:{g}" for g in self.inv.security_groups]
        out += [f"pl:{p}" for p in self.inv.prefix_lists]
        out += [f"eni:{e}" for e in self.inv.network_interfaces]
        out += [f"name:{n}" for n in sorted(self._names)]
        return out

    # ---- placements -----------------------------------------------------------------------------

    def interface_placement(self, eni: NetworkInterface, client_kind: str | None = None) -> Placement:
        """An interface: its primary private IPv4 and first IPv6 address, all its groups."""
        a4 = single_address(eni.primary_ip) or AddressSet.empty(4)
        a6 = single_address(eni.ipv6_addresses[0] if eni.ipv6_addresses else None) or AddressSet.empty(6)
        kind = client_kind or _CLIENT_KIND.get(eni.owner.kind, "eni")
        if kind == "ec2" and eni.instance_id:
            inst = self.inv.instances.get(eni.instance_id)
            if inst is not None and (inst.platform or "").lower() == "windows":
                kind = "windows"
        return Placement(
            id=eni.interface_id,
            kind="interface",
            interface_id=eni.interface_id,
            vpc_id=eni.vpc_id,
            subnet_id=eni.subnet_id,
            account=eni.owner_id or self.ix.account_of(eni.interface_id),
            region=self.ix.region_of(eni.interface_id),
            group_ids=eni.group_ids,
            addresses4=a4,
            addresses6=a6,
            public_ips=eni.public_ips,
            public=bool(eni.public_ips),
            client_kind=kind,
            sg_filtered=bool(eni.group_ids) or eni.interface_type not in _UNFILTERED_TYPES,
            label=eni.tags.get("Name", ""),
            # Whatever selector names the interface, a load balancer node accepts only its listeners.
            listeners=self.listeners.get(eni.owner.resource_id or "")
            if eni.owner.kind is EniOwnerKind.LOAD_BALANCER
            else None,
        )

    def range_placement(
        self,
        pid: str,
        subnet_id: str,
        group_ids: Iterable[str],
        *,
        public: bool,
        ipv6: bool,
        client_kind: str,
        sg_filtered: bool = True,
        listeners: Listeners | None = None,
    ) -> Placement:
        """Anywhere in a subnet: its whole CIDR per family (semantics.md, range placement)."""
        cidrs = self.ix.subnet_cidrs(subnet_id)
        subnet = self.inv.subnets.get(subnet_id)
        a4, a6 = cidrs if cidrs else (AddressSet.empty(4), AddressSet.empty(6))
        return Placement(
            id=pid,
            kind="subnet-range",
            vpc_id=subnet.vpc_id if subnet else None,
            subnet_id=subnet_id,
            account=(subnet.owner_id if subnet else None) or self.ix.account_of(subnet_id),
            region=self.ix.region_of(subnet_id),
            group_ids=tuple(dict.fromkeys(group_ids)),
            addresses4=a4,
            addresses6=a6 if ipv6 else AddressSet.empty(6),
            public=public,
            client_kind=client_kind,
            sg_filtered=sg_filtered,
            label=(subnet.name or "") if subnet else "",
            listeners=listeners,
        )

    def _external(self, pid: str, kind: str, a4: AddressSet, a6: AddressSet) -> Placement:
        return Placement(
            id=pid,
            kind="internet" if kind == "internet" else "cidr",
            addresses4=a4,
            addresses6=a6,
            public=True,
            client_kind="internet",
            sg_filtered=False,
        )

    def _interfaces(self, ids: Iterable[str]) -> list[NetworkInterface]:
        out = []
        for eid in dict.fromkeys(ids):
            eni = self.inv.network_interfaces.get(eid)
            if eni is not None:
                out.append(eni)
        return out

    # ---- endpoint kinds -------------------------------------------------------------------------

    def _endpoint(
        self,
        selector: str,
        kind: EndpointKind,
        label: str,
        placements: Iterable[Placement],
        *,
        arn: str | None = None,
        configured: Iterable[Placement] = (),
        listen_ports: Iterable[tuple[str, int]] = (),
        public: bool | None = None,
        tier: Tier = "app",
        group_ids: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> Endpoint:
        pl = tuple(_dedupe(placements))
        cf = tuple(_dedupe(configured))
        every = pl + cf
        groups = tuple(dict.fromkeys([*group_ids, *(g for p in every for g in p.group_ids)]))
        return Endpoint(
            selector=selector,
            kind=kind,
            label=label,
            arn=arn,
            vpc_ids=tuple(sorted({p.vpc_id for p in every if p.vpc_id})),
            subnet_ids=tuple(sorted({p.subnet_id for p in every if p.subnet_id})),
            group_ids=groups,
            placements=pl,
            configured_placements=cf,
            listen_ports=tuple(sorted(set(listen_ports))),
            public=any(p.public for p in pl) if public is None else public,
            tier=tier,
            notes=tuple(notes),
        )

    def _internet(self) -> Endpoint:
        a4, a6 = self.ix.internet
        return self._endpoint(
            "internet",
            EndpointKind.INTERNET,
            "the internet",
            [self._external("internet", "internet", a4, a6)],
            public=True,
            tier="edge",
        )

    def _eni(self, text: str, value: str) -> Endpoint:
        eni = self.inv.network_interfaces.get(value)
        if eni is None:
            self._fail(text, f"no network interface {value} in the snapshot", "eni")
        label = eni.tags.get("Name") or eni.description or value
        return self._endpoint(f"eni:{value}", EndpointKind.ENI, label, [self.interface_placement(eni)])

    def _ec2(self, text: str, value: str) -> Endpoint:
        inst = self.inv.instances.get(value)
        enis = self._interfaces(self.ix.enis_by_instance.get(value, ()))
        if inst is None and not enis:
            self._fail(text, f"no EC2 instance {value} in the snapshot", "ec2")
        if not enis:
            self._fail(text, f"EC2 instance {value} has no network interface in the snapshot", "ec2")
        notes = []
        if inst is not None and inst.state.name != "running":
            notes.append(f"instance {value} is {inst.state.name}")
        label = (inst.name if inst else None) or value
        return self._endpoint(
            f"ec2:{value}",
            EndpointKind.EC2,
            label,
            [self.interface_placement(e) for e in enis],
            notes=notes,
        )

    def _task_service(self, task: EcsTask) -> EcsService | None:
        if not task.service_name:
            return None
        cluster = self.inv.cluster_name(task.cluster_arn) or "default"
        return self.services.get((cluster, task.service_name))

    def _task_ports(self, task_definition_arn: str | None) -> list[tuple[str, int]]:
        td = self.inv.task_definitions.get(task_definition_arn or "")
        out: list[tuple[str, int]] = []
        for c in td.container_definitions if td else ():
            for pm in c.port_mappings:
                if pm.container_port is not None:
                    out.append(((pm.protocol or "tcp").lower(), pm.container_port))
        return out

    def _service(self, text: str, value: str) -> Endpoint:
        if "/" in value:
            cluster, name = value.split("/", 1)
        else:
            matches = [k for k in self.services if k[1] == value]
            if len(matches) != 1:
                self._fail(text, f"no ECS service {value!r}: use ecs:<cluster>/<service>", "ecs")
            cluster, name = matches[0]
        svc = self.services.get((cluster, name))
        if svc is None:
            self._fail(text, f"no ECS service {name} in cluster {cluster} in the snapshot", "ecs")
        selector = f"ecs:{cluster}/{name}"
        notes: list[str] = []
        running: list[Placement] = []
        for arn in self.ix.tasks_by_service.get((svc.cluster_arn, svc.service_name), ()):
            task = self.inv.ecs_tasks[arn]
            eni = self.inv.network_interfaces.get(task.eni_id or "")
            if eni is None:
                notes.append(
                    f"task {task.task_id}: its interface {task.eni_id or '?'} is not in the snapshot"
                )
                continue
            running.append(self.interface_placement(eni, "ecs_task"))
        config = _current_config(svc)
        configured: list[Placement] = []
        if config is not None:
            vpc = next((self.inv.subnets[s].vpc_id for s in config.subnets if s in self.inv.subnets), None)
            groups = tuple(config.security_groups) or (
                (self.default_group[vpc],) if vpc and vpc in self.default_group else ()
            )
            for sid in config.subnets:
                if sid not in self.inv.subnets:
                    notes.append(f"configured subnet {sid} is not in the snapshot")
                configured.append(
                    self.range_placement(
                        f"{selector}@{sid}(configured)",
                        sid,
                        groups,
                        public=config.assign_public_ip == "ENABLED",
                        ipv6=True,
                        client_kind="ecs_task",
                    )
                )
        if not running:
            notes.append("no running tasks: judged on the service's network configuration (a new task)")
            running, configured = list(configured), []
        ports = self._task_ports(svc.task_definition)
        ports += [("tcp", lb.container_port) for lb in svc.load_balancers if lb.container_port]
        return self._endpoint(
            selector,
            EndpointKind.ECS_SERVICE,
            name,
            running,
            arn=svc.service_arn,
            configured=configured,
            listen_ports=ports,
            group_ids=config.security_groups if config else (),
            notes=notes,
        )

    def _task(self, text: str, value: str) -> Endpoint:
        task = next(
            (t for t in self.inv.ecs_tasks.values() if value in (t.task_id, t.task_arn)),
            None,
        )
        if task is None:
            self._fail(text, f"no ECS task {value} in the snapshot", "ecs-task")
        eni = self.inv.network_interfaces.get(task.eni_id or "")
        if eni is None:
            self._fail(text, f"ECS task {value}: its interface {task.eni_id or '?'} is not in the snapshot")
        notes = [] if task.running else [f"task {task.task_id} is {task.last_status}"]
        return self._endpoint(
            f"ecs-task:{task.task_id}",
            EndpointKind.ECS_TASK,
            task.task_id,
            [self.interface_placement(eni, "ecs_task")],
            arn=task.task_arn,
            listen_ports=self._task_ports(task.task_definition_arn),
            notes=notes,
        )

    def _db_placements(
        self, selector: str, subnet_ids: Iterable[str], groups: tuple[str, ...], public: bool, dual: bool
    ) -> tuple[list[Placement], list[str]]:
        placements = []
        notes = []
        for sid in subnet_ids:
            if sid not in self.inv.subnets:
                notes.append(f"subnet {sid} of the DB subnet group is not in the snapshot")
            placements.append(
                self.range_placement(
                    f"{selector}@{sid}", sid, groups, public=public, ipv6=dual, client_kind="other"
                )
            )
        return placements, notes

    def _rds(self, text: str, value: str) -> Endpoint:
        db = self.inv.db_instances.get(value)
        if db is None:
            self._fail(text, f"no RDS DB instance {value} in the snapshot", "rds")
        selector = f"rds:{value}"
        subnets = db.subnet_ids
        if not subnets and db.db_cluster_identifier in self.inv.db_clusters:
            subnets = self.inv.db_cluster_subnet_ids(db.db_cluster_identifier or "")
        placements, notes = self._db_placements(
            selector,
            subnets,
            db.security_group_ids,
            db.publicly_accessible,
            (db.network_type or "") == "DUAL",
        )
        if not placements:
            self._fail(text, f"RDS DB instance {value} has no subnet group in the snapshot")
        return self._endpoint(
            selector,
            EndpointKind.RDS,
            db.tag_map.get("Name") or value,
            placements,
            arn=db.db_instance_arn,
            listen_ports=[("tcp", db.port)] if db.port else [],
            public=db.publicly_accessible,
            tier="data",
            group_ids=db.security_group_ids,
            notes=notes,
        )

    def _rds_cluster(self, text: str, value: str) -> Endpoint:
        cl = self.inv.db_clusters.get(value)
        if cl is None:
            self._fail(text, f"no RDS DB cluster {value} in the snapshot", "rds-cluster")
        selector = f"rds-cluster:{value}"
        members = [self.inv.db_instances.get(m.db_instance_identifier) for m in cl.db_cluster_members]
        dual = any(m is not None and (m.network_type or "") == "DUAL" for m in members)
        placements, notes = self._db_placements(
            selector,
            self.inv.db_cluster_subnet_ids(value),
            cl.security_group_ids,
            cl.publicly_accessible,
            dual,
        )
        if not placements:
            self._fail(text, f"RDS DB cluster {value} has no subnet group in the snapshot")
        port = cl.port or next((m.port for m in members if m is not None and m.port), None)
        return self._endpoint(
            selector,
            EndpointKind.RDS_CLUSTER,
            {t.key: t.value for t in cl.tag_list}.get("Name") or value,
            placements,
            arn=cl.db_cluster_arn,
            listen_ports=[("tcp", port)] if port else [],
            public=cl.publicly_accessible,
            tier="data",
            group_ids=cl.security_group_ids,
            notes=notes,
        )

    def _elb(self, text: str, value: str) -> Endpoint:
        lb = self.lbs_by_name.get(value) or self.inv.load_balancers.get(value)
        if lb is None:
            self._fail(text, f"no load balancer {value} in the snapshot", "elb")
        public = lb.scheme == "internet-facing"
        selector = f"elb:{lb.load_balancer_name}"
        filtered = bool(lb.security_groups) or lb.type not in ("network", "gateway")
        enis = self._interfaces(self.ix.enis_by_lb.get(lb.load_balancer_arn, ()))
        placements: list[Placement] = []
        for eni in enis:
            p = self.interface_placement(eni, "load_balancer")
            updates: dict[str, object] = {"sg_filtered": filtered}
            if public and not p.public:
                updates["public"] = True
            placements.append(p.model_copy(update=updates))
        if not placements:
            for sid in lb.subnet_ids:
                placements.append(
                    self.range_placement(
                        f"{selector}@{sid}",
                        sid,
                        lb.security_groups,
                        public=public,
                        ipv6=lb.ip_address_type.startswith("dualstack"),
                        client_kind="load_balancer",
                        sg_filtered=filtered,
                        listeners=self.listeners.get(lb.load_balancer_arn),
                    )
                )
        ports = self.listener_ports.get(lb.load_balancer_arn, [])
        return self._endpoint(
            selector,
            EndpointKind.ELB,
            lb.load_balancer_name,
            placements,
            arn=lb.load_balancer_arn,
            listen_ports=ports,
            public=public,
            tier="edge" if public else "web",
            group_ids=lb.security_groups,
        )

    def _lambda(self, text: str, value: str) -> Endpoint:
        fn = self.inv.lambda_functions.get(value)
        if fn is None:
            self._fail(text, f"no Lambda function {value} in the snapshot", "lambda")
        if not fn.in_vpc or fn.vpc_config is None:
            raise SelectorError(
                f"Lambda function {value} is not attached to a VPC: it sends from AWS public addresses"
                " (use internet or cidr: instead)"
            )
        selector = f"lambda:{value}"
        placements = [
            self.interface_placement(e, "lambda") for e in self._interfaces(self.ix.enis_by_lambda[value])
        ]
        if not placements:
            groups = fn.vpc_config.security_group_ids
            for sid in fn.vpc_config.subnet_ids:
                placements.append(
                    self.range_placement(
                        f"{selector}@{sid}",
                        sid,
                        groups,
                        public=False,
                        ipv6=fn.vpc_config.ipv6_allowed_for_dual_stack,
                        client_kind="lambda",
                    )
                )
        return self._endpoint(
            selector,
            EndpointKind.LAMBDA,
            value,
            placements,
            arn=fn.function_arn,
            group_ids=fn.vpc_config.security_group_ids,
        )

    def _vpce(self, text: str, value: str) -> Endpoint:
        vpce = self.inv.vpc_endpoints.get(value)
        enis = self._interfaces(self.ix.enis_by_vpce.get(value, ()))
        if vpce is None and not enis:
            self._fail(text, f"no VPC endpoint {value} in the snapshot", "vpce")
        if not enis:
            raise SelectorError(
                f"VPC endpoint {value} has no network interface in the snapshot"
                " (a gateway endpoint is a route target, not an endpoint)"
            )
        label = (vpce.service_name or value) if vpce else value
        return self._endpoint(
            f"vpce:{value}", EndpointKind.VPCE, label, [self.interface_placement(e) for e in enis]
        )

    def _sg(self, text: str, value: str) -> Endpoint:
        if not self.ix.group_exists(value):
            self._fail(text, f"no security group {value} in the snapshot", "sg")
        members = self.inv.members_of(value)
        if not members:
            raise SelectorError(
                f"security group {value} has no member interfaces: sg:{value} matches nothing"
            )
        sg = self.inv.security_groups.get(value)
        return self._endpoint(
            f"sg:{value}",
            EndpointKind.SG,
            sg.display_name if sg else value,
            [self.interface_placement(e) for e in members],
            group_ids=(value,),
        )

    def _addresses_endpoint(
        self, text: str, selector: str, kind: EndpointKind, label: str, block: AddressSet
    ) -> Endpoint:
        """Interfaces inside the block (by primary address), and the part outside every VPC."""
        fam = block.version
        vpc_space = self.ix.all_vpc_space[0 if fam == 4 else 1]
        outside = block - vpc_space
        placements: list[Placement] = []
        if not block.isdisjoint(vpc_space):
            for eni in self._interfaces_in(block):
                placements.append(self.interface_placement(eni))
        if outside:
            empty = AddressSet.empty(10 - fam)
            a4, a6 = (outside, empty) if fam == 4 else (empty, outside)
            placements.insert(0, self._external(selector, "cidr", a4, a6))
        if not placements:
            self._fail(text, f"{selector}: no interface in the snapshot has an address in {block}")
        return self._endpoint(selector, kind, label, placements, tier="edge" if outside else "app")

    def _interfaces_in(self, block: AddressSet) -> Iterator[NetworkInterface]:
        for eni in self.inv.network_interfaces.values():
            addr = (
                eni.primary_ip
                if block.version == 4
                else (eni.ipv6_addresses[0] if eni.ipv6_addresses else None)
            )
            if addr and block.contains(addr):
                yield eni

    def _cidr(self, text: str, value: str) -> Endpoint:
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise SelectorError(f"{text!r}: {value!r} is not a CIDR block") from None
        block = AddressSet.from_cidr(net)
        return self._addresses_endpoint(text, f"cidr:{net}", EndpointKind.CIDR, str(net), block)

    def _ip(self, text: str, value: str) -> Endpoint:
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            raise SelectorError(f"{text!r}: {value!r} is not an IP address") from None
        selector = f"ip:{addr}"
        eid = self.ix.eni_by_ip.get(str(addr))
        if eid is not None:
            eni = self.inv.network_interfaces[eid]
            return self._endpoint(selector, EndpointKind.IP, str(addr), [self.interface_placement(eni)])
        block = AddressSet.from_cidr(addr)
        if not block.isdisjoint(self.ix.all_vpc_space[0 if addr.version == 4 else 1]):
            self._fail(text, f"no interface in the snapshot has the address {addr}", "eni")
        return self._addresses_endpoint(text, selector, EndpointKind.IP, str(addr), block)

    def _pl(self, text: str, value: str) -> Endpoint:
        if value not in self.inv.prefix_lists:
            self._fail(text, f"no prefix list {value} in the snapshot", "pl")
        entries = self.ix.prefix_list(value)
        if entries is None:
            raise SelectorError(f"prefix list {value} has no readable entries in the snapshot")
        pl = self.inv.prefix_lists[value]
        label = pl.prefix_list_name or value
        selector = f"pl:{value}"
        placements: list[Placement] = []
        for block in entries:
            if block:
                placements += self._addresses_endpoint(
                    text, selector, EndpointKind.PREFIX_LIST, label, block
                ).placements
        return self._endpoint(selector, EndpointKind.PREFIX_LIST, label, placements, tier="edge")

    # ---- tags and names -------------------------------------------------------------------------

    def _tagged(self, key: str, value: str) -> list[Endpoint]:
        out: list[Endpoint] = []
        for iid, inst in self.inv.instances.items():
            if inst.tag_map.get(key) == value and self.ix.enis_by_instance.get(iid):
                out.append(self.resolve(f"ec2:{iid}"))
        for eni in self.inv.network_interfaces.values():
            if eni.tags.get(key) == value and not eni.instance_id:
                out.append(self.resolve(f"eni:{eni.interface_id}"))
        for (cluster, name), svc in self.services.items():
            if svc.tag_map.get(key) == value:
                out.append(self.resolve(f"ecs:{cluster}/{name}"))
        for did, db in self.inv.db_instances.items():
            if db.tag_map.get(key) == value:
                out.append(self.resolve(f"rds:{did}"))
        for cid, cl in self.inv.db_clusters.items():
            if {t.key: t.value for t in cl.tag_list}.get(key) == value:
                out.append(self.resolve(f"rds-cluster:{cid}"))
        return out

    def _merged(self, selector: str, kind: EndpointKind, label: str, parts: list[Endpoint]) -> Endpoint:
        tiers = {p.tier for p in parts}
        return self._endpoint(
            selector,
            kind,
            label,
            [pl for p in parts for pl in p.placements],
            configured=[pl for p in parts for pl in p.configured_placements],
            listen_ports=[lp for p in parts for lp in p.listen_ports],
            public=any(p.public for p in parts),
            tier=tiers.pop() if len(tiers) == 1 else "app",
            notes=[n for p in parts for n in p.notes],
        )

    def _tag(self, text: str, value: str) -> Endpoint:
        if "=" not in value:
            raise SelectorError(f"{text!r}: expected tag:<Key>=<Value>")
        key, tag_value = value.split("=", 1)
        parts = self._tagged(key, tag_value)
        if not parts:
            self._fail(text, f"nothing in the snapshot is tagged {key}={tag_value}")
        return self._merged(f"tag:{key}={tag_value}", EndpointKind.TAG, f"{key}={tag_value}", parts)

    @cached_property
    def _names(self) -> set[str]:
        names = {i.name for i in self.inv.instances.values() if i.name}
        names |= {e.tags["Name"] for e in self.inv.network_interfaces.values() if "Name" in e.tags}
        names |= {g.display_name for g in self.inv.security_groups.values()}
        names |= {d.tag_map["Name"] for d in self.inv.db_instances.values() if "Name" in d.tag_map}
        return names

    def _name(self, text: str, value: str) -> Endpoint:
        parts = self._tagged("Name", value)
        for gid, g in self.inv.security_groups.items():
            if value in (g.tags.get("Name"), g.name) and self.inv.members_of(gid):
                parts.append(self.resolve(f"sg:{gid}"))
        if not parts:
            self._fail(text, f"nothing in the snapshot is named {value!r}", "name")
        if len(parts) == 1:
            return parts[0].model_copy(update={"selector": f"name:{value}"})
        return self._merged(f"name:{value}", EndpointKind.NAME, value, parts)

    def _unowned(self, eni: NetworkInterface) -> bool:
        owner = eni.owner
        if owner.kind in _NOT_WORKLOADS:
            return False
        if owner.kind in _COVERED_OWNERS and owner.resource_id:
            if owner.kind is EniOwnerKind.ECS_TASK:
                task = self.inv.ecs_tasks.get(owner.resource_id)
                return task is None or not task.running
            return False
        return not (eni.instance_id and eni.instance_id in self.inv.instances)


def _current_config(svc: EcsService) -> AwsVpcConfiguration | None:
    """The network configuration a NEW task gets: the PRIMARY deployment's, else the service's."""
    for dep in svc.deployments:
        if (
            dep.status == "PRIMARY"
            and dep.network_configuration
            and dep.network_configuration.awsvpc_configuration
        ):
            return dep.network_configuration.awsvpc_configuration
    return svc.awsvpc


def _dedupe(placements: Iterable[Placement]) -> Iterator[Placement]:
    seen: set[str] = set()
    for p in placements:
        if p.id not in seen:
            seen.add(p.id)
            yield p


def listener_protocols(listener: Listener) -> tuple[str, ...]:
    """The IP protocols a listener takes: tcp for HTTP/HTTPS/TCP/TLS, udp for UDP, both for TCP_UDP."""
    return _LISTENER_PROTOCOLS.get((listener.protocol or "TCP").upper(), ("tcp",))


def _listener_ports(listeners: Iterable[Listener]) -> dict[str, list[tuple[str, int]]]:
    """Load balancer ARN -> (protocol, port) of its listeners with a port, in snapshot order."""
    ports: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for li in listeners:
        if li.port is not None:
            ports[li.load_balancer_arn] += [(proto, li.port) for proto in listener_protocols(li)]
    return ports


def _listeners_by_lb(
    ports: Mapping[str, list[tuple[str, int]]], load_balancers: Mapping[str, LoadBalancer]
) -> dict[str, Listeners]:
    """Load balancer ARN -> what its listeners accept, for the load balancers with a listener in the
    snapshot. A gateway load balancer's listener has no port (it takes all traffic): not restricted."""
    out: dict[str, Listeners] = {}
    for arn, found in ports.items():
        lb = load_balancers.get(arn)
        if lb is not None and lb.type != "gateway":
            out[arn] = Listeners(load_balancer=lb.load_balancer_name, ports=tuple(sorted(set(found))))
    return out
