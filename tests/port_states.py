"""Hand-made host states for port tests: containers, their bindings, host listeners."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from tui.core.model import Container, HostFacts, Listener, PortBinding
from tui.core.state import HostState

RANGE = (32768, 60999)


def running(name: str, *ports: PortBinding, mode: str = "bridge") -> Container:
    return Container(f"{name}-id".ljust(64, "0"), name, "img", "running", mode, ports=ports)


def created(name: str, *ports: PortBinding, mode: str = "bridge") -> Container:
    return Container(f"{name}-id".ljust(64, "0"), name, "img", "created", mode, ports=ports)


def bound(
    port: int | None, ip: str = "0.0.0.0", proto: str = "tcp", dynamic: bool = False
) -> PortBinding:
    return PortBinding(ip, port, 80, proto, True, dynamic)


def wants(port: int | None, ip: str = "0.0.0.0", proto: str = "tcp") -> PortBinding:
    return PortBinding(ip, port, 80, proto, False, port is None)


def published(
    port: int, ip: str = "0.0.0.0", proto: str = "tcp", dynamic: bool = False
) -> tuple[PortBinding, PortBinding]:
    """Both bindings the engine makes for ``-p port:80`` on a dual-stack host."""
    return (bound(port, ip, proto, dynamic), bound(port, "::", proto, dynamic))


def state(
    *containers: Container,
    listeners: Iterable[Listener] = (),
    span: tuple[int, int] | None = RANGE,
) -> HostState:
    return HostState(
        containers=MappingProxyType({c.id: c for c in containers}),
        host=HostFacts(listeners=tuple(listeners), dynamic_port_range=span),
        read=True,  # as after the engine's first answer
    )


def proxy(port: int, ip: str = "0.0.0.0", proto: str = "tcp", pid: int = 900) -> Listener:
    return Listener(proto, ip, port, pid, "docker-proxy")


def demo() -> HostState:
    """A host with one collision of each kind, beside clean dynamic ports (screenshots)."""
    hosted = running("metrics-agent", mode="host")
    return state(
        running("shop-web", *published(8080)),
        created("shop-web-old", wants(8080)),
        running("admin", bound(9000, "127.0.0.1")),
        created("admin-public", wants(9000)),
        created("api-blue", wants(7000)),
        created("api-green", wants(7000)),
        created("grafana", wants(3000)),
        created("mailer", wants(2525)),
        running("cache", *published(41000)),
        running("worker-1", *published(32771, dynamic=True)),
        running("worker-2", *published(32772, dynamic=True)),
        hosted,
        created("prom", wants(9100)),
        listeners=[
            proxy(8080),
            proxy(8080, "::"),
            Listener("tcp", "0.0.0.0", 22, 612, "sshd"),
            Listener("tcp", "0.0.0.0", 2525, 977, "exim4"),
            Listener("tcp", "127.0.0.1", 3000, 2231, "node"),
            Listener("tcp", "::", 9100, 1804, "node_exporter", container_id=hosted.id),
        ],
    )
