"""What changed on the network between two states: the timeline, `watch` and `diff`.

Two states are first reduced to a ``View``: per container, what the network sees of it,
in the snapshot document's own shapes (an endpoint object, a port object, a name); per
network, its name; and the collisions and findings of the analyses. The changes are the
difference of two views, so a live state and a saved ``snapshot --json`` document are
compared by the same code.

A stopped container releases its addresses and ports; a view keeps those it had when it
last ran, so a restart reads as what it did to the network (``port-changed`` when ``-P``
moved a host port, ``address-changed`` for a new IP) rather than as everything being
unpublished and published again. A container known only from the list endpoint (its
inspect on the way) keeps its previous entry: a summary is no change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tui.core.audit import Finding
from tui.core.document import container_entry
from tui.core.model import Container, Detail, bracketed
from tui.core.ports import Conflict
from tui.core.state import HostState, Link

JSON = dict[str, Any]
PortKey = tuple[int, str, str]


class Kind(StrEnum):
    CONTAINER_CREATED = "container-created"
    CONTAINER_STARTED = "container-started"
    CONTAINER_STOPPED = "container-stopped"
    CONTAINER_REMOVED = "container-removed"
    ENDPOINT_CONNECTED = "endpoint-connected"
    ENDPOINT_DISCONNECTED = "endpoint-disconnected"
    ADDRESS_CHANGED = "address-changed"
    PORT_PUBLISHED = "port-published"
    PORT_UNPUBLISHED = "port-unpublished"
    PORT_CHANGED = "port-changed"
    NAMESPACE_JOINED = "namespace-joined"
    NAMESPACE_ORPHANED = "namespace-orphaned"
    NETWORK_CREATED = "network-created"
    NETWORK_REMOVED = "network-removed"
    COLLISION_APPEARED = "collision-appeared"
    COLLISION_RESOLVED = "collision-resolved"
    FINDING_APPEARED = "finding-appeared"
    FINDING_RESOLVED = "finding-resolved"


class About(StrEnum):
    """What a change's subject names: where Enter on it leads."""

    CONTAINER = "container"
    NETWORK = "network"
    HOST = "host"


@dataclass(frozen=True, slots=True)
class NetChange:
    """One change that matters to the network, with what was before and what is after."""

    time: datetime
    kind: Kind
    subject: str
    about: About
    before: Any = None
    after: Any = None

    def to_json(self, engine: str) -> JSON:
        """A line of ``netdock watch --json``, an item of ``netdock diff --json``."""
        return {
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "kind": str(self.kind),
            "subject": self.subject,
            "engine": engine,
            "before": self.before,
            "after": self.after,
        }

    @property
    def target(self) -> tuple[About, str]:
        """Where Enter on it leads: the network an endpoint was connected to or
        disconnected from, else its subject."""
        if self.kind in (Kind.ENDPOINT_CONNECTED, Kind.ENDPOINT_DISCONNECTED):
            endpoint = self.after or self.before
            if isinstance(endpoint, Mapping) and endpoint.get("name"):
                return About.NETWORK, str(endpoint["name"])
        return self.about, self.subject

    def what(self) -> str:
        """What changed, in words: ``0.0.0.0:32808->80/tcp -> 0.0.0.0:32810->80/tcp``."""
        before, after = _words(self.before), _words(self.after)
        if self.kind in (Kind.CONTAINER_CREATED, Kind.CONTAINER_REMOVED,
                         Kind.NETWORK_CREATED, Kind.NETWORK_REMOVED):  # fmt: skip
            return ""
        if self.kind is Kind.NAMESPACE_JOINED:
            return f"joins {after}" + (f" (was {before})" if before else "")
        if self.kind is Kind.NAMESPACE_ORPHANED:
            return f"{before} was restarted or replaced: loopback only"
        if before and after:
            return f"{before} -> {after}"
        return before or after

    def line(self) -> str:
        """One line of ``netdock watch`` and ``netdock diff``."""
        clock = self.time.astimezone().strftime("%H:%M:%S")
        return f"{clock}  {self.kind:<21} {self.subject}  {self.what()}".rstrip()


