"""The changes between two states, on hand-made states: each kind when it should be."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.audit import audit
from tui.core.changes import (
    About,
    ChangeLog,
    Kind,
    View,
    changes,
    view_of_document,
    view_of_state,
)
from tui.core.document import snapshot_document
from tui.core.model import Container, Detail, Endpoint, Network, PortBinding
from tui.core.ports import find_conflicts
from tui.core.state import Connection, HostState, Link

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
BRIDGE = Network("n-bridge", "bridge", "bridge", "local")
FRONT = Network("n-front", "front", "bridge", "local")


def ep(network: str = "bridge", ip: str = "172.17.0.2", mac: str = "02:42:ac:11:00:02") -> Endpoint:
    return Endpoint(network, f"n-{network}", ip, 16, "172.17.0.1", mac=mac)


def port(host_port: int, container_port: int = 80, host_ip: str = "0.0.0.0") -> PortBinding:
    return PortBinding(host_ip, host_port, container_port, "tcp", True)


def box(name: str, *, state: str = "running", at: int = 0, mode: str = "default",
        endpoints: tuple[Endpoint, ...] | None = None, ports: tuple[PortBinding, ...] = (),
        **kw: object) -> Container:  # fmt: skip
    running = state == "running"
    joiner = mode.startswith("container:")
    if endpoints is None:
        endpoints = () if joiner else (ep() if running else Endpoint("bridge", "n-bridge"),)
    return Container(
        id=name, name=name, image="img", state=state, network_mode=mode,
        namespace_ref=mode.partition(":")[2] or None, endpoints=endpoints,
        ports=ports if running else (), started_at=T0 + timedelta(seconds=at) if running else None,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def host(*containers: Container, networks: tuple[Network, ...] = (BRIDGE,)) -> HostState:
    return HostState(
        connection=Connection(Link.LIVE),
        containers=MappingProxyType({c.id: c for c in containers}),
        networks=MappingProxyType({n.id: n for n in networks}),
    )


def between(*states: HostState, analyses: bool = False) -> list[tuple[str, str, object, object]]:
    """The changes along a sequence of states, as (kind, subject, before, after)."""
    log = ChangeLog()
    found = []
    for s in states:
        if analyses:
            found += log.observe(s, NOW, find_conflicts(s), audit(s))
        else:
            found += log.observe(s, NOW)
    return [(c.kind, c.subject, c.before, c.after) for c in found]


def kinds(*states: HostState) -> list[str]:
    return [k for k, *_ in between(*states)]


def test_nothing_changes_between_a_state_and_itself():
    s = host(box("web", ports=(port(8080),)))
    assert between(s, s) == []


def test_created_started_stopped_removed():
    created = host(box("web", state="created"))
    assert kinds(host(), created) == [Kind.CONTAINER_CREATED]
    started = host(box("web", ports=(port(8080),)))
    assert kinds(created, started) == [
        Kind.CONTAINER_STARTED, Kind.ENDPOINT_CONNECTED, Kind.PORT_PUBLISHED,
    ]  # fmt: skip
    stopped = host(box("web", state="exited"))
    assert between(started, stopped) == [(Kind.CONTAINER_STOPPED, "web", "running", "exited")]
    assert between(stopped, host()) == [(Kind.CONTAINER_REMOVED, "web", "web", None)]


def test_a_restart_says_what_it_did_to_the_network():
    before = host(box("web", ports=(port(32808),)))
    stopped = host(box("web", state="exited"))
    after = host(box("web", at=60, ports=(port(32810),), endpoints=(ep(ip="172.17.0.3"),)))
    found = between(before, stopped, after)
    assert [k for k, *_ in found] == [
        Kind.CONTAINER_STOPPED, Kind.CONTAINER_STARTED, Kind.ADDRESS_CHANGED, Kind.PORT_CHANGED,
    ]  # fmt: skip
    _, _, old, new = found[-1]
    assert (old["host_port"], new["host_port"]) == (32808, 32810)
    _, _, old, new = found[2]
    assert (old["ipv4"], new["ipv4"]) == ("172.17.0.2", "172.17.0.3")
    # A restart seen only as a new start time reads the same.
    assert kinds(before, after) == [Kind.CONTAINER_STARTED, Kind.ADDRESS_CHANGED,
                                    Kind.PORT_CHANGED]  # fmt: skip


def test_connect_and_disconnect():
    one = host(box("web"), networks=(BRIDGE, FRONT))
    two = host(box("web", endpoints=(ep(), ep("front", "10.0.0.2", "02:42:0a:00:00:02"))),
               networks=(BRIDGE, FRONT))  # fmt: skip
    found = between(one, two, one)
    assert [(k, before, after and after["name"]) for k, _, before, after in found[:1]] == [
        (Kind.ENDPOINT_CONNECTED, None, "front")
    ]
    assert found[1][0] == Kind.ENDPOINT_DISCONNECTED and found[1][2]["ipv4"] == "10.0.0.2"


def test_enter_leads_to_the_network_of_a_network_or_endpoint_change_else_the_subject():
    one = host(box("web"), networks=(BRIDGE,))
    two = host(box("web", endpoints=(ep(), ep("front", "10.0.0.2", "02:42:0a:00:00:02"))),
               networks=(BRIDGE, FRONT))  # fmt: skip
    log = ChangeLog()
    found = [c for s in (one, two, one) for c in log.observe(s, NOW)]
    assert [(c.kind, c.target) for c in found] == [
        (Kind.NETWORK_CREATED, (About.NETWORK, "front")),
        (Kind.ENDPOINT_CONNECTED, (About.NETWORK, "front")),
        (Kind.ENDPOINT_DISCONNECTED, (About.NETWORK, "front")),
        (Kind.NETWORK_REMOVED, (About.NETWORK, "front")),
    ]
    restarted = host(box("web", at=1), networks=(BRIDGE,))
    assert [c.target for c in log.observe(restarted, NOW)] == [(About.CONTAINER, "web")]


def test_ports_published_and_unpublished_while_running_are_seen():
    a = host(box("web", ports=(port(8080),)))
    b = host(box("web", ports=(port(8080), port(8443, 443))))
    assert kinds(a, b) == [Kind.PORT_PUBLISHED]
    assert kinds(b, a) == [Kind.PORT_UNPUBLISHED]


def test_namespace_joined_then_orphaned_then_joined_again():
    own = box("own")
    join = box("join", mode="container:own", at=5)
    alone = host(own)
    joined = host(own, join)
    assert between(alone, joined)[:2] == [
        (Kind.CONTAINER_CREATED, "join", None, "join"),
        (Kind.NAMESPACE_JOINED, "join", None, "own"),
    ]
    restarted = host(box("own", at=10, endpoints=(ep(ip="172.17.0.9"),)), join)
    found = between(joined, restarted)
    assert (Kind.NAMESPACE_ORPHANED, "join", "own", None) in found
    assert any(k == Kind.ENDPOINT_DISCONNECTED and s == "join" for k, s, *_ in found)
    again = host(box("own", at=10), box("join", mode="container:own", at=20))
    assert (Kind.NAMESPACE_JOINED, "join", None, "own") in between(restarted, again)
    gone = host(join)
    assert (Kind.NAMESPACE_ORPHANED, "join", "own", None) in between(joined, gone)


def test_a_stopped_joiner_whose_owner_was_removed_joined_nothing_new_in_a_diff():
    """Two snapshot documents, the owner removed between them: the later one names it by
    its short ID (a fresh read never knew its name); the joiner is where it was."""
    owner_id = "a" * 64
    own = dataclasses.replace(box("own"), id=owner_id)
    join = box("join", state="exited", mode=f"container:{owner_id}")
    before = view_of_document(snapshot_document(host(own, join)))
    after = view_of_document(snapshot_document(host(join)))
    assert after.containers["join"].owner == owner_id[:12]
    found = [c.kind for c in changes(before, after, NOW)]
    assert found == [Kind.CONTAINER_REMOVED]


def test_networks_created_and_removed():
    assert between(host(), host(networks=(BRIDGE, FRONT))) == [
        (Kind.NETWORK_CREATED, "front", None, "front")
    ]
    assert kinds(host(networks=(BRIDGE, FRONT)), host()) == [Kind.NETWORK_REMOVED]


def test_a_collision_appears_and_is_resolved():
    a = host(box("a", ports=(port(8080),)), box("b", state="created"))
    clash = dataclasses.replace(
        box("b", state="created"), ports=(PortBinding("0.0.0.0", 8080, 80, "tcp", False),)
    )
    b = host(box("a", ports=(port(8080),)), clash)
    found = between(a, b, a, analyses=True)
    appeared = [f for f in found if f[0] == Kind.COLLISION_APPEARED]
    resolved = [f for f in found if f[0] == Kind.COLLISION_RESOLVED]
    assert len(appeared) == len(resolved) == 1
    assert appeared[0][3]["host_port"] == 8080 and appeared[0][3]["kind"] == "held"


def test_a_finding_appears_and_is_resolved():
    plain = host(box("web"))
    privileged = host(box("web", privileged=True))
    found = between(plain, privileged, plain, analyses=True)
    assert (Kind.FINDING_APPEARED, "web") in [(k, s) for k, s, *_ in found]
    assert [f[2]["id"] for f in found if f[0] == Kind.FINDING_RESOLVED] == ["ND-PRIVILEGED"]


def test_a_summary_is_no_change_and_the_start_is_no_change():
    full = host(box("web"))
    summary = host(dataclasses.replace(box("web"), detail=Detail.SUMMARY, endpoints=()))
    log = ChangeLog()
    assert log.observe(HostState(), NOW) == []  # nothing read yet
    assert log.observe(summary, NOW) == []  # not complete yet: no start yet
    assert log.observe(full, NOW) == []  # the start
    new = host(box("web"), dataclasses.replace(box("db"), detail=Detail.SUMMARY))
    assert log.observe(new, NOW) == []
    found = log.observe(host(box("web"), box("db")), NOW)
    assert found[0].kind == "container-created"


def test_documents_compare_by_name_with_the_same_kinds():
    a = host(box("web", ports=(port(32808),)))
    b = host(dataclasses.replace(box("web", ports=(port(32810),)), id="other-id"))
    found = changes(
        view_of_document(snapshot_document(a)), view_of_document(snapshot_document(b)), NOW
    )
    assert [c.kind for c in found] == [Kind.PORT_CHANGED]
    assert found[0].to_json("unix:///x")["before"]["host_port"] == 32808


def test_the_ring_keeps_the_latest():
    log = ChangeLog(limit=3)
    states = [host(box("web", state="created"))] + [
        host(box("web", at=i)) if i % 2 else host(box("web", state="exited")) for i in range(8)
    ]
    for s in states:
        log.observe(s, NOW)
    assert len(log.changes) == 3


# Properties ----------------------------------------------------------------------------

NAMES = ("a", "b", "c", "d")


@st.composite
def modes(draw: st.DrawFn) -> dict[str, str]:
    """A network mode per container name: a container keeps its mode for life."""
    return {
        name: draw(st.sampled_from(["default", *(f"container:{o}" for o in NAMES if o < name)]))
        for name in NAMES
    }


@st.composite
def states(draw: st.DrawFn, mode_of: dict[str, str] | None = None) -> HostState:
    boxes = []
    mode_of = mode_of or draw(modes())
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4)):
        state = draw(st.sampled_from(["running", "exited", "created"]))
        mode = mode_of[name]
        nets = draw(st.lists(st.sampled_from(["bridge", "front"]), unique=True))
        eps = tuple(
            ep(net, f"10.0.{i}.{draw(st.integers(2, 4))}", f"02:00:0{i}:0{draw(st.integers(1, 3))}")
            for i, net in enumerate(nets)
        )  # fmt: skip
        ports = tuple(
            port(draw(st.integers(8000, 8003)), cp)
            for cp in draw(st.lists(st.sampled_from([80, 443]), unique=True))
        )
        boxes.append(box(name, state=state, mode=mode, at=draw(st.integers(0, 3)),
                         endpoints=() if mode != "default" else eps, ports=ports))  # fmt: skip
    networks = draw(st.sampled_from([(BRIDGE,), (BRIDGE, FRONT)]))
    return host(*boxes, networks=networks)


def _fresh(s: HostState) -> HostState:
    """The same state made of new objects: no shortcut through identity."""
    return host(*(dataclasses.replace(c) for c in s.containers.values()),
                networks=tuple(s.networks.values()))  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(states())
def test_a_state_has_no_change_from_itself(s):
    assert changes(view_of_state(s), view_of_state(_fresh(s)), NOW) == []


def summary(view: View) -> dict[str, object]:
    return {
        "containers": {
            e.name: (e.running, e.joined,
                     sorted((e.networks or {}).items()), sorted((e.ports or {}).items()))
            for e in view.containers.values()
        },
        "networks": sorted(view.networks.values()),
    }  # fmt: skip


def replay(start: dict[str, object], found) -> dict[str, object]:
    """Apply changes to a summary, as a reader of the timeline would."""
    boxes = {n: list(v) for n, v in start["containers"].items()}
    networks = set(start["networks"])
    for c in found:
        b = boxes.get(c.subject)
        match c.kind:
            case Kind.CONTAINER_CREATED:
                boxes[c.subject] = [False, None, [], []]
            case Kind.CONTAINER_REMOVED:
                del boxes[c.subject]
            case Kind.CONTAINER_STARTED:
                b[0] = True
            case Kind.CONTAINER_STOPPED:
                b[0] = False
            case Kind.NAMESPACE_JOINED | Kind.NAMESPACE_ORPHANED:
                b[1] = c.after
            case Kind.ENDPOINT_CONNECTED | Kind.ADDRESS_CHANGED:
                b[2] = sorted([*(e for e in b[2] if e[0] != c.after["name"]),
                               (c.after["name"], c.after)])  # fmt: skip
            case Kind.ENDPOINT_DISCONNECTED:
                b[2] = [e for e in b[2] if e[0] != c.before["name"]]
            case Kind.PORT_PUBLISHED | Kind.PORT_CHANGED:
                key = (c.after["container_port"], c.after["proto"], c.after["host_ip"])
                b[3] = sorted([*(p for p in b[3] if p[0] != key), (key, c.after)])
            case Kind.PORT_UNPUBLISHED:
                key = (c.before["container_port"], c.before["proto"], c.before["host_ip"])
                b[3] = [p for p in b[3] if p[0] != key]
            case Kind.NETWORK_CREATED:
                networks.add(c.after)
            case Kind.NETWORK_REMOVED:
                networks.discard(c.before)
    return {
        "containers": {n: tuple(v) for n, v in boxes.items()},
        "networks": sorted(networks),
    }


@settings(max_examples=150, deadline=None)
@given(modes().flatmap(lambda m: st.lists(states(m), min_size=2, max_size=6)))
def test_the_changes_along_a_sequence_replay_to_its_end(sequence):
    view = view_of_state(sequence[0])
    story = summary(view)
    for s in sequence[1:]:
        nxt = view_of_state(s, view)
        story = replay(story, changes(view, nxt, NOW))
        view = nxt
        assert story == summary(view)


def test_a_finding_keeps_its_entry_only_while_it_is_the_very_same_finding():
    box = Container("c1", "web", "img", "running", "default", privileged=True)
    state = HostState(containers=MappingProxyType({box.id: box}))
    found = audit(state)
    assert found, "the state has a finding to follow"
    first = view_of_state(state, None, (), found)
    again = view_of_state(state, first, (), found)
    key = found[0].key
    assert again.findings is not None and first.findings is not None
    assert again.findings[key] is first.findings[key], "the same finding: its entry kept"
    retitled = (dataclasses.replace(found[0], title="another title"), *found[1:])
    after = view_of_state(state, again, (), retitled)
    assert after.findings is not None
    assert after.findings[key][1]["title"] == "another title", "same key, new finding"
    assert [c.kind for c in changes(again, after, NOW)] == []


def test_counters_and_plumbing_that_moved_are_no_address_change():
    """Two snapshots of one running container: its interface's counters moved (and the
    second read found its veth) -- nothing about its addresses changed."""
    document = snapshot_document(host(box("web")))
    later = copy.deepcopy(document)
    for endpoint in later["containers"][0]["networks"]:
        endpoint.update(interface="eth0", host_interface="veth1a2b3c", bridge="docker0",
                        counters={"rx_bytes": 1_000_000, "tx_bytes": 2_000})  # fmt: skip
    assert later["containers"][0]["networks"], "the container has an endpoint to compare"
    assert changes(view_of_document(document), view_of_document(later), NOW) == []


def test_watch_prints_nothing_after_its_final_line(capsys):
    """`netdock watch` stopped: the pipeline may publish once more while it stops (a read
    whose answer had come runs one more step); the final document stays the last line."""
    from tui.cli.watch import _Printer

    printer = _Printer("unix:///var/run/docker.sock", as_json=True)
    printer.on_state(host(box("web")))
    printer.on_state(host(box("web"), box("db")))
    printer.final(host(box("web"), box("db")))
    printer.on_state(host(box("web")))
    told = [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()]
    assert told[0] == "snapshot" and "container-created" in told
    assert told[-1] == "final", "the removal of db, published after the final line, is not told"
