"""The checks of each container, running or not."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath

from tui.core.audit.catalogue import (
    ALL_INTERFACES,
    CAP_ADD,
    DEFAULT_BRIDGE_USED,
    DOCKER_SOCKET,
    HOST_IPC,
    HOST_NETWORK,
    HOST_PID,
    HOST_UTS,
    IP_FORWARD_OFF,
    MULTI_HOMED,
    NETNS_INHERITED,
    PRIVILEGED,
    PRIVILEGED_PORT,
)
from tui.core.audit.finding import Finding, Severity, on_container
from tui.core.audit.view import (
    DEFAULT_BRIDGE,
    PRIVILEGED_PORT_LIMIT,
    WILDCARDS,
    View,
    binding_text,
    normal_path,
)
from tui.core.model import Container, Mode
from tui.core.namespaces import namespace_chain


def _cap_names(caps: Iterable[str]) -> set[str]:
    return {c.upper().removeprefix("CAP_") for c in caps}


def _caps(view: View, c: Container) -> Iterator[Finding]:
    if c.privileged:
        return  # every capability: PRIVILEGED says it
    added = _cap_names(c.cap_add)
    dropped = _cap_names(c.cap_drop)
    strong = sorted(added & {"NET_ADMIN", "SYS_ADMIN", "ALL"})
    raw_back = "NET_RAW" in added and bool(dropped & {"NET_RAW", "ALL"})
    if strong:
        names = ", ".join([*strong, *(["NET_RAW"] if raw_back else [])])
        yield on_container(CAP_ADD, Severity.HIGH, c, f"{c.name} adds {names}")
    elif raw_back:
        yield on_container(
            CAP_ADD, Severity.LOW, c, f"{c.name} adds NET_RAW back after dropping it"
        )


def _privileged(view: View, c: Container) -> Iterator[Finding]:
    if c.privileged:
        yield on_container(PRIVILEGED, Severity.CRITICAL, c, f"{c.name} is privileged")


def _ports(view: View, c: Container) -> Iterator[Finding]:
    if not view.publishes(c):
        return
    low = [p for p in c.ports if p.host_port is not None and p.host_port < PRIVILEGED_PORT_LIMIT]
    if low:
        ports = ", ".join(sorted({f"{p.host_port}/{p.proto}" for p in low}))
        yield on_container(
            PRIVILEGED_PORT, Severity.LOW, c, f"{c.name} publishes host port {ports}"
        )
    wide = [p for p in c.ports if p.host_ip in WILDCARDS]
    if wide:
        listed = ", ".join(binding_text(p) for p in wide)
        yield on_container(
            ALL_INTERFACES, Severity.MEDIUM, c, f"{c.name} publishes on all interfaces: {listed}"
        )


def _host_listeners(view: View, c: Container) -> Iterator[Finding]:
    """A host-mode container's sockets on all interfaces are 5.14 too, with no -p to see."""
    if view.mode(c) != Mode.HOST:
        return
    wide = sorted(
        {
            f"{'[::]' if ':' in li.address else li.address}:{li.port}/{li.proto}"
            for li in view.state.host.listeners
            if li.container_id == c.id and li.address in WILDCARDS
        }
    )
    if wide:
        yield on_container(
            ALL_INTERFACES,
            Severity.MEDIUM,
            c,
            f"{c.name} (host network) listens on all interfaces: {', '.join(wide)}",
        )


def _namespaces(view: View, c: Container) -> Iterator[Finding]:
    if view.mode(c) == Mode.HOST:
        yield on_container(HOST_NETWORK, Severity.HIGH, c, f"{c.name} uses the host's network")
    if c.pid_mode == "host":
        yield on_container(
            HOST_PID, Severity.HIGH, c, f"{c.name} shares the host's process namespace"
        )
    if c.ipc_mode == "host":
        yield on_container(
            HOST_IPC, Severity.MEDIUM, c, f"{c.name} shares the host's IPC namespace"
        )
    if c.uts_mode == "host":
        yield on_container(HOST_UTS, Severity.LOW, c, f"{c.name} shares the host's UTS namespace")