def _words(value: Any) -> str:
    """A before or after value (an endpoint, a port, a collision, a finding, a name)."""
    if value is None:
        return ""
    if not isinstance(value, Mapping):
        return str(value)
    if "container_port" in value:
        port = "auto" if value.get("host_port") is None else value["host_port"]
        return f"{bracketed(value['host_ip'])}:{port}->{value['container_port']}/{value['proto']}"
    if "mac" in value:
        address = f"{value['ipv4']}/{value['prefix']}" if value.get("ipv4") else "no address"
        parts = [str(value["name"]), address, value.get("ipv6") or "", value.get("mac") or ""]
        return " ".join(p for p in parts if p)
    if "message" in value:
        return str(value["message"])
    if "severity" in value:
        return f"{value['severity']} {value['id']}: {value['title']}"
    return str(value)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the network sees of one container."""

    name: str
    state: str
    running: bool
    started_at: str | None
    owner: str | None
    orphaned: bool
    networks: Mapping[str, JSON] | None
    """Endpoints by network name, as when it last ran; None until seen running."""
    ports: Mapping[PortKey, JSON] | None
    """Bound ports by (container port, proto, host IP), as when it last ran."""
    owner_id: str | None = None
    """The owner's ID, as the engine records it (its name may no longer be known)."""

    @property
    def joined(self) -> str | None:
        """The container whose namespace it is in, if it is in one (by name)."""
        return None if self.orphaned else self.owner

    @property
    def joined_id(self) -> str | None:
        """The same, by ID when known: an owner removed since is named by its short ID."""
        return None if self.orphaned else (self.owner_id or self.owner)


_RUNNING = ("running", "paused", "restarting")
# What an endpoint is, for a change: its plumbing (interface names, bridge) and its
# counters are read from the kernel and move on their own; they are no address change.
_ENDPOINT_FIELDS = ("name", "ipv4", "prefix", "gateway", "ipv6", "mac")
NO_ENTRIES: Mapping[str, Entry] = MappingProxyType({})
NOTHING: Mapping[str, Any] = MappingProxyType({})


def entry_of(document: Mapping[str, Any], previous: Entry | None = None) -> Entry:
    """An entry from a container of the snapshot document (and its entry before)."""
    state = str(document.get("state") or "unknown")
    running = state in _RUNNING
    networks = previous.networks if previous else None
    ports = previous.ports if previous else None
    if running:
        networks = {
            ep["name"]: {field: ep.get(field) for field in _ENDPOINT_FIELDS}
            for ep in document.get("networks") or ()
        }
        ports = {
            (p["container_port"], p["proto"], p["host_ip"]): p
            for p in document.get("ports") or ()
            if p.get("host_port") is not None
        }
    mode = str(document.get("network_mode") or "")
    return Entry(
        name=str(document.get("name") or ""),
        state=state,
        running=running,
        started_at=document.get("started_at") if running else None,
        owner=document.get("shares_namespace_with"),
        # A joiner that is not running is in no namespace: it stays as it was last seen.
        orphaned=(document.get("namespace_orphaned") is True)
        if running or previous is None
        else previous.orphaned,
        networks=networks,
        ports=ports,
        owner_id=mode.removeprefix("container:") if mode.startswith("container:") else None,
    )


@dataclass(frozen=True, slots=True)
class View:
    """What two moments are compared by; keys are IDs (live) or names (documents)."""

    containers: Mapping[str, Entry] = field(default_factory=lambda: NO_ENTRIES)
    networks: Mapping[str, str] = field(default_factory=lambda: NOTHING)
    collisions: Mapping[str, tuple[str, JSON]] | None = None
    """Key -> (the first party's name, the collision as ``ports --json`` shows it); None
    until analysed (a document carries no analyses)."""
    findings: Mapping[str, tuple[str, JSON]] | None = None
    """Key -> (its first subject, the finding as ``audit --json`` shows it)."""
    source: Mapping[str, Container] = field(default_factory=lambda: NOTHING, compare=False)
    """The containers this view was built from: unchanged objects keep their entries."""
    analysed: tuple[Sequence[Conflict] | None, Mapping[str, Finding]] = field(
        default_factory=lambda: (None, NOTHING), compare=False
    )
    """The conflicts, and the findings by key, that the collisions and findings were
    built from: the same objects keep their entries (an audit with a memo returns the
    very findings of the containers that did not change)."""


