"""Hand-built report contexts for the renderer tests (the rule engine is not needed to test formats).

``sample_context()`` is the Fargate -> RDS estate with its classic mistakes: the half-open pair (the
API task group allows egress to the database group, the database group has no ingress from it), SSH
open to the world on a bastion, an unused group, a blocked intent and a suppressed finding.
``incomplete_context()`` is the same with failed collection calls. ``payload_context()`` puts script,
attribute-breaking and template payloads in every string an AWS account controls. ``large_context()``
is 5,000 findings over 2,000 endpoints.
"""

from __future__ import annotations

from functools import lru_cache

from sgaudit.findings import (
    CheckReport,
    EndpointView,
    Finding,
    Fix,
    FlowView,
    IntentResult,
    NetworkView,
    ReportContext,
    RuleInfo,
    ScopeSummary,
    Severity,
    SnapshotSummary,
    Suppression,
)

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PROD_VPC = "vpc-0a1b2c3d4e5f60718"
STAGING_VPC = "vpc-0f9e8d7c6b5a40312"

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}"
PWN = "<script>window.__pwned=1</script>"
PWN_ATTR = '\'"><img src=x onerror="window.__pwned=1">'
PAYLOAD = f"{SCRIPT} {ATTR} {TEMPLATE} {PWN} {PWN_ATTR} `|` ```x``` ]] #quot; -->"
"""Every payload at once, plus Markdown/Mermaid breakers (pipe, backticks, brackets, entity, arrow)."""


def _arn(kind: str, rid: str) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{rid}"


def sample_rules() -> list[RuleInfo]:
    """The catalogue entries the sample uses, plus a few that find nothing (passing JUnit cases)."""

    def rule(  # noqa: PLR0917 - a table of rules reads best positionally
        rid: str, name: str, title: str, sev: Severity, desc: str, remediation: str = ""
    ) -> RuleInfo:
        return RuleInfo(
            id=rid,
            name=name,
            title=title,
            severity=sev,
            description=desc,
            risk="Traffic the application needs is dropped, or traffic nobody intended is allowed.",
            remediation=remediation or "Add or narrow the rule named in the finding.",
            help_uri=f"https://github.com/sgaudit/sgaudit/blob/main/docs/rules/{name}.md",
            references=["https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html"],
            tags=["security-group"],
        )

    return [
        rule(
            "SGA001",
            "intent-blocked",
            "A required flow is not reachable",
            Severity.HIGH,
            "An intent requires a flow that the network does not allow.",
        ),
        rule(
            "SGA002",
            "intent-violated",
            "A forbidden flow is reachable",
            Severity.HIGH,
            "An intent forbids a flow that the network allows.",
        ),
        rule(
            "SGA010",
            "half-open-reference",
            "Security group reference allowed on one side only",
            Severity.HIGH,
            "One side names the other's security group, the other side does not allow it.",
            "Add the missing ingress or egress rule on the other side.",
        ),
        rule(
            "SGA020",
            "internet-admin-ports",
            "Administration port reachable from the internet",
            Severity.CRITICAL,
            "SSH or RDP is reachable from the internet through the effective path.",
        ),
        rule(
            "SGA021",
            "internet-database-ports",
            "Database port reachable from the internet",
            Severity.CRITICAL,
            "A database port is reachable from the internet.",
        ),
        rule(
            "SGA030",
            "public-database",
            "Publicly reachable database",
            Severity.CRITICAL,
            "An RDS instance or cluster is reachable from the internet on its endpoint port.",
        ),
        rule(
            "SGA040",
            "broad-cidr",
            "Ingress from an overly broad CIDR block",
            Severity.MEDIUM,
            "Ingress from a block far larger than the addresses that use it.",
        ),
        rule(
            "SGA041",
            "all-ports-rule",
            "Rule opens every port",
            Severity.MEDIUM,
            "A rule opens every port or protocol where one port would do.",
        ),
        rule(
            "SGA050",
            "unused-security-group",
            "Security group used by nothing",
            Severity.LOW,
            "No interface, service, function or reference uses the group.",
        ),
        rule(
            "SGA051",
            "stale-reference",
            "Reference to a deleted security group",
            Severity.LOW,
            "A rule references a group that no longer exists.",
        ),
        rule(
            "SGA060",
            "unrestricted-egress",
            "Egress open to everything",
            Severity.INFO,
            "The group allows all egress to 0.0.0.0/0 and ::/0.",
        ),
    ]


