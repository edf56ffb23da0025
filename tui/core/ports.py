"""Host ports: who binds or wants which, and which of those claims collide.

The engine only reports a collision when a start fails. Here every claim on a
host port is laid side by side — bindings of running containers, configured
bindings of stopped ones, the host's own listeners — and each clash becomes a
``Conflict`` that says, in one sentence, what will fail and why.

Two claims clash when they share protocol and port and their addresses overlap:
equal, or one a wildcard of the other's family. ``0.0.0.0`` and ``::`` are the
wildcards; a host process on ``::`` also takes IPv4 (Linux's dual-stack default)
unless an IPv4 wildcard listens beside it. The engine's own ``::`` binding is
IPv6-only: it always comes paired with ``0.0.0.0``.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from tui.core.model import Container, Listener, Mode, PortBinding
from tui.core.namespaces import mode_of
from tui.core.state import HostState

WILDCARD_V4 = "0.0.0.0"
WILDCARD_V6 = "::"
MAX_PORT = 65535
# Modes whose published ports the engine discards (it keeps them in HostConfig).
_NO_PUBLISHING = (Mode.HOST, Mode.NONE, Mode.CONTAINER)


class Kind(StrEnum):
    """What sort of collision; the order is the display order on one port."""

    HELD = "held"
    WILDCARD_OVERLAP = "wildcard-overlap"
    HOST_PROCESS = "host-process"
    HOST_MODE = "host-mode"
    SAME_INTENT = "same-intent"
    IN_DYNAMIC_RANGE = "in-dynamic-range"


_KIND_ORDER = {kind: i for i, kind in enumerate(Kind)}


@dataclass(frozen=True, slots=True)
class Conflict:
    """One collision on a host port, with every party and what goes wrong."""

    kind: str
    proto: str
    host_port: int
    host_ips: tuple[str, ...]
    containers: tuple[str, ...]
    """Container names, sorted."""
    container_ids: tuple[str, ...]
    """The same containers' IDs, in the same order."""
    processes: tuple[str, ...]
    """Host processes, as ``name (pid N)``."""
    message: str

    @property
    def warning(self) -> bool:
        """A risk, not a failure: ``netdock ports --check`` lets it pass."""
        return self.kind == Kind.IN_DYNAMIC_RANGE

    @property
    def key(self) -> str:
        """Stable across analyses while the same parties collide the same way."""
        parties = ",".join((*self.container_ids, *self.processes))
        return f"{self.kind}:{self.host_port}/{self.proto}:{','.join(self.host_ips)}:{parties}"

    def to_json(self) -> dict[str, Any]:
        """The collision in ``netdock ports --json``."""
        return {
            "kind": self.kind,
            "proto": self.proto,
            "host_port": self.host_port,
            "host_ips": list(self.host_ips),
            "containers": list(self.containers),
            "processes": list(self.processes),
            "message": self.message,
        }

    def sort_key(self) -> tuple[int, str, int, tuple[str, ...], tuple[str, ...]]:
        return (
            self.host_port,
            self.proto,
            _KIND_ORDER[Kind(self.kind)],
            self.containers,
            self.processes,
        )


@dataclass(frozen=True, slots=True)
class BindingRow:
    """One host port binding, bound or configured, for the ports table and JSON."""

    container_id: str
    container: str
    state: str
    host_ip: str
    host_port: int | None
    container_port: int
    proto: str
    bound: bool
    dynamic: bool

    @property
    def key(self) -> str:
        """Stable across refreshes while the binding itself stays."""
        bound = "b" if self.bound else "c"
        port = self.host_port or "-"
        where = f"{self.host_ip}:{port}:{self.container_port}/{self.proto}"
        return f"bind:{self.container_id}:{where}:{bound}"


class Owner(StrEnum):
    """Whose socket a host listener is."""

    PROCESS = "process"
    HOST_MODE = "host-mode"
    PUBLISHED = "published"
    """The engine's proxy for a published port of one of its containers. A proxy that
    matches no binding of ours (another engine's, a rootless one's) is a ``PROCESS``."""