def _default_bridge(view: View, c: Container) -> Iterator[Finding]:
    if any(
        ep.network == DEFAULT_BRIDGE or ep.network_id in view.default_bridges for ep in c.endpoints
    ):
        yield on_container(
            DEFAULT_BRIDGE_USED, Severity.LOW, c, f"{c.name} is on the default bridge"
        )


def _socket(view: View, c: Container) -> Iterator[Finding]:
    # A mount of the socket's directory or any ancestor (-v /:/host, -v /var:/var) hands
    # the socket over as surely as a mount of the socket itself.
    direct, holders = [], []
    for source in sorted(set(c.mount_sources)):
        path = normal_path(source)
        if path in view.sockets or PurePosixPath(path).name == "docker.sock":
            direct.append(source)
        elif path in view.socket_holders:
            holders.append(source)
    if direct:
        listed = ", ".join(sorted([*direct, *holders]))
        yield on_container(
            DOCKER_SOCKET, Severity.CRITICAL, c, f"{c.name} mounts the Docker socket ({listed})"
        )
    elif holders:
        listed = ", ".join(holders)
        hold = "holds" if len(holders) == 1 else "hold"
        yield on_container(
            DOCKER_SOCKET,
            Severity.CRITICAL,
            c,
            f"{c.name} mounts {listed}, which {hold} the Docker socket",
            f"The engine's socket is inside {listed}: whoever is in the container can connect "
            "to it, even through a read-only mount, and so controls the engine, and the host, "
            "as root.",
        )


def _inherited(view: View, c: Container) -> Iterator[Finding]:
    if c.namespace_ref is None:
        return
    chain = namespace_chain(view.state, c)
    host = next((o for o in chain if view.mode(o) == Mode.HOST), None)
    if host is not None:
        yield on_container(
            NETNS_INHERITED,
            Severity.HIGH,
            c,
            f"{c.name} joins {host.name}, which uses the host's network",
            f"{c.name} has the host's own network through {host.name}, in host mode: "
            "every port it opens is open on the host (CIS 5.10, by another way).",
        )
        return
    privileged = next((o for o in chain if o.privileged), None)
    if privileged is not None:
        yield on_container(
            NETNS_INHERITED,
            Severity.MEDIUM,
            c,
            f"{c.name} joins the network of privileged {privileged.name}",
            f"{c.name}'s interfaces, routes and firewall rules belong to {privileged.name}, "
            "a privileged container that can rewrite them and sniff all their traffic.",
        )


def _multi_homed(view: View, c: Container) -> Iterator[Finding]:
    names = sorted({ep.network for ep in c.endpoints})
    if len(names) < 2:
        return
    networks = [view.networks_by_name.get(n) for n in names]
    internal = {n.name for n in networks if n is not None and n.internal}
    listed = ", ".join(names)
    if internal and len(internal) < len(names):
        yield on_container(
            MULTI_HOMED,
            Severity.MEDIUM,
            c,
            f"{c.name} links internal {', '.join(sorted(internal))} to other networks ({listed})",
            "An --internal network is meant to be cut off; this container, on it and on "
            "a routed network, is a way in and out of it.",
        )
    else:
        yield on_container(
            MULTI_HOMED, Severity.LOW, c, f"{c.name} is on {len(names)} networks ({listed})"
        )


def _ip_forward(view: View, c: Container) -> Iterator[Finding]:
    forwarding = view.state.daemon.ip_forward
    if forwarding is None:
        forwarding = view.state.host.ip_forward
    if forwarding is False and view.publishes(c):
        yield on_container(
            IP_FORWARD_OFF, Severity.LOW, c, f"{c.name} publishes ports, but IPv4 forwarding is off"
        )


ContainerCheck = Callable[[View, Container], Iterator[Finding]]
CONTAINER_CHECKS: tuple[ContainerCheck, ...] = (
    _caps,
    _privileged,
    _ports,
    _host_listeners,
    _namespaces,
    _default_bridge,
    _inherited,
    _multi_homed,
    _ip_forward,
    _socket,
)