HALF_OPEN_CLI = (
    "aws ec2 authorize-security-group-ingress --group-id sg-0db5432postgres01 \\\n"
    "  --ip-permissions 'IpProtocol=tcp,FromPort=5432,ToPort=5432,"
    'UserIdGroupPairs=[{GroupId=sg-0api8080tasks001,Description="prod api tasks"}]\''
)
HALF_OPEN_TF = """resource "aws_vpc_security_group_ingress_rule" "prod_db_from_api" {
  security_group_id            = "sg-0db5432postgres01"
  referenced_security_group_id = "sg-0api8080tasks001"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "prod api tasks"
}"""


def sample_findings() -> list[Finding]:
    """The sample's findings, in no particular order (CheckReport.build sorts them)."""
    fp = Finding.make_fingerprint
    return [
        Finding(
            fingerprint=fp("SGA010", "sg-0db5432postgres01", "ingress:tcp:5432:sg-0api8080tasks001"),
            rule="SGA010",
            name="half-open-reference",
            severity=Severity.HIGH,
            resource="sg-0db5432postgres01",
            resources=["sg-0api8080tasks001", "sg-0db5432postgres01", "ecs:prod/api", "rds:prod-db"],
            message=(
                "sg-0api8080tasks001 (prod-api-tasks) allows egress to sg-0db5432postgres01 (prod-db) on "
                "tcp/5432, but sg-0db5432postgres01 allows no ingress from it: ecs:prod/api cannot reach "
                "rds:prod-db"
            ),
            evidence={
                "present_side": "egress",
                "present_rule": "sgr-0a11e9e55eg0001",
                "missing_side": "ingress",
                "protocol": "tcp",
                "port": 5432,
                "blocked_pairs": [
                    {"source": "eni-0f1a2b3c4d5e6f701", "destination": "eni-0dbdbdbdbdbdb0001"},
                    {"source": "eni-0f1a2b3c4d5e6f702", "destination": "eni-0dbdbdbdbdbdb0001"},
                ],
            },
            fix=Fix(
                summary="Allow tcp/5432 ingress on sg-0db5432postgres01 from sg-0api8080tasks001",
                aws_cli=HALF_OPEN_CLI,
                terraform=HALF_OPEN_TF,
            ),
            arn=_arn("security-group", "sg-0db5432postgres01"),
        ),
        Finding(
            fingerprint=fp("SGA001", "api-reaches-db"),
            rule="SGA001",
            name="intent-blocked",
            severity=Severity.HIGH,
            resource="ecs:prod/api",
            resources=["ecs:prod/api", "rds:prod-db"],
            message=(
                "intent api-reaches-db: ecs:prod/api -> rds:prod-db tcp/5432 is blocked "
                "(ENI_SG_RULES_MISMATCH: sg-0db5432postgres01 ingress)"
            ),
            evidence={"intent": "api-reaches-db", "verdict": "blocked", "blocker": "ENI_SG_RULES_MISMATCH"},
            fix=Fix(
                summary="Allow tcp/5432 ingress on sg-0db5432postgres01 from sg-0api8080tasks001",
                aws_cli=HALF_OPEN_CLI,
                terraform=HALF_OPEN_TF,
            ),
        ),
        Finding(
            fingerprint=fp("SGA001", "worker-reaches-db"),
            rule="SGA001",
            name="intent-blocked",
            severity=Severity.HIGH,
            resource="ecs:prod/worker",
            resources=["ecs:prod/worker", "rds:prod-db"],
            message=(
                "inferred intent worker-reaches-db: ecs:prod/worker -> rds:prod-db tcp/5432 is partial "
                "(1 of 2 running tasks still carries the old group sg-0oldworker00001)"
            ),
            evidence={"intent": "worker-reaches-db", "verdict": "partial", "reachable_pairs": 1, "pairs": 2},
            fix=Fix(summary="Redeploy ecs:prod/worker so every task carries sg-0worker0000001"),
        ),
        Finding(
            fingerprint=fp("SGA020", "sg-0bastion22ssh001", "tcp:22"),
            rule="SGA020",
            name="internet-admin-ports",
            severity=Severity.CRITICAL,
            resource="sg-0bastion22ssh001",
            resources=["sg-0bastion22ssh001", "ec2:i-0b45710n0000001"],
            message=(
                "SSH (tcp/22) on ec2:i-0b45710n0000001 (bastion) is reachable from the internet: "
                "sg-0bastion22ssh001 allows 0.0.0.0/0 and ::/0, public IP 203.0.113.10, route to igw-0c0ffee"
            ),
            evidence={
                "cidrs": ["0.0.0.0/0", "::/0"],
                "public_ip": "203.0.113.10",
                "route": "0.0.0.0/0 -> igw-0c0ffee0000001",
                "nacl": "acl-0pub0001 rule 100 allow",
            },
            fix=Fix(
                summary="Replace the world-open SSH rule with your admin range, or use SSM Session Manager",
                aws_cli=(
                    "aws ec2 revoke-security-group-ingress --group-id sg-0bastion22ssh001 "
                    "--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'"
                ),
                terraform='# remove the ingress rule with cidr_ipv4 = "0.0.0.0/0" from sg-0bastion22ssh001',
            ),
            arn=_arn("security-group", "sg-0bastion22ssh001"),
        ),
        Finding(
            fingerprint=fp("SGA050", "sg-0legacybatch0001"),
            rule="SGA050",
            name="unused-security-group",
            severity=Severity.LOW,
            resource="sg-0legacybatch0001",
            message="sg-0legacybatch0001 (legacy-batch) is attached to nothing and referenced by no group",
            evidence={"attachments": 0, "referenced_by": []},
            fix=Fix(
                summary="Delete the group",
                aws_cli="aws ec2 delete-security-group --group-id sg-0legacybatch0001",
            ),
            arn=_arn("security-group", "sg-0legacybatch0001"),
        ),
        Finding(
            fingerprint=fp("SGA060", "sg-0api8080tasks001"),
            rule="SGA060",
            name="unrestricted-egress",
            severity=Severity.INFO,
            resource="sg-0api8080tasks001",
            message="sg-0api8080tasks001 (prod-api-tasks) allows all egress to 0.0.0.0/0",
            evidence={"rule": "sgr-0e9e55a11000001"},
            arn=_arn("security-group", "sg-0api8080tasks001"),
        ),
        Finding(
            fingerprint=fp("SGA041", "sg-0worker0000001", "ingress:-1"),
            rule="SGA041",
            name="all-ports-rule",
            severity=Severity.MEDIUM,
            resource="sg-0worker0000001",
            message=(
                "sg-0worker0000001 (prod-worker) allows all traffic from sg-0api8080tasks001;"
                " the workers listen on tcp/9000"
            ),
            evidence={"rule": "sgr-0a11a11a11a0001", "listening": ["tcp/9000"]},
            fix=Fix(summary="Narrow the rule to tcp/9000"),
            arn=_arn("security-group", "sg-0worker0000001"),
        ),
        Finding(
            fingerprint=fp("SGA040", "sg-0stagingweb0001", "10.0.0.0/8"),
            rule="SGA040",
            name="broad-cidr",
            severity=Severity.MEDIUM,
            resource="sg-0stagingweb0001",
            message=(
                "sg-0stagingweb0001 (staging-web) allows tcp/443 from 10.0.0.0/8, which holds 3 interfaces"
            ),
            evidence={"cidr": "10.0.0.0/8", "interfaces_in_block": 3},
            suppressed=True,
            suppression=Suppression(
                kind="tag", reason="corporate VPN range, reviewed by netsec", expires="2026-12-31"
            ),
            arn=_arn("security-group", "sg-0stagingweb0001"),
        ),
    ]


