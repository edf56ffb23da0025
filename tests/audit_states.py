"""Hand-made host states for the audit's tests: a clean baseline, and builders to spoil it."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from tui.core.model import (
    Container,
    DaemonFacts,
    Endpoint,
    EngineInfo,
    HostFacts,
    Network,
    PortBinding,
)
from tui.core.state import HostState

# What a default-configured local daemon says of itself.
DEFAULTS = DaemonFacts(
    icc=True,
    iptables=True,
    ip_forward=True,
    userland_proxy=True,
    hosts=("unix:///var/run/docker.sock",),
    config_read=True,
)
HARDENED = dataclasses.replace(DEFAULTS, icc=False, userland_proxy=False)
DEFAULT_BRIDGE = Network(
    "netbridge",
    "bridge",
    "bridge",
    "local",
    options=MappingProxyType(
        {
            "com.docker.network.bridge.default_bridge": "true",
            "com.docker.network.bridge.enable_icc": "true",
        }
    ),
)
QUIET = Network(
    "netquiet",
    "quiet",
    "bridge",
    "local",
    options=MappingProxyType({"com.docker.network.bridge.enable_icc": "false"}),
)
LOOPBACK_8080 = PortBinding("127.0.0.1", 8080, 80, "tcp", True)


def container(name: str, **fields: object) -> Container:
    """A running container on the quiet network, publishing on loopback only: no findings."""
    base: dict[str, object] = {
        "id": f"id-{name}",
        "name": name,
        "image": "netlab/busybox:1",
        "state": "running",
        "network_mode": "quiet",
        "endpoints": (Endpoint("quiet", "netquiet", "172.30.0.2", 16),),
        "ports": (LOOPBACK_8080,),
    }
    base.update(fields)
    return Container(**base)  # type: ignore[arg-type]


def state(
    *containers: Container,
    networks: tuple[Network, ...] = (QUIET,),
    daemon: DaemonFacts = HARDENED,
    host: HostFacts | None = None,
    endpoint: str = "unix:///var/run/docker.sock",
) -> HostState:
    return HostState(
        engine=EngineInfo(endpoint=endpoint, local=True),
        containers=MappingProxyType({c.id: c for c in containers}),
        networks=MappingProxyType({n.id: n for n in networks}),
        daemon=daemon,
        host=host or HostFacts(ip_forward=True),
        read=True,  # as after the engine's first answer
    )