@dataclass(frozen=True, slots=True)
class ListenerRow:
    """One host listener with its owner worked out."""

    proto: str
    address: str
    port: int
    pid: int | None
    process: str | None
    owner: Owner
    container_id: str | None
    container: str | None

    @property
    def key(self) -> str:
        return f"listen:{self.proto}:{self.address}:{self.port}:{self.pid or '-'}"


# Addresses ------------------------------------------------------------------


@lru_cache(maxsize=4096)  # every repaint normalizes every binding's and listener's address
def normalize_address(address: str) -> str:
    """The canonical text of an address; ``""`` is IPv4's wildcard, v4-mapped v6 is v4."""
    if not address:
        return WILDCARD_V4
    try:
        parsed = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def family(address: str) -> int:
    """4 or 6."""
    return 6 if ":" in address else 4


def is_wildcard(address: str) -> bool:
    return address in (WILDCARD_V4, WILDCARD_V6)


def addresses_overlap(a: str, b: str, *, a_dual: bool = False, b_dual: bool = False) -> bool:
    """Whether two bindings of one port and protocol take the same connections.

    ``*_dual`` says a ``::`` wildcard also takes IPv4 (a dual-stack socket).
    """
    if a == b:
        return True
    return _covers(a, a_dual, b) or _covers(b, b_dual, a)


def _covers(wild: str, dual: bool, other: str) -> bool:
    if wild == WILDCARD_V4:
        return family(other) == 4
    if wild == WILDCARD_V6:
        return family(other) == 6 or dual
    return False


# Claims ---------------------------------------------------------------------


class _Role(StrEnum):
    BINDING = "binding"
    HOST_MODE = "host-mode"
    PROCESS = "process"


@dataclass(frozen=True, slots=True)
class _Claim:
    """One party's hold on, or wish for, one address:port/proto."""

    party: tuple[str, ...]
    role: _Role
    proto: str
    port: int
    address: str
    dual: bool
    holds: bool
    """Held now (a running container's binding, a listener), not only wanted."""
    container: Container | None = None
    listener: Listener | None = None
    dynamic: bool = False

    @property
    def label(self) -> str:
        if self.role is _Role.PROCESS:
            assert self.listener is not None
            return f"process {process_label(self.listener)}"
        assert self.container is not None
        if self.role is _Role.HOST_MODE:
            return f"host-mode container {self.container.name}"
        return self.container.name

    @property
    def endpoint(self) -> str:
        return f"{_join(self.address, self.port)}/{self.proto}"


def process_label(listener: Listener) -> str:
    """``nginx (pid 812)``, or as much of that as the host let us see."""
    if listener.process and listener.pid is not None:
        return f"{listener.process} (pid {listener.pid})"
    if listener.pid is not None:
        return f"pid {listener.pid}"
    return listener.process or "unknown process"


def _join(address: str, port: int) -> str:
    return f"[{address}]:{port}" if family(address) == 6 else f"{address}:{port}"


def mode_publishes(mode: str) -> bool:
    """Whether the engine honours port bindings in a network mode (not host/none/container)."""
    return mode not in _NO_PUBLISHING


def publishes(state: HostState, container: Container) -> bool:
    """Whether the engine honours the container's port bindings (not host/none/container)."""
    return mode_publishes(mode_of(state, container))


def _publishing(state: HostState) -> list[Container]:
    """The containers whose bindings the engine honours (one ``mode_of`` each)."""
    return [c for c in state.containers.values() if publishes(state, c)]


def _bound_index(publishing: Iterable[Container]) -> dict[tuple[str, int, str], Container]:
    """(proto, port, address) -> the running container whose binding the engine serves there."""
    index: dict[tuple[str, int, str], Container] = {}
    for c in publishing:
        if not c.running:
            continue
        for p in c.ports:
            if p.bound and p.host_port is not None:
                index[(p.proto, p.host_port, normalize_address(p.host_ip))] = c
    return index


def _host_mode_owner(state: HostState, listener: Listener) -> Container | None:
    if not listener.container_id:
        return None
    return state.container(listener.container_id)