def sample_intents() -> list[IntentResult]:
    """Written and inferred intents with their verdicts."""
    return [
        IntentResult(
            name="api-reaches-db",
            from_="ecs:prod/api",
            to="rds:prod-db",
            port=5432,
            verdict="blocked",
            ok=False,
        ),
        IntentResult(
            name="alb-reaches-api",
            from_="elb:prod-web",
            to="ecs:prod/api",
            port=8080,
            verdict="reachable",
            ok=True,
        ),
        IntentResult(
            name="db-not-public",
            from_="internet",
            to="rds:prod-db",
            port=5432,
            expect="blocked",
            verdict="blocked",
            ok=True,
        ),
        IntentResult(
            name="worker-reaches-db",
            from_="ecs:prod/worker",
            to="rds:prod-db",
            port=5432,
            verdict="partial",
            ok=False,
            inferred=True,
            reason="sg-0db5432postgres01 ingress names sg-0worker0000001",
        ),
    ]


def sample_network() -> NetworkView:
    """Internet -> ALB -> API -> DB, a bastion, a worker, a Lambda and a staging VPC."""
    ep = EndpointView
    return NetworkView(
        endpoints=[
            ep(selector="internet", label="Internet", kind="internet", tier="edge", public=True),
            ep(selector="elb:prod-web", label="prod-web", kind="elb", vpc=PROD_VPC, tier="edge", public=True),
            ep(
                selector="ec2:i-0b45710n0000001",
                label="bastion",
                kind="ec2",
                vpc=PROD_VPC,
                tier="edge",
                public=True,
            ),
            ep(selector="ecs:prod/api", label="prod/api", kind="ecs", vpc=PROD_VPC, tier="app"),
            ep(selector="ecs:prod/worker", label="prod/worker", kind="ecs", vpc=PROD_VPC, tier="app"),
            ep(
                selector="lambda:report-export",
                label="report-export",
                kind="lambda",
                vpc=PROD_VPC,
                tier="app",
            ),
            ep(selector="rds:prod-db", label="prod-db", kind="rds", vpc=PROD_VPC, tier="data"),
            ep(selector="elb:staging-web", label="staging-web", kind="elb", vpc=STAGING_VPC, tier="edge"),
            ep(
                selector="ec2:i-0574614e0000001", label="staging-app", kind="ec2", vpc=STAGING_VPC, tier="app"
            ),
        ],
        flows=[
            FlowView(source="internet", destination="elb:prod-web", protocol="tcp", ports="443"),
            FlowView(source="internet", destination="elb:prod-web", protocol="tcp", ports="80"),
            FlowView(source="internet", destination="ec2:i-0b45710n0000001", protocol="tcp", ports="22"),
            FlowView(source="elb:prod-web", destination="ecs:prod/api", protocol="tcp", ports="8080"),
            FlowView(source="ecs:prod/api", destination="ecs:prod/worker", protocol="all", ports="all"),
            FlowView(
                source="ecs:prod/worker",
                destination="rds:prod-db",
                protocol="tcp",
                ports="5432",
                verdict="partial",
            ),
            FlowView(source="lambda:report-export", destination="rds:prod-db", protocol="tcp", ports="5432"),
            FlowView(source="ec2:i-0b45710n0000001", destination="rds:prod-db", protocol="tcp", ports="5432"),
            FlowView(source="ecs:prod/api", destination="internet", protocol="all", ports="all"),
            FlowView(source="cidr:10.0.0.0/8", destination="elb:staging-web", protocol="tcp", ports="443"),
            FlowView(
                source="elb:staging-web", destination="ec2:i-0574614e0000001", protocol="tcp", ports="8443"
            ),
        ],
    )


