"""internet-high-risk-ports: tcp/8080 and tcp/445 open to the world on public instances fail; SSH (left
to internet-admin-ports), HTTPS, and 8080 on a private instance pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    dev = b.security_group(net.vpc, "dev-8080")
    b.ingress(dev, "tcp", 8080, cidr="0.0.0.0/0")
    smb = b.security_group(net.vpc, "smb")
    b.ingress(smb, "tcp", 445, cidr="0.0.0.0/0")
    ssh = b.security_group(net.vpc, "ssh")
    b.ingress(ssh, "tcp", 22, cidr="0.0.0.0/0")
    web = b.security_group(net.vpc, "web")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/0")
    dev_host = b.ec2_instance("dev", subnet=net.pub_a, groups=[dev], public_ip=True)
    smb_host = b.ec2_instance("fileserver", subnet=net.pub_b, groups=[smb], public_ip=True)
    ssh_host = b.ec2_instance("bastion", subnet=net.pub_a, groups=[ssh], public_ip=True)
    web_host = b.ec2_instance("web", subnet=net.pub_a, groups=[web], public_ip=True)
    private = b.ec2_instance("private-dev", subnet=net.app_a, groups=[dev])
    return {
        "dev": dev_host.selector,
        "fileserver": smb_host.selector,
        "bastion": ssh_host.selector,
        "web": web_host.selector,
        "private-dev": private.selector,
    }
