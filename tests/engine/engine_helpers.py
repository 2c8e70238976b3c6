"""Estates for the engine tests, built with `EstateBuilder` and loaded through the real snapshot loader."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sgaudit.engine import Engine, PathResult
from sgaudit.inventory import load_inventory
from sgaudit.synth import (
    DbInstanceRef,
    EstateBuilder,
    SecurityGroupRef,
    ServiceRef,
    SubnetRef,
    VpcRef,
)


def load(builder: EstateBuilder, tmp_path: Path, name: str = "snap") -> Engine:
    """Write the estate as a snapshot, load it as a user would, and build an engine."""
    return Engine(load_inventory(builder.write(tmp_path / name, indent=None)))


def path(engine: Engine, src: str, dst: str, protocol: str = "tcp", port: int | None = None) -> PathResult:
    """``engine.path`` from two selectors."""
    return engine.path(engine.resolve(src), engine.resolve(dst), protocol, port)


def edit_json(folder: Path, key: str, edit: object) -> None:
    """Apply ``edit(items)`` to the list under top-level ``key`` in whichever snapshot file holds it."""
    for f in folder.glob("*.json"):
        doc = json.loads(f.read_text())
        if isinstance(doc, dict) and key in doc:
            edit(doc[key])  # type: ignore[operator]
            f.write_text(json.dumps(doc))
            return
    raise AssertionError(f"no file holds {key}")


@dataclass
class FargateRds:
    """The canonical estate: a Fargate service in two app subnets, an RDS instance in two DB subnets."""

    b: EstateBuilder
    vpc: VpcRef
    app_a: SubnetRef
    app_b: SubnetRef
    db_a: SubnetRef
    db_b: SubnetRef
    task_sg: SecurityGroupRef
    db_sg: SecurityGroupRef
    service: ServiceRef | None = None
    db: DbInstanceRef | None = None

    def finish(self, tasks: int = 2) -> FargateRds:
        """Create the service and the database (after the rules, so tests choose them first)."""
        self.service = self.b.fargate_service(
            cluster="prod", name="api", subnets=[self.app_a, self.app_b], groups=[self.task_sg], tasks=tasks
        )
        self.db = self.b.rds_instance(
            "prod-db", subnets=[self.db_a, self.db_b], groups=[self.db_sg], port=5432
        )
        return self


def fargate_rds(*, seed: int = 7) -> FargateRds:
    """The canonical estate without any rule between the two sides (tests add them)."""
    b = EstateBuilder(seed=seed)
    vpc = b.vpc("10.0.0.0/16", name="prod")
    app_a = b.subnet(vpc, "10.0.10.0/24", az="us-east-1a", name="app-a")
    app_b = b.subnet(vpc, "10.0.11.0/24", az="us-east-1b", name="app-b")
    db_a = b.subnet(vpc, "10.0.20.0/24", az="us-east-1a", name="db-a")
    db_b = b.subnet(vpc, "10.0.21.0/24", az="us-east-1b", name="db-b")
    task_sg = b.security_group(vpc, "api", allow_all_egress=False)
    db_sg = b.security_group(vpc, "db")
    return FargateRds(b, vpc, app_a, app_b, db_a, db_b, task_sg, db_sg)