def _owned_listeners(
    state: HostState, publishing: Iterable[Container]
) -> list[tuple[Listener, ListenerRow]]:
    bound = _bound_index(publishing)
    pairs = []
    for ln in state.host.listeners:
        address = normalize_address(ln.address)
        owner = Owner.PROCESS
        container = _host_mode_owner(state, ln)
        if container is not None:
            owner = Owner.HOST_MODE
        else:
            # Only a binding of ours makes a socket the engine's: a docker-proxy that matches
            # none is another engine's (or a rootless one's), and holds the port like any process.
            container = bound.get((ln.proto, ln.port, address))
            if container is not None:
                owner = Owner.PUBLISHED
        row = ListenerRow(
            proto=ln.proto,
            address=address,
            port=ln.port,
            pid=ln.pid,
            process=ln.process,
            owner=owner,
            container_id=container.id if container else None,
            container=container.name if container else None,
        )
        pairs.append((ln, row))
    pairs.sort(key=lambda pair: (pair[1].port, pair[1].proto, pair[1].address, pair[1].pid or 0))
    return pairs


def listener_rows(state: HostState) -> tuple[ListenerRow, ...]:
    """The host's listeners, each with its owner: a process, a host-mode container, or a
    container whose published port the engine's proxy serves."""
    return tuple(row for _, row in _owned_listeners(state, _publishing(state)))


def _claims(state: HostState) -> list[_Claim]:
    claims: list[_Claim] = []
    publishing = _publishing(state)
    for c in publishing:
        for p in c.ports:
            if p.host_port is None or p.bound != c.running:
                continue
            claims.append(
                _Claim(
                    party=("container", c.id),
                    role=_Role.BINDING,
                    proto=p.proto,
                    port=p.host_port,
                    address=normalize_address(p.host_ip),
                    dual=False,
                    holds=c.running,
                    container=c,
                    dynamic=p.dynamic,
                )
            )
    owned = _owned_listeners(state, publishing)
    v4_wild = {(r.proto, r.port) for _, r in owned if r.address == WILDCARD_V4}
    for ln, row in owned:
        if row.owner is Owner.PUBLISHED:
            continue
        dual = row.address == WILDCARD_V6 and (row.proto, row.port) not in v4_wild
        if row.owner is Owner.HOST_MODE:
            container = state.container(row.container_id or "")
            party: tuple[str, ...] = ("container", row.container_id or "")
            role = _Role.HOST_MODE
        else:
            container = None
            party = ("pid", str(ln.pid)) if ln.pid is not None else ("socket", row.key)
            role = _Role.PROCESS
        claims.append(
            _Claim(party, role, row.proto, row.port, row.address, dual, True, container, ln)
        )
    return claims


# Collisions -----------------------------------------------------------------


def _classify(a: _Claim, b: _Claim) -> Kind | None:
    """The kind of clash between two overlapping claims of different parties, if any."""
    roles = {a.role, b.role}
    if _Role.BINDING not in roles:
        return None  # two host sockets: the kernel already settled it
    if _Role.HOST_MODE in roles:
        return Kind.HOST_MODE
    if roles == {_Role.BINDING} and not a.holds and not b.holds:
        return Kind.SAME_INTENT
    if is_wildcard(a.address) != is_wildcard(b.address):
        return Kind.WILDCARD_OVERLAP
    if _Role.PROCESS in roles:
        return Kind.HOST_PROCESS
    return Kind.HELD


def engine_error(wanted: _Claim, holder: _Claim) -> str:
    """What the engine says when ``wanted``'s container starts while ``holder`` holds."""
    if holder.role is _Role.BINDING and holder.address == wanted.address:
        # The engine's port allocator knows its own bindings, by exact address.
        return f"Bind for {wanted.address}:{wanted.port} failed: port is already allocated"
    # Anything else it learns only when its proxy tries to listen.
    net = f"{wanted.proto}{family(wanted.address)}"
    return (
        f"Error starting userland proxy: listen {net} {_join(wanted.address, wanted.port)}: "
        "bind: address already in use"
    )


