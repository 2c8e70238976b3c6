"""The demo estate shipped with sgaudit: the Fargate -> RDS case with its classic mistakes.

``build_demo_estate()`` builds it; the committed snapshot under ``sgaudit/demo/snapshot/`` is its output
(a flat folder of AWS CLI JSON, no manifest, as a person would save it by hand). A test checks that the
two agree; regenerate the files with ``python -m sgaudit.synth.demo --write``.

Planted mistakes (see ``sgaudit/demo/README.md``):

- the ``api`` service's group allows egress only on tcp/443 to 0.0.0.0/0, while the ``db`` group
  allows 5432 from it: a half-open pair, so ``api -> prod-db`` is blocked;
- the bastion allows SSH from 0.0.0.0/0 and has a public IP in a public subnet;
- ``legacy-admin`` (RDP from 0.0.0.0/0) is attached to nothing;
- the ``worker`` service runs in the VPC's default group;
- the ``api`` task definition carries a plaintext secret in its environment (its value must never
  appear in any output; it contains ``demo-canary``).

Correct on purpose: ``reporting`` Lambda -> ``prod-db`` (both sides allow 5432), the ALB -> ``api``
path on 8080, and the custom NACL on the database subnets (5432 in from the app subnets, ephemeral
ports back out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sgaudit.synth.builder import EstateBuilder
from sgaudit.synth.refs import NaclEntry

ACCOUNT = "111122223333"
REGION = "us-east-1"
CANARY = "demo-canary-7f3a9c1e-do-not-print"
"""The value of a plaintext secret in the api task definition: it must never be printed."""


def build_demo_estate() -> EstateBuilder:
    """Build the demo estate (account 111122223333, us-east-1, VPC ``prod``)."""
    b = EstateBuilder(
        account=ACCOUNT, region=REGION, seed=20240501, default_tags={"env": "prod", "team": "platform"}
    )
    vpc = b.vpc("10.0.0.0/16", name="prod", ipv6="2600:1f18:1234:5600::/56")

    pub_a = b.subnet(
        vpc,
        "10.0.0.0/24",
        az="us-east-1a",
        name="prod-public-a",
        ipv6="2600:1f18:1234:5600::/64",
        map_public_ip=True,
        assign_ipv6=False,
    )
    pub_b = b.subnet(
        vpc,
        "10.0.1.0/24",
        az="us-east-1b",
        name="prod-public-b",
        ipv6="2600:1f18:1234:5601::/64",
        map_public_ip=True,
        assign_ipv6=False,
    )
    app_a = b.subnet(vpc, "10.0.10.0/24", az="us-east-1a", name="prod-app-a")
    app_b = b.subnet(vpc, "10.0.11.0/24", az="us-east-1b", name="prod-app-b")
    db_a = b.subnet(vpc, "10.0.20.0/24", az="us-east-1a", name="prod-db-a")
    db_b = b.subnet(vpc, "10.0.21.0/24", az="us-east-1b", name="prod-db-b")

    igw = b.internet_gateway(vpc, name="prod-igw")
    nat = b.nat_gateway(pub_a, name="prod-nat-a")
    b.route_table(vpc, name="prod-public", subnets=[pub_a, pub_b], routes=[("0.0.0.0/0", igw), ("::/0", igw)])
    b.route_table(vpc, name="prod-private-a", subnets=[app_a, db_a], routes=[("0.0.0.0/0", nat)])
    b.route_table(vpc, name="prod-private-b", subnets=[app_b, db_b], routes=[("0.0.0.0/0", nat)])

    # Security groups.
    alb_sg = b.security_group(vpc, "web-alb", description="Public HTTPS load balancer")
    for port in (443, 80):
        b.ingress(alb_sg, "tcp", port, cidr="0.0.0.0/0", description="public web")
        b.ingress(alb_sg, "tcp", port, cidr6="::/0", description="public web")
    api_sg = b.security_group(vpc, "api", description="api service tasks", allow_all_egress=False)
    b.ingress(api_sg, "tcp", 8080, sg=alb_sg, description="from the load balancer")
    # The classic mistake: egress was tightened to HTTPS only, and nobody added the database.
    b.egress(api_sg, "tcp", 443, cidr="0.0.0.0/0", description="HTTPS to AWS APIs and partners")
    reporting_sg = b.security_group(vpc, "reporting", description="reporting Lambda", allow_all_egress=False)
    db_sg = b.security_group(vpc, "db", description="prod-db PostgreSQL")
    b.ingress(db_sg, "tcp", 5432, sg=api_sg, description="api service")
    b.ingress(db_sg, "tcp", 5432, sg=reporting_sg, description="reporting Lambda")
    b.egress(reporting_sg, "tcp", 5432, sg=db_sg, description="prod-db")
    bastion_sg = b.security_group(vpc, "bastion", description="SSH bastion")
    b.ingress(bastion_sg, "tcp", 22, cidr="0.0.0.0/0", description="ssh")
    legacy_sg = b.security_group(vpc, "legacy-admin", description="old RDP access, kept just in case")
    b.ingress(legacy_sg, "tcp", 3389, cidr="0.0.0.0/0", description="rdp")

    # The database NACL is correct: 5432 in from the app subnets, ephemeral ports back to them.
    entries = []
    for number, app in ((100, app_a), (110, app_b)):
        entries.append(
            NaclEntry(number=number, direction="ingress", protocol="tcp", cidr=app.cidr, ports=(5432, 5432))
        )
        entries.append(
            NaclEntry(number=number, direction="egress", protocol="tcp", cidr=app.cidr, ports=(1024, 65535))
        )
    b.network_acl(vpc, name="prod-db", subnets=[db_a, db_b], entries=entries)

    # Workloads.
    db = b.rds_instance(
        "prod-db",
        engine="postgres",
        port=5432,
        subnets=[db_a, db_b],
        groups=[db_sg],
        public=False,
        instance_class="db.t4g.medium",
        tags={"Name": "prod-db"},
    )
    api_td = b.task_definition(
        "api",
        container_port=8080,
        env={
            "DATABASE_HOST": db.address,
            "DATABASE_PORT": "5432",
            "DATABASE_NAME": "app",
            "LOG_LEVEL": "info",
            "SESSION_SIGNING_KEY": CANARY,
        },
        secrets={"DATABASE_PASSWORD": "prod/api/database-password"},
    )
    api = b.fargate_service(
        cluster="prod", name="api", subnets=[app_a, app_b], groups=[api_sg], tasks=2, task_definition=api_td
    )
    worker_td = b.task_definition(
        "worker",
        container_port=None,
        env={"QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/prod-jobs"},
    )
    b.fargate_service(
        cluster="prod",
        name="worker",
        subnets=[app_a, app_b],
        groups=[vpc.default_group],
        tasks=1,
        task_definition=worker_td,
    )
    web = b.alb(
        "web", subnets=[pub_a, pub_b], groups=[alb_sg], scheme="internet-facing", ip_address_type="dualstack"
    )
    tg = b.target_group("web-api", vpc, port=8080, targets=api)
    b.listener(web, 443, "HTTPS", forward=tg)
    b.listener(web, 80, "HTTP", redirect_port=443)
    b.lambda_function(
        "reporting",
        subnets=[app_a, app_b],
        groups=[reporting_sg],
        env={"DB_HOST": db.address, "REPORT_BUCKET": "prod-reports-111122223333"},
    )
    b.ec2_instance("bastion", subnet=pub_a, groups=[bastion_sg], public_ip=True, instance_type="t3.micro")
    return b


def demo_dir() -> Path:
    """The ``sgaudit/demo`` package folder."""
    return Path(__file__).resolve().parent.parent / "demo"


def write_demo(target: Path | None = None) -> Path:
    """Regenerate the committed demo snapshot (removing stale JSON files first); returns its folder."""
    folder = target or demo_dir() / "snapshot"
    if folder.exists():
        for old in folder.glob("*.json"):
            old.unlink()
    return build_demo_estate().write(folder, layout="flat", task_definition_files="per-call", skip_empty=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m sgaudit.synth.demo --write [DIR]``: regenerate the demo snapshot."""
    parser = argparse.ArgumentParser(prog="python -m sgaudit.synth.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate the snapshot files")
    parser.add_argument("dir", nargs="?", type=Path, help="folder to write (default: sgaudit/demo/snapshot)")
    args = parser.parse_args(argv)
    if not args.write:
        parser.print_help()
        return 2
    print(write_demo(args.dir))
    return 0


if __name__ == "__main__":
    main()
