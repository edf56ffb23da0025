"""The host's state, and the reducer that applies one change to it.

``HostState`` is immutable: ``reduce`` returns a new one, so a widget holding
the state it last drew can compare it with the next one, and a test can build
any state by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from itertools import islice
from types import MappingProxyType

from tui.core.model import (
    Container,
    CounterSample,
    DaemonFacts,
    Detail,
    EngineInfo,
    HostFacts,
    KernelView,
    Network,
)
from tui.core.traffic import Traffic, advance

NO_CONTAINERS: Mapping[str, Container] = MappingProxyType({})
NO_NETWORKS: Mapping[str, Network] = MappingProxyType({})
NO_NAMES: MappingProxyType[str, str] = MappingProxyType({})
# How many names of containers gone are remembered: each removal copies them.
DEPARTED_KEPT = 1024
_FULL_ID = re.compile(r"[0-9a-f]{64}")


class Link(StrEnum):
    """The state of our connection to the engine."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Connection:
    link: Link = Link.CONNECTING
    message: str = ""
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class HostState:
    engine: EngineInfo | None = None
    connection: Connection = field(default_factory=Connection)
    containers: Mapping[str, Container] = field(default_factory=lambda: NO_CONTAINERS)
    networks: Mapping[str, Network] = field(default_factory=lambda: NO_NETWORKS)
    host: HostFacts = field(default_factory=HostFacts)
    daemon: DaemonFacts = field(default_factory=DaemonFacts)
    read: bool = False
    """The engine's containers and networks have been read at least once: before, an
    empty state means "not known yet", not "nothing there"."""
    kernel: KernelView = field(default_factory=KernelView)
    traffic: Traffic = field(default_factory=Traffic)
    departed: MappingProxyType[str, str] = field(default_factory=lambda: NO_NAMES)
    """The names of containers that left, by ID (the latest ``DEPARTED_KEPT``): a
    ``container:`` joiner's owner is recorded by ID, and still named once it is gone."""
    _network_names: Mapping[str, Network] = field(init=False, repr=False, compare=False)
    """Networks by name (every container's mode asks): a host has a handful."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_network_names", {n.name: n for n in self.networks.values()})

    @property
    def synced(self) -> bool:
        """Every container known in full (not only from the list endpoint)."""
        return all(c.detail is Detail.INSPECT for c in self.containers.values())

    @property
    def known(self) -> bool:
        """Read, and every container in full: what the analyses need to say anything."""
        return self.read and self.synced

    def container(self, ref: str) -> Container | None:
        """A container by full ID, ID prefix (12+ chars) or name."""
        found = self.containers.get(ref)
        if found is not None or _FULL_ID.fullmatch(ref):
            # A full ID not there is a container gone (a joiner's owner, asked at every
            # repaint): no walk of every name for it.
            return found
        for c in self.containers.values():
            if c.name == ref or (len(ref) >= 12 and c.id.startswith(ref)):
                return c
        return None

    def network_by_name(self, name: str) -> Network | None:
        return self._network_names.get(name)


# Changes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContainerSeen:
    container: Container


@dataclass(frozen=True, slots=True)
class ContainerGone:
    container_id: str


@dataclass(frozen=True, slots=True)
class NetworkSeen:
    network: Network


@dataclass(frozen=True, slots=True)
class NetworkGone:
    network_id: str


@dataclass(frozen=True, slots=True)
class Resynced:
    """A fresh full read: replaces what we knew."""

    containers: tuple[Container, ...]
    networks: tuple[Network, ...]


@dataclass(frozen=True, slots=True)
class EngineSeen:
    engine: EngineInfo


@dataclass(frozen=True, slots=True)
class HostSeen:
    host: HostFacts


@dataclass(frozen=True, slots=True)
class DaemonSeen:
    daemon: DaemonFacts


@dataclass(frozen=True, slots=True)
class KernelSeen:
    """The plumbing read again (after a container started, stopped, joined a network)."""

    kernel: KernelView


@dataclass(frozen=True, slots=True)
class CountersSampled:
    sample: CounterSample


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    connection: Connection


Change = (
    ContainerSeen
    | ContainerGone
    | NetworkSeen
    | NetworkGone
    | Resynced
    | EngineSeen
    | HostSeen
    | DaemonSeen
    | KernelSeen
    | CountersSampled
    | ConnectionChanged
)


def _with(mapping: Mapping[str, Container], key: str, value: Container) -> Mapping[str, Container]:
    updated = dict(mapping)
    updated[key] = value
    return MappingProxyType(updated)


def _departed(state: HostState, gone: Iterable[Container]) -> MappingProxyType[str, str]:
    """The names remembered, with those of ``gone`` as the latest."""
    names = state.departed.copy()  # the dict's own copy: dict(proxy) goes key by key
    for c in gone:
        names.pop(c.id, None)
        names[c.id] = c.name
    for oldest in list(islice(names, max(0, len(names) - DEPARTED_KEPT))):
        del names[oldest]
    return MappingProxyType(names)


def _fuller(state: HostState, container: Container) -> Container:
    known = state.containers.get(container.id)
    if container.detail is Detail.SUMMARY and known is not None and known.detail is Detail.INSPECT:
        return known
    return container


# What the reducer sets (not the indexes a state builds from it, new with every state).
_FACTS = tuple(f.name for f in fields(HostState) if f.init and f.name != "traffic")


def only_traffic_changed(before: HostState, after: HostState) -> bool:
    """``after`` is ``before`` with a new sample of the counters and nothing else: the
    reducer keeps every unchanged part of the state as the same object."""
    return before.traffic is not after.traffic and all(
        getattr(before, name) is getattr(after, name) for name in _FACTS
    )


def reduce(state: HostState, change: Change) -> HostState:
    """Apply one change; return the same object when nothing changed."""
    match change:
        case ContainerSeen(container):
            container = _fuller(state, container)
            if state.containers.get(container.id) == container:
                return state
            return replace(state, containers=_with(state.containers, container.id, container))
        case ContainerGone(cid):
            if cid not in state.containers:
                return state
            containers = dict(state.containers)
            gone = containers.pop(cid)
            return replace(
                state,
                containers=MappingProxyType(containers),
                departed=_departed(state, (gone,)),
            )
        case NetworkSeen(network):
            if state.networks.get(network.id) == network:
                return state
            networks = dict(state.networks)
            networks[network.id] = network
            return replace(state, networks=MappingProxyType(networks))
        case NetworkGone(nid):
            if nid not in state.networks:
                return state
            networks = dict(state.networks)
            del networks[nid]
            return replace(state, networks=MappingProxyType(networks))
        case Resynced(containers, networks):
            # A summary does not replace a full inspect of the same container:
            # the inspect that follows the resync brings it up to date.
            fresh = {c.id: _fuller(state, c) for c in containers}
            left = [c for cid, c in state.containers.items() if cid not in fresh]
            return replace(
                state,
                containers=MappingProxyType(fresh),
                networks=MappingProxyType({n.id: n for n in networks}),
                read=True,
                departed=_departed(state, left) if left else state.departed,
            )
        case EngineSeen(engine):
            return state if engine == state.engine else replace(state, engine=engine)
        case HostSeen(host):
            return state if host == state.host else replace(state, host=host)
        case DaemonSeen(daemon):
            return state if daemon == state.daemon else replace(state, daemon=daemon)
        case KernelSeen(kernel):
            return state if kernel == state.kernel else replace(state, kernel=kernel)
        case CountersSampled(sample):
            return replace(state, traffic=advance(state.traffic, sample))
        case ConnectionChanged(connection):
            if connection == state.connection:
                return state
            return replace(state, connection=connection)
    raise TypeError(f"not a change: {change!r}")