def _snapshot(complete: bool = True) -> SnapshotSummary:
    if complete:
        return SnapshotSummary(
            complete=True,
            scopes=[ScopeSummary(account=ACCOUNT, region=REGION)],
            source="snapshots/prod-2024-05-01",
            created_at="2024-05-01T09:30:00Z",
        )
    return SnapshotSummary(
        complete=False,
        scopes=[
            ScopeSummary(
                account=ACCOUNT,
                region=REGION,
                errors=["ec2:DescribeNetworkInterfaces failed (UnauthorizedOperation)"],
            ),
            ScopeSummary(
                account=ACCOUNT,
                region="us-east-1",
                errors=[
                    "rds:DescribeDBInstances failed (AccessDenied)",
                    "ecs:ListClusters failed (ThrottlingException)",
                ],
            ),
        ],
        source="snapshots/prod-2024-05-01",
        created_at="2024-05-01T09:30:00Z",
    )


def sample_context(*, complete: bool = True) -> ReportContext:
    """The Fargate -> RDS sample (golden files are rendered from it)."""
    return ReportContext(
        report=CheckReport.build(_snapshot(complete), sample_findings(), sample_intents()),
        rules=sample_rules(),
        network=sample_network(),
    )


def incomplete_context() -> ReportContext:
    """The sample, from a snapshot whose collection failed in places."""
    return sample_context(complete=False)


