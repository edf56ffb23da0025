"""What each container is plugged into: its interfaces, veth peers, bridges, parents.

Pure, from the kernel's facts (``KernelView``), never from names: a container-side
interface is matched to its endpoint by MAC; a veth's host end is the interface of the
host namespace with the peer's ifindex, accepted only when it points back (its own
peer is the container's end); the bridge is that end's ``master``; a macvlan or
ipvlan's parent is its ``link`` in the host namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_interface, ip_network
from typing import NamedTuple

from tui.core.model import Container, Endpoint, NetInterface, Netns, Network
from tui.core.namespaces import effective_endpoints
from tui.core.state import HostState

_STACKED = ("macvlan", "ipvlan")


@dataclass(frozen=True, slots=True)
class Plug:
    """One interface of a container's namespace, and where it leads."""

    interface: NetInterface
    endpoint: Endpoint | None = None
    host_interface: NetInterface | None = None
    """The veth peer in the host namespace."""
    bridge: NetInterface | None = None
    parent: NetInterface | None = None
    """A macvlan or ipvlan interface's parent in the host namespace."""


@dataclass(frozen=True, slots=True)
class Bridge:
    """A Linux bridge of the host namespace, the network it serves, its enslaved ports."""

    interface: NetInterface
    network: Network | None
    ports: tuple[NetInterface, ...]


def in_host_namespace(state: HostState, container: Container) -> bool:
    """Whether the container's namespace is dockerd's (host mode, or joining one)."""
    ns, host = state.kernel.namespaces.get(container.id), state.kernel.host
    return ns is not None and host is not None and ns.inode == host.inode


def veth_peer(host: Netns, iface: NetInterface) -> NetInterface | None:
    """The host end of a container's veth (``iface``), or None when it is not one."""
    if iface.kind != "veth" or not iface.link_elsewhere:
        return None
    peer = host.by_index(iface.link)
    # An index alone could name another namespace's interface: the peer must point back.
    if peer is None or peer.kind != "veth" or peer.link != iface.index:
        return None
    return peer


def plugs(state: HostState, container: Container) -> tuple[Plug, ...]:
    """The interfaces of a running container's namespace, as the kernel shows them.

    In the host namespace (host mode), the host ends of containers' veth pairs are left
    out: they are the other containers' plumbing, not this one's interfaces.
    """
    ns = state.kernel.namespaces.get(container.id)
    if ns is None:
        return ()
    host = state.kernel.host
    endpoints = effective_endpoints(state, container)
    hosted = in_host_namespace(state, container)
    found = []
    for iface in ns.interfaces:
        if hosted and iface.kind == "veth" and iface.master is not None:
            continue
        mac = (iface.mac or "").lower()
        endpoint = next((ep for ep in endpoints if mac and (ep.mac or "").lower() == mac), None)
        peer = bridge = parent = None
        if host is not None and not hosted:
            peer = veth_peer(host, iface)
            bridge = host.by_index(peer.master) if peer is not None else None
            if iface.kind in _STACKED and iface.link_elsewhere:
                parent = host.by_index(iface.link)
        found.append(Plug(iface, endpoint, peer, bridge, parent))
    return tuple(found)


class Counted(NamedTuple):
    """An interface of a namespace, counted in dockerd's namespace."""

    name: str
    """Its name in its own namespace (``eth0``)."""
    ifindex: int
    """The interface whose counters are read, in dockerd's namespace."""
    peer: bool
    """That ifindex is the veth's other end: what it sent, the interface received."""


def counted_in_host(host: Netns, ns: Netns) -> tuple[Counted, ...] | None:
    """How every interface of ``ns`` can be counted from dockerd's namespace ``host``, where
    one dump answers for all: its own interfaces when ``ns`` is that namespace (less the
    host ends of containers' veths, as ``plugs``), else each interface's veth peer
    (loopback aside: no one shows it but in none mode). None when an interface has no
    peer there (macvlan, ipvlan, loopback alone): those are counted inside ``ns``."""
    if ns.inode == host.inode:
        return tuple(Counted(i.name, i.index, False) for i in host.interfaces
                     if not (i.kind == "veth" and i.master is not None))  # fmt: skip
    found = []
    for iface in ns.interfaces:
        if iface.name == "lo":
            continue
        peer = veth_peer(host, iface)
        if peer is None:
            return None
        found.append(Counted(iface.name, peer.index, True))
    return tuple(found) or None


def plug_of(state: HostState, container: Container, endpoint: Endpoint) -> Plug | None:
    """The interface that carries ``endpoint`` (matched by MAC)."""
    return next((p for p in plugs(state, container) if p.endpoint == endpoint), None)


def _network_of_address(state: HostState, addresses: tuple[str, ...]) -> Network | None:
    for network in sorted(state.networks.values(), key=lambda n: n.name):
        if network.driver != "bridge":
            continue
        for subnet in network.subnets:
            for address in addresses:
                try:
                    if ip_interface(address).ip in ip_network(subnet.subnet, strict=False):
                        return network
                except ValueError:
                    continue
    return None


def bridges(state: HostState) -> tuple[Bridge, ...]:
    """Every Linux bridge of the host namespace, by name, with the network it serves: that
    of an endpoint plugged into it, else the bridge network whose subnet holds its address."""
    host = state.kernel.host
    if host is None:
        return ()
    served: dict[int, Network] = {}
    for c in state.containers.values():
        for p in plugs(state, c):
            if p.bridge is not None and p.endpoint is not None:
                network = state.networks.get(p.endpoint.network_id or "") or (
                    state.network_by_name(p.endpoint.network)
                )
                if network is not None:
                    served.setdefault(p.bridge.index, network)
    found = []
    for iface in sorted(host.interfaces, key=lambda i: i.name):
        if iface.kind != "bridge":
            continue
        network = served.get(iface.index) or _network_of_address(state, iface.addresses)
        ports = tuple(sorted((i for i in host.interfaces if i.master == iface.index),
                             key=lambda i: i.name))  # fmt: skip
        found.append(Bridge(iface, network, ports))
    return tuple(found)