def _names(labels: Iterable[str]) -> str:
    unique = list(dict.fromkeys(labels))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _message(kind: Kind, claims: list[_Claim], first: tuple[_Claim, _Claim]) -> str:
    """``claims`` in the order the clashes name them; ``first`` the first clash."""
    first_a, first_b = first
    wanted, holder = (first_a, first_b) if not first_a.holds else (first_b, first_a)
    waiting = [c for c in claims if not c.holds]
    holding = [c for c in claims if c.holds]
    if kind is Kind.SAME_INTENT:
        two = len({c.party for c in claims}) == 2
        return (
            f"{_names(c.label for c in claims)} {'both' if two else 'all'} want "
            f"{_names(c.endpoint for c in claims)} and {'neither' if two else 'none'} is "
            "running: only one can start; starting the other then fails with "
            f'"{engine_error(wanted, holder)}".'
        )
    if waiting:
        holds = "holds" if len({c.party for c in holding}) == 1 else "hold"
        why = {
            Kind.HELD: "",
            Kind.WILDCARD_OVERLAP: f", which overlaps {_names(c.endpoint for c in waiting)}",
            Kind.HOST_PROCESS: "",
            Kind.HOST_MODE: ", the host's own port",
        }[kind]
        return (
            f"Starting {_names(c.label for c in waiting)} will fail: "
            f"{_names(c.label for c in holding)} already {holds} "
            f"{_names(c.endpoint for c in holding)}{why}; the engine will say "
            f'"{engine_error(wanted, holder)}".'
        )
    # Both sides hold the port: possible when the engine runs without its userland
    # proxy (iptables only), where the firewall, not the kernel, picks who gets a packet.
    parts = _names(f"{c.label} on {c.endpoint}" for c in claims)
    return {
        Kind.HELD: f"{parts} hold the same port: connections reach only one of them.",
        Kind.WILDCARD_OVERLAP: (
            f"{parts} overlap: connections to the specific address reach whichever "
            "firewall rule matches first."
        ),
        Kind.HOST_PROCESS: (
            f"{parts} clash: connections from other hosts reach the container, local "
            "ones the process; a restart of the container will fail."
        ),
        Kind.HOST_MODE: (
            f"{parts} clash: the host-mode container listens on the host's own port; "
            "a restart of either will fail."
        ),
    }.get(kind, f"{parts} clash.")


class _Components:
    """Union-find over parties: clashes that share a party form one finding."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def find(self, x: tuple[str, ...]) -> tuple[str, ...]:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: tuple[str, ...], b: tuple[str, ...]) -> None:
        self.parent[self.find(a)] = self.find(b)


def _claim_order(c: _Claim) -> tuple[str, ...]:
    return (c.label, c.address, *c.party)


def _finding(
    kind: Kind, proto: str, port: int, named: list[_Claim], first: tuple[_Claim, _Claim]
) -> Conflict:
    claims = sorted(named, key=_claim_order)
    containers = {c.container.id: c.container.name for c in claims if c.container is not None}
    ordered = sorted(containers.items(), key=lambda item: (item[1], item[0]))
    processes = sorted(
        {process_label(c.listener) for c in claims if c.role is _Role.PROCESS and c.listener}
    )
    return Conflict(
        kind=kind.value,
        proto=proto,
        host_port=port,
        host_ips=tuple(sorted({c.address for c in claims}, key=_address_order)),
        containers=tuple(name for _, name in ordered),
        container_ids=tuple(cid for cid, _ in ordered),
        processes=tuple(processes),
        message=_message(kind, named, first),
    )


def _address_order(address: str) -> tuple[int, str]:
    return (family(address), address)


_Class = tuple[_Role, bool, str, bool]


def _class_of(c: _Claim) -> _Class:
    """What decides whether and how a claim clashes with another, bar the party."""
    return (c.role, c.holds, c.address, c.dual)


def _first_other(members: list[int], group: list[_Claim], party: tuple[str, ...]) -> int:
    """The first of ``members`` (claim indices, ascending) not ``party``'s, or -1."""
    for i in members:
        if group[i].party != party:
            return i
    return -1