def payload_context() -> ReportContext:
    """Hostile strings in every field an AWS account controls (names, tags, descriptions, ids)."""
    p = PAYLOAD
    findings = [
        Finding(
            fingerprint=Finding.make_fingerprint("SGA010", p),
            rule="SGA010",
            name="half-open-reference",
            severity=Severity.HIGH,
            resource=f"sg-0evil {p}",
            resources=[p, "sg-0evil"],
            message=f"group named {p} allows egress, description {p}",
            evidence={p: p, "nested": {"tag": p, "list": [p]}},
            fix=Fix(
                summary=f"fix {p}",
                aws_cli=f"aws ec2 authorize-security-group-ingress --group-id '{p}'",
                terraform=f'description = "{p}"',
            ),
            arn=f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{p}",
        ),
        Finding(
            fingerprint=Finding.make_fingerprint("SGA050", p),
            rule="SGA050",
            name="unused-security-group",
            severity=Severity.LOW,
            resource=p,
            message=p,
            suppressed=True,
            suppression=Suppression(kind="config", reason=p, expires=p),
        ),
    ]
    intents = [
        IntentResult(
            name=p, from_=f"name:{p}", to=f"tag:Name={p}", port=5432, verdict="blocked", ok=False, reason=p
        ),
    ]
    network = NetworkView(
        endpoints=[
            EndpointView(selector=f"name:{p}", label=p, kind="ec2", vpc=p, tier="app"),
            EndpointView(selector=f"tag:Name={p}", label=p, kind="rds", vpc=p, tier="data"),
            EndpointView(selector="internet", label="Internet", kind="internet", tier="edge"),
        ],
        flows=[
            FlowView(source="internet", destination=f"name:{p}", protocol="tcp", ports="22"),
            FlowView(source=f"name:{p}", destination=f"tag:Name={p}", protocol=p, ports=p),
        ],
    )
    snapshot = SnapshotSummary(
        complete=False,
        scopes=[ScopeSummary(account=p, region=p, errors=[p])],
        source=p,
        created_at=p,
    )
    rules = [*sample_rules()]
    return ReportContext(report=CheckReport.build(snapshot, findings, intents), rules=rules, network=network)


def large_context(n_findings: int = 5000, n_endpoints: int = 2000) -> ReportContext:
    """A big estate: ``n_endpoints`` endpoints in 8 VPCs, ~3 flows each, ``n_findings`` findings."""
    kinds = [
        ("ecs", "app"),
        ("ec2", "app"),
        ("rds", "data"),
        ("elb", "edge"),
        ("lambda", "app"),
        ("ec2", "web"),
    ]
    endpoints = [EndpointView(selector="internet", label="Internet", kind="internet", tier="edge")]
    for i in range(n_endpoints - 1):
        kind, tier = kinds[i % len(kinds)]
        endpoints.append(
            EndpointView(
                selector=f"{kind}:svc-{i:05d}",
                label=f"svc-{i:05d}",
                kind=kind,
                vpc=f"vpc-{i % 8:017x}",
                tier=tier,
            )
        )
    flows: list[FlowView] = []
    for i in range(1, n_endpoints):
        src = endpoints[i].selector
        flows.append(
            FlowView(
                source=src,
                destination=endpoints[1 + (i * 7) % (n_endpoints - 1)].selector,
                protocol="tcp",
                ports=str(1000 + i % 50),
            )
        )
        flows.append(
            FlowView(
                source=src,
                destination=endpoints[1 + (i * 13) % (n_endpoints - 1)].selector,
                protocol="tcp",
                ports="5432",
            )
        )
        if i % 10 == 0:
            flows.append(FlowView(source="internet", destination=src, protocol="tcp", ports="443"))
    rules = sample_rules()
    severities = list(Severity)
    findings = []
    for i in range(n_findings):
        rule = rules[i % len(rules)]
        resource = f"sg-{i % (n_endpoints // 2):017x}"
        findings.append(
            Finding(
                fingerprint=Finding.make_fingerprint(rule.id, resource, str(i)),
                rule=rule.id,
                name=rule.name,
                severity=severities[i % len(severities)],
                resource=resource,
                resources=[resource, endpoints[1 + i % (n_endpoints - 1)].selector],
                message=f"finding {i:05d}: {rule.title} on {resource} for tcp/{1000 + i % 50}",
                evidence={"index": i, "rule": f"sgr-{i:017x}", "peers": [f"sg-{(i * 3) % 997:017x}"]},
                fix=Fix(
                    summary=f"Narrow the rule sgr-{i:017x}",
                    aws_cli=f"aws ec2 revoke-security-group-ingress --group-id {resource} "
                    f"--security-group-rule-ids sgr-{i:017x}",
                    terraform=f'resource "aws_vpc_security_group_ingress_rule" "r{i}" {{\n'
                    f'  security_group_id = "{resource}"\n  from_port = {1000 + i % 50}\n}}',
                ),
                suppressed=i % 97 == 0,
            )
        )
    snapshot = SnapshotSummary(complete=True, scopes=[ScopeSummary(account=ACCOUNT, region=REGION)])
    return ReportContext(
        report=CheckReport.build(snapshot, findings, []),
        rules=rules,
        network=NetworkView(endpoints=endpoints, flows=flows),
    )


