"""ecs-public-ip: a service in public subnets with assignPublicIp ENABLED whose group admits the world on
8080 fails; a service that assigns public IPs but admits nothing inbound, and a private service behind
the same group, pass."""

from estate_base import standard_net

from sgaudit.synth import EstateBuilder


def build(b: EstateBuilder) -> dict[str, str]:
    net = standard_net(b)
    open_sg = b.security_group(net.vpc, "api-open")
    b.ingress(open_sg, "tcp", 8080, cidr="0.0.0.0/0")
    closed = b.security_group(net.vpc, "worker-closed")
    public = [net.pub_a, net.pub_b]
    exposed = b.fargate_service(
        cluster="prod", name="exposed", subnets=public, groups=[open_sg], tasks=2, assign_public_ip=True
    )
    quiet = b.fargate_service(
        cluster="prod", name="quiet", subnets=public, groups=[closed], tasks=1, assign_public_ip=True
    )
    private = b.fargate_service(
        cluster="prod", name="private", subnets=[net.app_a, net.app_b], groups=[open_sg], tasks=1
    )
    return {"exposed": exposed.selector, "quiet": quiet.selector, "private": private.selector}