def _port_conflicts(proto: str, port: int, group: list[_Claim]) -> Iterator[Conflict]:
    """The clashes among the claims on one port, ``group`` in ``_claim_order``.

    Claims of one class (role, held or not, address, dual stack) clash with the same others
    in the same way, so the kind of a clash is worked out once per pair of classes, and each
    claim looks only at the first claim of another party in each class it clashes with:
    250 stopped containers that want a port cost 250 steps, not 250 * 249 / 2 comparisons.
    What comes out is what comparing every pair (i < j) in turn gives: the clashes that share
    a party make one finding, whose message names the parties in the order those clashes
    meet them, and quotes the engine on the first.
    """
    classes: dict[_Class, list[int]] = defaultdict(list)
    for i, c in enumerate(group):
        classes[_class_of(c)].append(i)
    rivals: dict[Kind, dict[_Class, list[list[int]]]] = defaultdict(lambda: defaultdict(list))
    for k1, m1 in classes.items():
        for m2 in classes.values():
            a, b = group[m1[0]], group[m2[0]]
            if not addresses_overlap(a.address, b.address, a_dual=a.dual, b_dual=b.dual):
                continue
            kind = _classify(a, b)
            if kind is not None:
                rivals[kind][k1].append(m2)
    for kind, by_class in rivals.items():
        components = _Components()
        # Claim index -> where the pairwise walk first meets it: at (earlier, it) when a clash
        # with an earlier claim exists, else at (it, next clashing claim).
        met: dict[int, tuple[int, int, int]] = {}
        for k1, classes_against in by_class.items():
            for x in classes[k1]:
                party = group[x].party
                earlier = later = -1
                for members in classes_against:
                    other = _first_other(members, group, party)
                    if other < 0:
                        continue
                    components.union(party, group[other].party)
                    # The class's first rival is also its first after x, when not before.
                    if other < x:
                        earlier = other if earlier < 0 else min(earlier, other)
                    else:
                        later = other if later < 0 else min(later, other)
                if earlier >= 0:
                    met[x] = (earlier, x, 1)
                elif later >= 0:
                    met[x] = (x, later, 0)
        parts: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for x in sorted(met, key=met.__getitem__):
            parts[components.find(group[x].party)].append(x)
        for members in parts.values():
            first_i, first_j, _ = met[members[0]]
            named = [group[x] for x in members]
            yield _finding(kind, proto, port, named, (group[first_i], group[first_j]))


def _in_dynamic_range(state: HostState, claims: list[_Claim]) -> list[Conflict]:
    span = state.host.dynamic_port_range
    if span is None:
        return []
    low, high = span
    fixed: dict[tuple[str, int], list[_Claim]] = defaultdict(list)
    for c in claims:
        if c.role is _Role.BINDING and not c.dynamic and low <= c.port <= high:
            fixed[(c.proto, c.port)].append(c)
    found = []
    for (proto, port), group in fixed.items():
        group.sort(key=_claim_order)
        containers = {c.container.id: c.container.name for c in group if c.container}
        ordered = sorted(containers.items(), key=lambda item: (item[1], item[0]))
        uses = "uses" if len(ordered) == 1 else "use"
        found.append(
            Conflict(
                kind=Kind.IN_DYNAMIC_RANGE.value,
                proto=proto,
                host_port=port,
                host_ips=tuple(sorted({c.address for c in group}, key=_address_order)),
                containers=tuple(name for _, name in ordered),
                container_ids=tuple(cid for cid, _ in ordered),
                processes=(),
                message=(
                    f"{_names(name for _, name in ordered)} {uses} fixed host port "
                    f"{port}/{proto}, inside the dynamic range {low}-{high}: a later -P "
                    "container or an outgoing connection may take it first."
                ),
            )
        )
    return found


def find_conflicts(state: HostState) -> tuple[Conflict, ...]:
    """Every collision on the host's ports, ordered by port, protocol and kind."""
    claims = _claims(state)
    by_port: dict[tuple[str, int], list[_Claim]] = defaultdict(list)
    for c in claims:
        by_port[(c.proto, c.port)].append(c)
    found: list[Conflict] = []
    for (proto, port), group in by_port.items():
        if len(group) < 2:
            continue
        group.sort(key=_claim_order)
        found.extend(_port_conflicts(proto, port, group))
    found.extend(_in_dynamic_range(state, claims))
    return tuple(sorted(found, key=Conflict.sort_key))


def blocking(conflicts: Iterable[Conflict]) -> tuple[Conflict, ...]:
    """The conflicts that make something fail (all but the dynamic-range warnings)."""
    return tuple(c for c in conflicts if not c.warning)


