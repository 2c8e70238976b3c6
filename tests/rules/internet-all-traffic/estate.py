"""internet-all-traffic: a public instance whose group allows all traffic from 0.0.0.0/0 fails; a public
web server (443 only), an all-traffic group on a private instance, and all TCP ports opened only to one
office range pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    open_all = b.security_group(net.vpc, "open-all")
    b.ingress(open_all, "-1", cidr="0.0.0.0/0")
    all_tcp = b.security_group(net.vpc, "all-tcp")
    b.ingress(all_tcp, "tcp", 0, 65535, cidr="0.0.0.0/0")
    web = b.security_group(net.vpc, "web")
    b.ingress(web, "tcp", 443, cidr="0.0.0.0/0")
    office = b.security_group(net.vpc, "office")
    b.ingress(office, "tcp", 0, 65535, cidr="203.0.113.0/24")
    exposed = b.ec2_instance("exposed", subnet=net.pub_a, groups=[open_all], public_ip=True)
    exposed_tcp = b.ec2_instance("exposed-tcp", subnet=net.pub_b, groups=[all_tcp], public_ip=True)
    webserver = b.ec2_instance("webserver", subnet=net.pub_a, groups=[web], public_ip=True)
    private = b.ec2_instance("private", subnet=net.app_a, groups=[open_all])
    office_host = b.ec2_instance("office-host", subnet=net.pub_b, groups=[office], public_ip=True)
    return {
        "exposed": exposed.selector,
        "exposed-tcp": exposed_tcp.selector,
        "webserver": webserver.selector,
        "private": private.selector,
        "office-host": office_host.selector,
    }
