"""A `container:` joiner whose owner restarted, or was removed and recreated, keeps only
loopback (portainer#8265): netdock says so, from the engine's facts and from the kernel's."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from types import MappingProxyType

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from test_snapshot_engine import snapshot

from tui.core.describe import describe
from tui.core.document import snapshot_document
from tui.core.namespaces import orphaned
from tui.core.rows import container_row
from tui.core.state import HostState, Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live


def documented(name: str) -> dict:
    done = snapshot()
    assert done.returncode == 0, done.stderr
    return {c["name"]: c for c in json.loads(done.stdout)["containers"]}[name]


def live_state() -> HostState:
    async def read() -> HostState:
        backend = DockerBackend(resolve_endpoint(None))
        try:
            return await Live(backend).snapshot()
        finally:
            await backend.close()

    return asyncio.run(read())


def without_kernel(state: HostState) -> HostState:
    """The same state as a remote engine would give it: no namespace inodes."""
    return replace(
        state,
        containers=MappingProxyType(
            {k: replace(c, netns=None) for k, c in state.containers.items()}
        ),
    )


def loopback_only(lab, name: str) -> bool:
    lines = lab.docker("exec", name, "ip", "-o", "addr").splitlines()
    return [line.split()[1] for line in lines] == ["lo"]


@pytest.mark.parametrize("how", ["restart", "recreate", "remove"])
def test_a_joiner_whose_owner_was_replaced_is_orphaned_everywhere(lab, how):
    own = lab.run("-P", TEST_IMAGE, name="own")
    join = lab.run("--net", f"container:{own}", TEST_IMAGE, *SLEEP, name="join")
    before = documented(join)
    assert before["namespace_orphaned"] is False and before["networks"]
    assert before["shares_namespace_with"] == own
    own_id = lab.inspect(own)["Id"]

    if how == "restart":
        lab.docker("restart", own)
    else:
        lab.docker("rm", "-f", own)
        if how == "recreate":
            lab.run("-P", TEST_IMAGE, name="own")
    assert loopback_only(lab, join), "the engine's own trap, as the issue measured it"

    after = documented(join)
    assert after["namespace_orphaned"] is True
    assert after["networks"] == []
    # The engine records the owner by ID: once that container is gone, a fresh read (which
    # never saw it) names it by its short ID.
    assert after["shares_namespace_with"] == (own if how == "restart" else own_id[:12])
    assert after["network_mode"] == before["network_mode"]
    state = live_state()
    joiner = state.container(join)
    assert orphaned(state, joiner), "confirmed by the kernel"
    if how != "remove":
        assert joiner.netns is not None and joiner.netns != state.container(own).netns
    assert orphaned(without_kernel(state), joiner), "the engine's facts alone suffice"
    row = container_row(state, joiner, joiner.started_at, {})
    assert "(orphaned)" in row.namespace or "(gone)" in row.namespace
    assert row.ipv4 == "" and row.networks == "(loopback only)"

    # Restarting the joiner makes it join the owner again (the engine resolves it by ID:
    # a removed owner's joiner cannot start again).
    if how == "restart":
        lab.docker("restart", join)
        again = documented(join)
        assert again["namespace_orphaned"] is False and again["networks"]


def test_a_healthy_joiner_shares_the_owners_namespace_by_the_kernels_word(lab):
    own = lab.run("-P", TEST_IMAGE, name="own")
    join = lab.run("--net", f"container:{own}", TEST_IMAGE, *SLEEP, name="join")
    state = live_state()
    joiner, owner = state.container(join), state.container(own)
    assert joiner.netns is not None and joiner.netns == owner.netns
    assert not orphaned(state, joiner) and not orphaned(without_kernel(state), joiner)


async def test_the_live_model_still_names_an_owner_removed_while_it_watched(lab):
    own = lab.run("-P", TEST_IMAGE, name="own")
    join = lab.run("--net", f"container:{own}", TEST_IMAGE, *SLEEP, name="join")
    own_id = lab.inspect(own)["Id"]
    backend = DockerBackend(resolve_endpoint(None))
    live = Live(backend)
    task = asyncio.create_task(live.run())
    try:
        async with asyncio.timeout(15):
            while not (live.state.connection.link is Link.LIVE and live.state.container(join)):
                await asyncio.sleep(0.05)
            await asyncio.to_thread(lab.docker, "rm", "-f", own)
            while own_id in live.state.containers:
                await asyncio.sleep(0.05)
        state = live.state
        joiner = state.container(join)
        entry = next(c for c in snapshot_document(state)["containers"] if c["name"] == join)
        assert entry["shares_namespace_with"] == own and entry["namespace_orphaned"] is True
        assert container_row(state, joiner, joiner.started_at, {}).namespace == f"-> {own} (gone)"
        assert ("namespace", f"joins {own}, which is gone") in describe(
            state, joiner, joiner.started_at
        )
    finally:
        task.cancel()
        await backend.close()