def conflicted_container_ids(conflicts: Iterable[Conflict], *, warnings: bool = False) -> set[str]:
    """IDs of the containers party to a conflict (to warnings too, when asked)."""
    return {cid for c in conflicts if warnings or not c.warning for cid in c.container_ids}


def conflicts_of_binding(conflicts: Iterable[Conflict], row: BindingRow) -> tuple[Conflict, ...]:
    """The conflicts a row of the bindings table takes part in."""
    address = normalize_address(row.host_ip)
    return tuple(
        c
        for c in conflicts
        if row.host_port == c.host_port
        and row.proto == c.proto
        and row.container_id in c.container_ids
        and address in c.host_ips
    )


def conflicts_of_listener(conflicts: Iterable[Conflict], row: ListenerRow) -> tuple[Conflict, ...]:
    """The conflicts a host listener takes part in."""
    label = None
    if row.owner is Owner.PROCESS:
        label = process_label(Listener(row.proto, row.address, row.port, row.pid, row.process))
    return tuple(
        c
        for c in conflicts
        if row.port == c.host_port
        and row.proto == c.proto
        and row.address in c.host_ips
        and (
            (label is not None and label in c.processes)
            or (row.owner is Owner.HOST_MODE and row.container_id in c.container_ids)
        )
    )


# Rows and the JSON document ------------------------------------------------------


def port_bindings(state: HostState) -> tuple[BindingRow, ...]:
    """Every host port binding the engine honours: bound ones of running containers,
    configured ones of the others; ordered by port, protocol, address, container."""
    rows = []
    for c in state.containers.values():
        if not publishes(state, c):
            continue
        for p in c.ports:
            rows.append(_binding_row(c, p))
    return tuple(
        sorted(
            rows,
            key=lambda r: (
                r.host_port is None,
                r.host_port or 0,
                r.proto,
                _address_order(r.host_ip),
                r.container,
                r.container_port,
                r.bound,
            ),
        )
    )


def _binding_row(c: Container, p: PortBinding) -> BindingRow:
    return BindingRow(
        container_id=c.id,
        container=c.name,
        state=c.state,
        host_ip=normalize_address(p.host_ip),
        host_port=p.host_port,
        container_port=p.container_port,
        proto=p.proto,
        bound=p.bound,
        dynamic=p.dynamic,
    )


def ports_document(
    state: HostState, conflicts: tuple[Conflict, ...] | None = None
) -> dict[str, Any]:
    """The ``netdock ports --json`` document."""
    if conflicts is None:
        conflicts = find_conflicts(state)
    return {
        "bindings": [
            {
                "container": r.container,
                "state": r.state,
                "host_ip": r.host_ip,
                "host_port": r.host_port,
                "container_port": r.container_port,
                "proto": r.proto,
                "bound": r.bound,
                "dynamic": r.dynamic,
            }
            for r in port_bindings(state)
        ],
        "listeners": [
            {
                "proto": r.proto,
                "address": r.address,
                "port": r.port,
                "pid": r.pid,
                "process": r.process,
                "container": r.container,
            }
            for r in listener_rows(state)
        ],
        "conflicts": [c.to_json() for c in conflicts],
    }


# Free ports -------------------------------------------------------------------


def next_free_port(state: HostState, proto: str, host_ip: str = WILDCARD_V4, start: int = 1) -> int:
    """The lowest port from ``start`` that no container binds or wants and no host socket
    holds on ``host_ip``. From below the dynamic range, the search steps over it, so the
    pick does not start a dynamic-range warning. Raises LookupError when none is left."""
    address = normalize_address(host_ip)
    # The engine pairs a wildcard with "::", so a wildcard pick must be free on both.
    wanted = (WILDCARD_V4, WILDCARD_V6) if is_wildcard(address) else (address,)
    taken = {
        c.port
        for c in _claims(state)
        if c.proto == proto and any(addresses_overlap(w, c.address, b_dual=c.dual) for w in wanted)
    }
    span = state.host.dynamic_port_range
    port = max(start, 1)
    while port <= MAX_PORT:
        if span is not None and start < span[0] <= port <= span[1]:
            port = span[1] + 1
            continue
        if port not in taken:
            return port
        port += 1
    raise LookupError(f"no free {proto} port on {host_ip} from {start}")
