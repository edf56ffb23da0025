"""What the engine reported, as plain frozen data.

Everything here is a fact read from the engine (or the host); anything that can
be derived from these facts (a container's mode, whose namespace it shares,
which containers sit on a network) is computed in the modules beside this one,
never stored twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

EMPTY: Mapping[str, str] = MappingProxyType({})


class Mode(StrEnum):
    """A container's network mode in the seed article's terms.

    User networks are named by their driver (a user bridge is ``bridge`` too).
    """

    BRIDGE = "bridge"
    HOST = "host"
    CONTAINER = "container"
    NONE = "none"
    OVERLAY = "overlay"
    MACVLAN = "macvlan"
    IPVLAN = "ipvlan"


class Detail(StrEnum):
    """How much the engine told us: the list endpoint's summary, or a full inspect."""

    SUMMARY = "summary"
    INSPECT = "inspect"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A container's attachment to one network."""

    network: str
    network_id: str | None = None
    ipv4: str | None = None
    prefix: int | None = None
    gateway: str | None = None
    ipv6: str | None = None
    ipv6_prefix: int | None = None
    mac: str | None = None


def bracketed(address: str) -> str:
    """An address as it stands before ``:port``: IPv6 in brackets (``[::]:80``)."""
    return f"[{address}]" if ":" in address else address


@dataclass(frozen=True, slots=True)
class PortBinding:
    """One host port mapping.

    ``bound`` is true for a binding the engine made for a running container and
    false for a configured one (``HostConfig.PortBindings``) of a container that
    is not running. ``host_port`` is None for a configured dynamic port.
    ``dynamic`` says the host port was left to the engine (``-P`` or ``-p 80``).
    """

    host_ip: str
    host_port: int | None
    container_port: int
    proto: str
    bound: bool
    dynamic: bool = False

    def sort_key(self) -> tuple[int, str, int, str]:
        return (self.container_port, self.proto, self.host_port or 0, self.host_ip)


@dataclass(frozen=True, slots=True)
class Container:
    """One container as the engine last described it."""

    id: str
    name: str
    image: str
    state: str
    network_mode: str
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[PortBinding, ...] = ()
    exposed: tuple[str, ...] = ()
    started_at: datetime | None = None
    created_at: datetime | None = None
    namespace_ref: str | None = None
    """For ``container:<ref>`` mode: the ID (or name) the engine recorded."""
    command: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY, compare=False)
    publish_all: bool = False
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    pid_mode: str = ""
    ipc_mode: str = ""
    uts_mode: str = ""
    mount_sources: tuple[str, ...] = ()
    exit_code: int | None = None
    """Of a container that ran and stopped (``exited``, ``dead``); None otherwise."""
    oom_killed: bool = False
    error: str = ""
    """``State.Error``: why the engine could not run it, when it says."""
    finished_at: datetime | None = None
    detail: Detail = Detail.INSPECT
    pid: int | None = None
    """``State.Pid``: its main process on the engine's host, while it runs."""
    netns: int | None = None
    """The inode of its network namespace, read from the kernel when the engine is local
    (``/proc/<pid>/ns/net``): two containers share a namespace exactly when these match."""

    @property
    def running(self) -> bool:
        return self.state in ("running", "paused", "restarting")

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def unpublished(self) -> tuple[str, ...]:
        """Exposed ports no binding publishes (``443/tcp``)."""
        published = {f"{p.container_port}/{p.proto}" for p in self.ports}
        return tuple(k for k in self.exposed if k not in published)


@dataclass(frozen=True, slots=True)
class Subnet:
    subnet: str
    gateway: str | None = None


@dataclass(frozen=True, slots=True)
class Network:
    """A network on the engine; who is attached is derived from containers."""

    id: str
    name: str
    driver: str
    scope: str
    subnets: tuple[Subnet, ...] = ()
    internal: bool = False
    ipv6: bool = False
    options: Mapping[str, str] = field(default_factory=lambda: EMPTY, compare=False)
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY, compare=False)


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """Which engine we talk to, and what it says of itself."""

    endpoint: str
    version: str = ""
    api_version: str = ""
    local: bool = False
    os: str = ""
    kernel: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class HostAddress:
    """An address of the host itself (what a host-mode container has)."""

    interface: str
    address: str
    prefix: int
    family: str  # "inet" or "inet6"


