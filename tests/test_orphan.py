"""Orphaned joiners, judged from hand-built facts (the engine's, and the kernel's)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from tui.core import state as state_module
from tui.core.audit import audit
from tui.core.describe import describe
from tui.core.document import snapshot_document
from tui.core.model import Container, Endpoint
from tui.core.namespaces import effective_endpoints, orphaned, sharer_index
from tui.core.rows import namespace_cell
from tui.core.state import ContainerGone, HostState, Resynced, reduce

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BRIDGE = (Endpoint("bridge", "n1", "172.17.0.2", 16, "172.17.0.1", mac="02:42:ac:11:00:02"),)


def box(cid: str, *, mode: str = "default", at: int = 0, state: str = "running", **kw) -> Container:
    return Container(
        id=cid, name=cid, image="img", state=state, network_mode=mode,
        namespace_ref=mode.partition(":")[2] or None,
        endpoints=() if mode.startswith("container:") else BRIDGE,
        started_at=T0 + timedelta(seconds=at), **kw,
    )  # fmt: skip


def host(*containers: Container) -> HostState:
    return HostState(containers=MappingProxyType({c.id: c for c in containers}))


def test_a_joiner_started_after_its_owner_shares_its_network():
    s = host(box("own"), box("join", mode="container:own", at=5))
    assert not orphaned(s, s.containers["join"])
    assert effective_endpoints(s, s.containers["join"]) == BRIDGE


def test_an_owner_restarted_after_the_joiner_started_orphans_it():
    s = host(box("own", at=10), box("join", mode="container:own", at=5))
    join = s.containers["join"]
    assert orphaned(s, join) and effective_endpoints(s, join) == ()
    entry = next(c for c in snapshot_document(s)["containers"] if c["name"] == "join")
    assert entry["namespace_orphaned"] is True and entry["networks"] == []
    assert entry["shares_namespace_with"] == "own"


def test_an_owner_gone_or_stopped_orphans_a_running_joiner_only():
    assert orphaned(host(box("join", mode="container:own")), box("join", mode="container:own"))
    stopped = host(box("own", state="exited"), box("join", mode="container:own", at=5))
    assert orphaned(stopped, stopped.containers["join"])
    idle = host(box("own", at=10), box("join", mode="container:own", state="exited"))
    assert not orphaned(idle, idle.containers["join"])


def test_the_kernel_overrules_the_clock():
    s = host(box("own", at=10, netns=7), box("join", mode="container:own", at=5, netns=7))
    assert not orphaned(s, s.containers["join"])
    s = host(box("own", netns=8), box("join", mode="container:own", at=5, netns=7))
    assert orphaned(s, s.containers["join"])


def test_down_a_chain_only_the_roots_namespace_counts():
    s = host(
        box("a", at=10), box("b", mode="container:a", at=5), box("c", mode="container:b", at=6)
    )
    assert orphaned(s, s.containers["b"]) and orphaned(s, s.containers["c"])


def test_an_orphan_inherits_no_exposure_from_a_privileged_owner():
    healthy = host(box("own", privileged=True), box("join", mode="container:own", at=5))
    assert any("join" in f.subjects for f in audit(healthy))
    gone = host(box("own", at=10, privileged=True), box("join", mode="container:own", at=5))
    assert not any(f.subjects == ("join",) for f in audit(gone))


OWNER_ID = "0123456789ab" + "c" * 52


def owner_named(name: str) -> Container:
    return replace(box(OWNER_ID), name=name)


def shares(state: HostState, name: str = "join") -> object:
    entry = next(c for c in snapshot_document(state)["containers"] if c["name"] == name)
    return entry["shares_namespace_with"]


def test_a_removed_owner_is_still_named_by_its_joiner_everywhere():
    join = box("join", mode=f"container:{OWNER_ID}", at=5)
    s = reduce(host(owner_named("own"), join), ContainerGone(OWNER_ID))
    assert OWNER_ID not in s.containers and orphaned(s, s.containers["join"])
    assert shares(s) == "own"
    assert namespace_cell(s, s.containers["join"], {}) == "-> own (gone)"
    assert ("namespace", "joins own, which is gone") in describe(s, s.containers["join"], T0)
    # A resync that no longer finds it remembers it the same way.
    resynced = reduce(host(owner_named("own"), join), Resynced((join,), ()))
    assert shares(resynced) == "own"


def test_an_owner_never_seen_is_named_by_its_short_id():
    join = box("join", mode=f"container:{OWNER_ID}", at=5)
    s = host(join)
    assert shares(s) == "0123456789ab"
    assert namespace_cell(s, join, {}) == "-> 0123456789ab (gone)"
    assert shares(host(box("own")), "own") is None, "not a joiner: joins no one"


def test_the_names_remembered_are_the_latest_few(monkeypatch):
    monkeypatch.setattr(state_module, "DEPARTED_KEPT", 3)
    s = host(*(box(f"c{i}") for i in range(5)))
    for i in range(5):
        s = reduce(s, ContainerGone(f"c{i}"))
    assert list(s.departed) == ["c2", "c3", "c4"]
    assert reduce(s, ContainerGone("c9")) is s, "not known: nothing to remember"


def test_each_state_has_its_own_sharers_and_a_gone_owner_is_not_looked_for_by_name():
    """The index of who joins whom is kept per set of containers (every repaint asks):
    a state after a change never gets the one before. A joiner whose owner is gone asks
    for it by full ID, which no name can stand in for."""
    gone = "f" * 64
    before = host(
        box("own"), box("join", mode="container:own"), box("orphan", mode=f"container:{gone}")
    )
    assert [c.name for c in sharer_index(before)["own"]] == ["join"]
    after = reduce(before, ContainerGone("join"))
    assert "own" not in sharer_index(after)
    assert [c.name for c in sharer_index(before)["own"]] == ["join"]
    assert after.container(gone) is None and after.container("orphan") is not None
