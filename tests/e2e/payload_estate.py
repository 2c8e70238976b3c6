"""A small estate whose names, descriptions and tags carry script and template payloads."""

from __future__ import annotations

from pathlib import Path

from sgaudit.synth.builder import EstateBuilder

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}"
PAYLOADS = (SCRIPT, IMG, TEMPLATE)


def build_payload_snapshot(path: Path) -> Path:
    """A public bastion with world-open SSH in a group whose name, description and tags are hostile."""
    b = EstateBuilder(account="111122223333", region="us-east-1", seed=7)
    vpc = b.vpc("10.1.0.0/16", name=f"vpc {SCRIPT}")
    pub = b.subnet(vpc, "10.1.0.0/24", az="us-east-1a", name=f"public {IMG}")
    igw = b.internet_gateway(vpc)
    b.route(b.main_route_table(vpc), "0.0.0.0/0", igw)
    evil = b.security_group(
        vpc,
        f"evil{SCRIPT}",
        description=f"desc {IMG} {TEMPLATE}",
        tags={"Name": f"name {SCRIPT}", "owner": TEMPLATE, "note": IMG},
    )
    b.ingress(evil, "tcp", 22, 22, cidr="0.0.0.0/0", description=f"ssh {SCRIPT} {TEMPLATE}")
    unused = b.security_group(
        vpc, f"unused {TEMPLATE}", description=SCRIPT, tags={"Name": f"{TEMPLATE} {IMG}"}
    )
    b.ingress(unused, "tcp", 3389, 3389, cidr="0.0.0.0/0", description=IMG)
    b.ec2_instance(f"host {IMG} {SCRIPT}", subnet=pub, groups=[evil], public_ip=True)
    b.write(path)
    return path