def view_of_state(
    state: HostState,
    previous: View | None = None,
    conflicts: Sequence[Conflict] | None = None,
    findings: Sequence[Finding] | None = None,
) -> View:
    """The view of a live state. Conflicts and findings are those of this state, or None to
    keep the previous ones (the analyses run less often than the state changes)."""
    before = previous or View()
    if state.containers is before.source:
        containers = before.containers
    else:
        old, source = before.containers, before.source
        entries: dict[str, Entry] = {}
        for cid, c in state.containers.items():
            known = old.get(cid)
            if c.detail is Detail.SUMMARY:
                if known is not None:
                    entries[cid] = known
            elif known is not None and _unchanged(state.containers, source, c):
                entries[cid] = known
            else:
                entries[cid] = entry_of(container_entry(state, c), known)
        containers = MappingProxyType(entries)
    collisions, found = before.collisions, before.findings
    analysed_conflicts, analysed_findings = before.analysed
    if conflicts is not None and conflicts is not analysed_conflicts:
        collisions, analysed_conflicts = _collisions(conflicts), conflicts
    if findings is not None:
        found, analysed_findings = _findings(findings, before)
    return View(
        containers=containers,
        networks=MappingProxyType({nid: n.name for nid, n in state.networks.items()}),
        collisions=collisions,
        findings=found,
        source=state.containers,
        analysed=(analysed_conflicts, analysed_findings),
    )


def _unchanged(now: Mapping[str, Container], before: Mapping[str, Container], c: Container) -> bool:
    """Nothing its entry is made of changed: the container, and down its namespace chain
    each owner (a resync reads equal objects anew: equal is unchanged too)."""
    for _ in range(_CHAIN_LIMIT):
        old = before.get(c.id)
        if old is not c and old != c:
            return False
        if c.namespace_ref is None:
            return True
        owner = now.get(c.namespace_ref)  # the engine records the owner by ID
        if owner is None:
            return False  # gone, or named otherwise: look again
        c = owner
    return False


_CHAIN_LIMIT = 16


def view_of_document(document: Mapping[str, Any]) -> View:
    """The view of a ``snapshot --json`` document, keyed by name."""
    return View(
        containers=MappingProxyType(
            {c["name"]: entry_of(c) for c in document.get("containers") or ()}
        ),
        networks=MappingProxyType({n["name"]: n["name"] for n in document.get("networks") or ()}),
    )


def _collisions(conflicts: Iterable[Conflict]) -> Mapping[str, tuple[str, JSON]]:
    return MappingProxyType(
        {
            c.key: ((c.containers or c.processes or ("host",))[0], c.to_json())
            for c in conflicts
            if not c.warning
        }
    )


def _findings(
    findings: Iterable[Finding], before: View
) -> tuple[Mapping[str, tuple[str, JSON]], Mapping[str, Finding]]:
    """The findings by key, and the objects they were made from (see ``View.analysed``)."""
    made, old = before.analysed[1], before.findings or NOTHING
    entries: dict[str, tuple[str, JSON]] = {}
    objects: dict[str, Finding] = {}
    for f in findings:
        key = f.key
        known = old.get(key) if made.get(key) is f else None
        entries[key] = known or ((f.subjects or ("daemon",))[0], f.to_json())
        objects[key] = f
    return MappingProxyType(entries), MappingProxyType(objects)


# The difference of two views --------------------------------------------------------


def changes(before: View, after: View, time: datetime) -> list[NetChange]:
    """Every change from ``before`` to ``after``: networks created, containers by name,
    networks removed, then collisions and findings."""
    found = [
        NetChange(time, Kind.NETWORK_CREATED, name, About.NETWORK, None, name)
        for name in _names(after.networks, before.networks)
    ]
    if after.containers is not before.containers:
        old, new = before.containers, after.containers
        touched = [(e.name, key) for key, e in new.items() if old.get(key) is not e]
        touched += [(e.name, key) for key, e in old.items() if key not in new]
        for _, key in sorted(touched):
            found.extend(_container_changes(old.get(key), new.get(key), time))
    found.extend(
        NetChange(time, Kind.NETWORK_REMOVED, name, About.NETWORK, name, None)
        for name in _names(before.networks, after.networks)
    )
    found.extend(_appeared(before.collisions, after.collisions, time, Kind.COLLISION_APPEARED,
                           Kind.COLLISION_RESOLVED))  # fmt: skip
    found.extend(_appeared(before.findings, after.findings, time, Kind.FINDING_APPEARED,
                           Kind.FINDING_RESOLVED))  # fmt: skip
    return found


def _names(these: Mapping[str, str], but_not: Mapping[str, str]) -> list[str]:
    """The names of the networks in ``these`` and not in ``but_not``, sorted."""
    return sorted(these[key] for key in these.keys() - but_not.keys())


