"""Small estates for the synth tests: one that uses every builder feature."""

from __future__ import annotations

from sgaudit.synth import EstateBuilder, NaclEntry


def kitchen_sink() -> EstateBuilder:
    """An estate touching every resource kind and option of the builder."""
    b = EstateBuilder(account="222233334444", region="eu-west-1", default_tags={"env": "test"})
    vpc = b.vpc("10.1.0.0/16", name="main", ipv6="2a05:d018:1:2300::/56", secondary_cidrs=["100.64.0.0/20"])
    peer_vpc = b.vpc("10.2.0.0/16", name="peer")
    pa = b.subnet(vpc, "10.1.0.0/24", az="eu-west-1a", name="pub-a", ipv6="2a05:d018:1:2300::/64")
    pb = b.subnet(vpc, "10.1.1.0/24", az="eu-west-1b", name="pub-b", ipv6="2a05:d018:1:2301::/64")
    aa = b.subnet(vpc, "10.1.10.0/24", az="eu-west-1a", name="app-a")
    ab = b.subnet(vpc, "10.1.11.0/24", az="eu-west-1b", name="app-b")
    sec = b.subnet(vpc, "100.64.0.0/24", az="eu-west-1a", name="pods-a")
    da = b.subnet(vpc, "10.1.20.0/24", az="eu-west-1a", name="db-a")
    db_b = b.subnet(vpc, "10.1.21.0/24", az="eu-west-1b", name="db-b")
    qa = b.subnet(peer_vpc, "10.2.0.0/24", az="eu-west-1a", name="peer-a")

    igw = b.internet_gateway(vpc, name="igw")
    eigw = b.egress_only_internet_gateway(vpc, name="eigw")
    nat = b.nat_gateway(pa, name="nat")
    pcx = b.peering(vpc, peer_vpc, name="main-peer")
    b.route_table(vpc, subnets=[pa, pb], routes=[("0.0.0.0/0", igw), ("::/0", igw)], name="public")
    private = b.route_table(
        vpc,
        subnets=[aa, ab],
        routes=[("0.0.0.0/0", nat), ("::/0", eigw), ("10.2.0.0/16", pcx)],
        name="private",
    )
    b.route(private, "192.168.0.0/16", "tgw-0123456789abcdef0")
    b.route(private, "172.31.0.0/16", "vgw-0123456789abcdef0", state="blackhole")
    b.route(b.main_route_table(peer_vpc), "10.1.0.0/16", pcx)
    corp = b.prefix_list("corp", ["198.51.100.0/24", "203.0.113.0/24"], max_entries=5)
    hidden = b.prefix_list("hidden", ["10.99.0.0/16"], readable=False)

    alb_sg = b.security_group(vpc, "alb")
    b.ingress(alb_sg, "tcp", 443, cidr=["0.0.0.0/0", "10.0.0.0/8"], cidr6="::/0")
    app_sg = b.security_group(vpc, "app", allow_all_egress=False)
    b.ingress(app_sg, "tcp", 8080, sg=alb_sg)
    b.ingress(app_sg, "icmp", 3, 4, cidr="10.1.0.0/16")
    b.ingress(app_sg, "icmpv6", cidr6="2a05:d018:1:2300::/56")
    b.ingress(app_sg, "50", cidr="10.1.0.0/16", description="ESP")
    b.ingress(app_sg, 6, 22, prefix_list=[corp, hidden])
    db_sg = b.security_group(vpc, "db")
    b.egress(app_sg, "tcp", 5432, sg=db_sg, description="db")
    b.egress(app_sg, "udp", 53, cidr="10.1.0.2/32")
    b.ingress(db_sg, "tcp", 5432, 5432, sg=[app_sg, "sg-0ffffffffffffffff"])
    b.ingress(db_sg, "tcp", 5432, sg="sg-0123456789abcdef0", user_id="999988887777")
    peer_sg = b.security_group(peer_vpc, "peer-app")
    b.ingress(db_sg, "tcp", 5432, sg=peer_sg)
    b.ingress(db_sg, "all", cidr="100.64.0.0/20")
    fn_sg = b.security_group(vpc, "fn")
    vpce_sg = b.security_group(vpc, "vpce")
    b.ingress(vpce_sg, "tcp", 443, cidr=vpc.cidr)

    b.network_acl(
        vpc,
        subnets=[da, db_b],
        name="db",
        entries=[
            NaclEntry(
                number=100, direction="ingress", protocol="tcp", cidr="10.1.10.0/23", ports=(5432, 5432)
            ),
            NaclEntry(number=110, direction="ingress", protocol="icmp", cidr="10.1.0.0/16", icmp=(3, 4)),
            NaclEntry(
                number=120, direction="ingress", protocol="6", cidr6="::/0", ports=(443, 443), action="deny"
            ),
            NaclEntry(
                number=100, direction="egress", protocol="tcp", cidr="10.1.10.0/23", ports=(1024, 65535)
            ),
        ],
    )
    svc = b.fargate_service(
        cluster="main",
        name="app",
        subnets=[aa, ab],
        groups=[app_sg],
        tasks=3,
        container_port=8080,
        env={"DB": "x"},
        secrets={"PW": "main/pw"},
    )
    b.fargate_service(
        cluster="main", name="drift", subnets=[aa], groups=[app_sg], task_groups=[db_sg], tasks=1
    )
    b.fargate_service(
        cluster="main", name="nogroups", subnets=[sec], groups=None, tasks=1, assign_public_ip=True
    )
    b.fargate_service(cluster="batch", name="idle", subnets=[aa], groups=[app_sg], tasks=0, desired=0)
    b.rds_instance("pg", subnets=[da, db_b], groups=[db_sg], multi_az=True)
    b.rds_instance(
        "public-mysql", engine="mysql", subnets=[pa, pb], groups=[db_sg], public=True, placement=pb
    )
    b.rds_cluster("aurora", subnets=[da, db_b], groups=[db_sg], instances=2)
    alb = b.alb(
        "front",
        subnets=[pa, pb],
        groups=[alb_sg],
        ip_address_type="dualstack",
        targets=svc,
        listener_port=443,
    )
    b.listener(alb, 80, "HTTP", redirect_port=443)
    inst = b.ec2_instance("bastion", subnet=pa, groups=[alb_sg], public_ip=True, eip=True)
    b.ec2_instance(
        "multi",
        subnet=aa,
        groups=[app_sg],
        extra_interfaces=[(aa, [db_sg])],
        list_instance_groups=False,
        platform="windows",
    )
    b.ec2_instance("stopped", subnet=aa, groups=[app_sg], state="stopped", private_ip="10.1.10.200")
    nlb = b.nlb("internal-nlb", subnets=[aa, ab])
    tg = b.target_group("nlb-tg", vpc, port=22, protocol="TCP", targets=[inst], health="unhealthy")
    b.listener(nlb, 22, "TCP", forward=tg)
    b.target_group("ip-tg", vpc, port=80, targets=[inst.eni, "10.99.1.1"])
    b.lambda_function("fn1", subnets=[aa, ab], groups=[fn_sg], env={"A": "b"})
    b.lambda_function("fn2", subnets=[aa, ab], groups=[fn_sg])
    b.lambda_function("no-vpc")
    b.vpc_endpoint(vpc, "ecr.api", subnets=[aa, ab], groups=[vpce_sg])
    b.vpc_endpoint(vpc, "s3", gateway=True, route_tables=[private])
    b.eni(qa, [peer_sg], description="spare", secondary_ips=2, ipv4_prefixes=["10.2.0.16/28"])
    b.eni(pa, None, public_ip=True, attached=True)
    return b
