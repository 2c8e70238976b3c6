"""internet-admin-ports: SSH from 0.0.0.0/0, RDP from 0.0.0.0/1 + 128.0.0.0/1, SSH through a prefix list
holding 0.0.0.0/0 and SSH from ::/0 on public interfaces fail; SSH from one office range, SSH from the
world on a private instance, and a world-open group whose subnet's NACL denies SSH pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder, NaclEntry


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    ssh = b.security_group(net.vpc, "ssh-world")
    b.ingress(ssh, "tcp", 22, cidr="0.0.0.0/0")
    split = b.security_group(net.vpc, "rdp-split")
    b.ingress(split, "tcp", 3389, cidr=["0.0.0.0/1", "128.0.0.0/1"])
    everywhere = b.prefix_list("everywhere", ["0.0.0.0/0"])
    via_pl = b.security_group(net.vpc, "ssh-prefix-list")
    b.ingress(via_pl, "tcp", 22, prefix_list=everywhere)
    office = b.security_group(net.vpc, "ssh-office")
    b.ingress(office, "tcp", 22, cidr="203.0.113.0/24")

    bastion = b.ec2_instance("bastion", subnet=net.pub_a, groups=[ssh], public_ip=True)
    rdp = b.ec2_instance("rdp-host", subnet=net.pub_b, groups=[split], public_ip=True, platform="windows")
    pl_host = b.ec2_instance("pl-host", subnet=net.pub_a, groups=[via_pl], public_ip=True)
    office_host = b.ec2_instance("office-host", subnet=net.pub_b, groups=[office], public_ip=True)
    private = b.ec2_instance("private-ssh", subnet=net.app_a, groups=[ssh])

    # A public subnet whose NACL lets only HTTPS in: the world-open SSH group there is not reachable.
    locked = b.subnet(net.vpc, "10.0.2.0/24", az=f"{b.region}a", name="public-locked")
    b.associate(b.route_table(net.vpc, name="locked", routes=[("0.0.0.0/0", net.igw)]), locked)
    b.network_acl(
        net.vpc,
        name="https-only",
        subnets=[locked],
        entries=[
            NaclEntry(number=100, direction="ingress", protocol="tcp", cidr="0.0.0.0/0", ports=(443, 443)),
            NaclEntry(number=100, direction="egress", protocol="tcp", cidr="0.0.0.0/0", ports=(1024, 65535)),
        ],
    )
    nacl_host = b.ec2_instance("nacl-host", subnet=locked, groups=[ssh], public_ip=True)
    return {
        "bastion": bastion.selector,
        "rdp-host": rdp.selector,
        "pl-host": pl_host.selector,
        "office-host": office_host.selector,
        "private-ssh": private.selector,
        "nacl-host": nacl_host.selector,
    }