@dataclass(frozen=True, slots=True)
class Event:
    """One engine event, reduced to what tells us what to re-read."""

    type: str
    action: str
    actor_id: str
    container_id: str | None
    time_nano: int
    name: str = field(default="", compare=False)
    """The actor's name (a container's or a network's), when the engine gave one: of its
    attributes, the only one shown (the others, its labels among them, are not kept)."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A socket listening on the host (TCP) or bound there (UDP)."""

    proto: str
    address: str
    port: int
    pid: int | None = None
    process: str | None = None
    container_id: str | None = None
    """The host-mode container the socket belongs to, if any."""


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What the host itself tells; empty unless the engine is local."""

    addresses: tuple[HostAddress, ...] = ()
    listeners: tuple[Listener, ...] = ()
    dynamic_port_range: tuple[int, int] | None = None
    ip_forward: bool | None = None


@dataclass(frozen=True, slots=True)
class DaemonFacts:
    """How the daemon is configured, from ``/info``, its command line and daemon.json.

    None is "not known": a remote engine shows its API, not its flags.
    """

    icc: bool | None = None
    iptables: bool | None = None
    ip_forward: bool | None = None
    userland_proxy: bool | None = None
    hosts: tuple[str, ...] = ()
    tls: bool = False
    tls_verify: bool = False
    config_read: bool = False
    """Whether dockerd's command line and daemon.json were read (a local engine)."""


# The kernel's view (tui.engine.kernel): interfaces, veth peers, bridges, counters.


@dataclass(frozen=True, slots=True)
class NetInterface:
    """A network interface as netlink reports it, in one network namespace."""

    index: int
    name: str
    kind: str = ""
    """``IFLA_INFO_KIND``: ``veth``, ``bridge``, ``macvlan``, ``ipvlan``; empty for
    loopback and physical interfaces."""
    mac: str | None = None
    link: int | None = None
    """``IFLA_LINK``: a veth's peer, or a macvlan/ipvlan's parent (an ifindex)."""
    link_elsewhere: bool = False
    """``IFLA_LINK_NETNSID`` is set: ``link`` is an ifindex of another namespace."""
    master: int | None = None
    """``IFLA_MASTER``: the bridge this interface is enslaved to."""
    addresses: tuple[str, ...] = ()
    """``172.17.0.1/16``, as ``ip addr`` shows them."""


@dataclass(frozen=True, slots=True)
class Netns:
    """One network namespace: its identity (the inode of ``/proc/<pid>/ns/net``) and links."""

    inode: int
    interfaces: tuple[NetInterface, ...] = ()
    _index: Mapping[int, NetInterface] = field(init=False, repr=False, compare=False)
    """Interfaces by ifindex: the host's has a veth per container, and every container's
    plumbing looks there."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {i.index: i for i in self.interfaces})

    def by_index(self, index: int | None) -> NetInterface | None:
        return self._index.get(index) if index is not None else None

    def by_mac(self, mac: str | None) -> NetInterface | None:
        if not mac:
            return None
        return next((i for i in self.interfaces if i.mac and i.mac.lower() == mac.lower()), None)


@dataclass(frozen=True, slots=True)
class KernelView:
    """The plumbing of the containers, as the kernel of a local engine shows it.

    ``reason`` says why there is nothing (a remote engine) when ``available`` is false;
    ``unreadable`` why one running container's namespace could not be read.
    """

    available: bool = False
    reason: str = ""
    remote: bool = False
    """The engine is not on this host: there is no kernel of its to read."""
    host: Netns | None = None
    """The namespace of the dockerd serving the endpoint (bridges, veth peers)."""
    namespaces: Mapping[str, Netns] = field(default_factory=lambda: MappingProxyType({}))
    """Container ID -> its network namespace, for the running containers read."""
    unreadable: Mapping[str, str] = field(default_factory=lambda: EMPTY)


class Counters(NamedTuple):
    """An interface's counters, as ``/proc/<pid>/net/dev`` shows them in its namespace.

    A tuple, not a dataclass: every running container's are built every second.
    """

    rx_bytes: int = 0
    tx_bytes: int = 0
    rx_packets: int = 0
    tx_packets: int = 0
    rx_dropped: int = 0
    tx_dropped: int = 0
    rx_errors: int = 0
    tx_errors: int = 0


@dataclass(frozen=True, slots=True)
class NamespaceCounters:
    """Every interface's counters in one namespace, by interface name."""

    inode: int
    interfaces: Mapping[str, Counters]


@dataclass(frozen=True, slots=True)
class CounterSample:
    """One sampling round: each running container's counters, read at ``time``."""

    time: float
    """Seconds on one clock per source: monotonic for the kernel's counters, the engine's
    own for its stats (a remote engine's)."""
    containers: Mapping[str, NamespaceCounters] = field(
        default_factory=lambda: MappingProxyType({})
    )
    missing: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    """Container ID -> why its counters are not in this sample (exited, not readable)."""
