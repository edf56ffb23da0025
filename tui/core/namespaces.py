"""Network modes and the namespace graph: who shares whose network namespace.

A container started with ``--net=container:X`` has no endpoints of its own;
its addresses are those of X, or of whoever X shares, to the end of the chain
(A <- B <- C: C's addresses are A's).

The engine resolves the owner once, when the joiner starts: a joiner whose owner then
restarts, stops, or is removed (and perhaps recreated under the same name) stays in the
old namespace, emptied of everything but loopback (portainer#8265). Such a joiner is
*orphaned*: the engine's own facts tell (the owner is gone, is another container, is not
running, or started after the joiner), and where the kernel was read, the two network
namespaces' inodes confirm it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType

from tui.core.model import Container, Endpoint, HostAddress, Mode
from tui.core.state import HostState

_BUILTIN = {"host": Mode.HOST, "none": Mode.NONE, "bridge": Mode.BRIDGE, "default": Mode.BRIDGE}


def mode_of(state: HostState, container: Container) -> str:
    """bridge / host / container / none, or a user network's driver."""
    raw = container.network_mode
    if container.namespace_ref is not None or raw.startswith("container:"):
        return Mode.CONTAINER
    if raw in _BUILTIN:
        return _BUILTIN[raw]
    network = state.network_by_name(raw) or state.networks.get(raw)
    if network is None:
        # A user network we have not read (yet): name its driver by its endpoint.
        for ep in container.endpoints:
            if ep.network_id and ep.network_id in state.networks:
                return state.networks[ep.network_id].driver
        return Mode.BRIDGE
    return network.driver


def on_user_network(container: Container) -> bool:
    """Its mode names a user network (whose driver is then its mode), not a built-in one."""
    raw = container.network_mode
    return (
        container.namespace_ref is None and not raw.startswith("container:") and raw not in _BUILTIN
    )


def direct_owner(state: HostState, container: Container) -> Container | None:
    """The container whose namespace this one joins directly."""
    if container.namespace_ref is None:
        return None
    return state.container(container.namespace_ref)


def owner_name(state: HostState, container: Container) -> str | None:
    """Who a ``container:`` joiner joined, by name: the owner's, or once it is gone the
    name it had when last seen, or (never seen: netdock started after it went) its short
    ID. None for a container that joins no one."""
    ref = container.namespace_ref
    if ref is None:
        return None
    owner = state.container(ref)
    if owner is not None:
        return owner.name
    if ref in state.departed:
        return state.departed[ref]
    return ref[:12] if _is_id(ref) else ref


def _is_id(ref: str) -> bool:
    return len(ref) == 64 and all(ch in "0123456789abcdef" for ch in ref)


def namespace_chain(state: HostState, container: Container) -> tuple[Container, ...]:
    """The owners from the direct one to the end of the chain (cycle-safe)."""
    chain: list[Container] = []
    seen = {container.id}
    owner = direct_owner(state, container)
    while owner is not None and owner.id not in seen:
        chain.append(owner)
        seen.add(owner.id)
        owner = direct_owner(state, owner)
    return tuple(chain)


def orphaned(state: HostState, container: Container) -> bool:
    """A running joiner left in an emptied namespace: what it joined is no longer its
    namespace root's (down a chain, only the root's namespace holds the network)."""
    if container.namespace_ref is None or not container.running:
        return False
    chain = namespace_chain(state, container)
    if not chain or chain[-1].namespace_ref is not None:
        return True  # the owner (or one further up) is gone
    root = chain[-1]
    if not root.running:
        return True
    if container.netns is not None and root.netns is not None:
        return container.netns != root.netns
    if mode_of(state, root) == Mode.HOST:
        return False  # a host-mode root's namespace is the host's: a restart keeps it
    if root.started_at is None or container.started_at is None:
        return False
    return root.started_at > container.started_at


def namespace_root(state: HostState, container: Container) -> Container:
    """The container that really holds the namespace (itself when not in container mode)."""
    chain = namespace_chain(state, container)
    return chain[-1] if chain else container


# The sharer indexes of the last few container mappings (one per engine followed, and
# the one before): a state's mapping is replaced, never changed in place, and every
# repaint, detail pane and analysis asks for it. Each holds its mapping, so that the
# mapping's id stays its own.
_Index = Mapping[str, tuple[Container, ...]]
_SHARERS: dict[int, tuple[Mapping[str, Container], _Index]] = {}
_SHARERS_KEPT = 8
_SHARERS_LOCK = threading.Lock()  # the plumbing is read on a worker thread


def sharer_index(state: HostState) -> _Index:
    """Owner ID -> the containers that join its namespace directly, by name. O(n) for a
    new set of containers, then O(1)."""
    containers = state.containers
    known = _SHARERS.get(id(containers))
    if known is not None and known[0] is containers:
        return known[1]
    index = MappingProxyType(_sharer_index(state))
    with _SHARERS_LOCK:
        if len(_SHARERS) >= _SHARERS_KEPT:
            del _SHARERS[next(iter(_SHARERS))]
        _SHARERS[id(containers)] = (containers, index)
    return index


def _sharer_index(state: HostState) -> dict[str, tuple[Container, ...]]:
    index: dict[str, list[Container]] = {}
    for c in state.containers.values():
        owner = direct_owner(state, c)
        if owner is not None:
            index.setdefault(owner.id, []).append(c)
    return {k: tuple(sorted(v, key=lambda c: c.name)) for k, v in index.items()}


def sharers(state: HostState, container: Container) -> tuple[Container, ...]:
    """Containers that join this one's namespace directly, by name."""
    return sharer_index(state).get(container.id, ())


def all_sharers(state: HostState, container: Container) -> tuple[Container, ...]:
    """Everyone whose network goes through this container, directly or down a chain."""
    index = sharer_index(state)
    found: list[Container] = []
    todo = [container]
    seen = {container.id}
    while todo:
        for c in index.get(todo.pop().id, ()):
            if c.id not in seen:
                seen.add(c.id)
                found.append(c)
                todo.append(c)
    return tuple(found)


def effective_endpoints(state: HostState, container: Container) -> tuple[Endpoint, ...]:
    """The endpoints a container really has: its namespace root's, in container mode;
    none for an orphaned joiner (loopback only)."""
    if orphaned(state, container):
        return ()
    return namespace_root(state, container).endpoints


def host_mode_addresses(state: HostState, container: Container) -> tuple[HostAddress, ...]:
    """The host's addresses a host-mode container can be reached on (known when the engine
    is local): not link-local ones, nor the host ends of containers' veth pairs."""
    if mode_of(state, namespace_root(state, container)) != Mode.HOST or orphaned(state, container):
        return ()
    return tuple(
        a
        for a in state.host.addresses
        if not a.interface.startswith("veth") and not a.address.lower().startswith("fe80:")
    )