@lru_cache(maxsize=1)
def dense_context(n_endpoints: int = 1500, n_findings: int = 300) -> ReportContext:
    """The shape of the 3,000-interface bench estate: ``n_endpoints`` endpoints in 3 VPCs, in classes
    of 10 that reach the same destinations (as security groups make them), about 15% of all ordered
    pairs allowed (~300,000 flows at 1,500 endpoints), a few pairs with several services, exposure from
    the internet and a failed intent. Flows are built with ``model_construct``, as the pipeline does,
    and the context is built once per process (it is frozen, and takes seconds).
    """
    kinds = (
        [("elb", "edge")] * 2
        + [("elb", "web")]
        + [("ec2", "app")] * 14
        + [("ecs", "app")] * 2
        + [("rds", "data")]
    )
    endpoints = [
        EndpointView(selector="internet", label="Internet", kind="internet", tier="edge", public=True)
    ]
    for i in range(n_endpoints - 1):
        kind, tier = kinds[(i // 10) % len(kinds)]
        endpoints.append(
            EndpointView(
                selector=f"{kind}:dense-{i:05d}",
                label=f"dense-{i:05d}",
                kind=kind,
                vpc=f"vpc-{i % 3:017x}",
                tier=tier,
            )
        )
    members = [endpoints[1 + c * 10 : 1 + (c + 1) * 10] for c in range((n_endpoints - 1 + 9) // 10)]
    flows: list[FlowView] = []

    def flow(source: str, destination: str, protocol: str, ports: str) -> None:
        flows.append(
            FlowView.model_construct(
                source=source, destination=destination, protocol=protocol, ports=ports, verdict="reachable"
            )
        )

    for c, sources in enumerate(members):
        targets = [(d, 1000 + d % 40) for d in range(len(members)) if d != c and (c * 31 + d * 17) % 7 == 0]
        for source in sources:
            for d, port in targets:
                extra = (c + d) % 11 == 0
                for dest in members[d]:
                    flow(source.selector, dest.selector, "tcp", str(port))
                    if extra:
                        flow(source.selector, dest.selector, "udp", "53")
    for e in endpoints[1:]:
        if e.kind == "elb" and e.tier == "edge":
            for port in ("443", "80"):
                flow("internet", e.selector, "tcp", port)
        elif e.kind == "ec2" and e.selector.endswith("7"):
            flow("internet", e.selector, "tcp", "22")
    db = next(e for e in endpoints if e.kind == "rds")
    app = next(e for e in endpoints if e.kind == "ecs")
    intents = [
        IntentResult(
            name="app-reaches-db", from_=app.selector, to=db.selector, port=5432, verdict="blocked", ok=False
        )
    ]
    rules = sample_rules()
    findings = [
        Finding(
            fingerprint=Finding.make_fingerprint(rules[i % len(rules)].id, endpoints[1 + i].selector),
            rule=rules[i % len(rules)].id,
            name=rules[i % len(rules)].name,
            severity=rules[i % len(rules)].severity,
            resource=endpoints[1 + i % (n_endpoints - 1)].selector,
            message=f"dense finding {i:04d}",
        )
        for i in range(n_findings)
    ]
    snapshot = SnapshotSummary(complete=True, scopes=[ScopeSummary(account=ACCOUNT, region=REGION)])
    return ReportContext(
        report=CheckReport.build(snapshot, findings, intents),
        rules=rules,
        network=NetworkView.model_construct(endpoints=endpoints, flows=flows),
    )