def _appeared(
    before: Mapping[str, tuple[str, JSON]] | None,
    after: Mapping[str, tuple[str, JSON]] | None,
    time: datetime,
    appeared: Kind,
    resolved: Kind,
) -> Iterator[NetChange]:
    if before is None or after is None or before is after:
        return  # nothing to compare with: the first analysis is where the story starts
    for key in sorted(after.keys() - before.keys()):
        subject, doc = after[key]
        yield NetChange(time, appeared, subject, _about(subject), None, doc)
    for key in sorted(before.keys() - after.keys()):
        subject, doc = before[key]
        yield NetChange(time, resolved, subject, _about(subject), doc, None)


def _about(subject: str) -> About:
    return About.HOST if subject in ("host", "daemon") else About.CONTAINER


def _container_changes(a: Entry | None, b: Entry | None, time: datetime) -> Iterator[NetChange]:
    if a == b:
        return
    if b is None:
        assert a is not None
        yield NetChange(time, Kind.CONTAINER_REMOVED, a.name, About.CONTAINER, a.name, None)
        return
    name = b.name

    def change(kind: Kind, before: Any = None, after: Any = None) -> NetChange:
        return NetChange(time, kind, name, About.CONTAINER, before, after)

    if a is None:
        yield change(Kind.CONTAINER_CREATED, None, name)
        a = Entry(name, "", False, None, None, False, None, None)
    # Whose namespace it is in: orphaned, or its owner gone, it is in none of theirs.
    was_in, now_in = a.joined, b.joined
    if now_in is not None and b.joined_id != a.joined_id:
        yield change(Kind.NAMESPACE_JOINED, was_in, now_in)
    elif was_in is not None and now_in is None:
        yield change(Kind.NAMESPACE_ORPHANED, was_in, None)
    if a.running and not b.running:
        yield change(Kind.CONTAINER_STOPPED, a.state, b.state)
    elif b.running and (not a.running or a.started_at != b.started_at):
        yield change(Kind.CONTAINER_STARTED, a.state or None, b.state)
    yield from _endpoint_changes(a.networks or {}, b.networks, change)
    yield from _port_changes(a.ports or {}, b.ports, change)


def _endpoint_changes(
    a: Mapping[str, JSON], b: Mapping[str, JSON] | None, change: Callable[..., NetChange]
) -> Iterator[NetChange]:
    if b is None or a == b:
        return
    for network in sorted(a.keys() | b.keys()):
        old, new = a.get(network), b.get(network)
        if old == new:
            continue
        if new is None:
            yield change(Kind.ENDPOINT_DISCONNECTED, old, None)
        elif old is None:
            yield change(Kind.ENDPOINT_CONNECTED, None, new)
        else:
            yield change(Kind.ADDRESS_CHANGED, old, new)


def _port_changes(
    a: Mapping[PortKey, JSON], b: Mapping[PortKey, JSON] | None, change: Callable[..., NetChange]
) -> Iterator[NetChange]:
    if b is None or a == b:
        return
    for key in sorted(a.keys() | b.keys()):
        old, new = a.get(key), b.get(key)
        if old == new:
            continue
        if new is None:
            yield change(Kind.PORT_UNPUBLISHED, old, None)
        elif old is None:
            yield change(Kind.PORT_PUBLISHED, None, new)
        else:
            yield change(Kind.PORT_CHANGED, old, new)


# Following a live state --------------------------------------------------------------


class ChangeLog:
    """The changes of a live state as it goes, the latest ``limit`` of them kept."""

    def __init__(self, limit: int = 10_000) -> None:
        self.view: View | None = None
        self.changes: deque[NetChange] = deque(maxlen=max(1, limit))
        self.total = 0
        """How many changes were ever told (the ring keeps the latest)."""

    def observe(
        self,
        state: HostState,
        time: datetime,
        conflicts: Sequence[Conflict] | None = None,
        findings: Sequence[Finding] | None = None,
    ) -> list[NetChange]:
        """The changes since the last state observed. The first complete read of the
        engine (the connection live, every container inspected) is where the story
        starts: it has no changes."""
        if self.view is None and not (state.synced and state.connection.link is Link.LIVE):
            return []
        view = view_of_state(state, self.view, conflicts, findings)
        found = [] if self.view is None else changes(self.view, view, time)
        self.view = view
        self.changes.extend(found)
        self.total += len(found)
        return found
