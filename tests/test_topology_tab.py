"""The topology tab and the rate columns, on the real engine, as a user sees them."""

from __future__ import annotations

import asyncio

from engine_helpers import SLEEP, TEST_IMAGE
from test_app import until, visible_text

from tui.core.plumbing import plugs
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.kernel import Kernel
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.topology import TopologyTab


async def test_topology_draws_the_plumbing_live_and_the_rates_show_in_the_table(lab):
    endpoint = resolve_endpoint()
    live = Live(DockerBackend(endpoint), kernel=Kernel(endpoint.url), sample_interval=0.2)
    app = NetdockApp(live)
    net = await asyncio.to_thread(lab.network, "topo")
    web = await asyncio.to_thread(lab.run, "--network", net, TEST_IMAGE, *SLEEP)
    async with app.run_test(size=(220, 60)) as pilot:
        await until(pilot, lambda: app.state.connection.link is Link.LIVE, timeout=10)
        side = await asyncio.to_thread(lab.run, "--network", f"container:{web}", TEST_IMAGE, *SLEEP)

        def plug():
            c = app.state.container(web)
            found = [p for p in plugs(app.state, c) if p.bridge] if c else []
            return found[0] if found else None

        await until(pilot, lambda: plug() is not None and app.state.container(side), timeout=10)
        await pilot.press("6")
        bridge, veth = plug().bridge.name, plug().host_interface.name
        await until(pilot, lambda: f"{veth} ↔ {web} eth0" in visible_text(app), timeout=5)
        text = visible_text(app)
        assert f"{bridge} " in text and f"(network {net})" in text
        assert f"{side} (container mode: {web}'s namespace)" in text

        # Selecting a node shows its details.
        tree = app.query_one(TopologyTab).tree
        nodes, todo = [], [tree.root]
        while todo:
            nodes.append(todo.pop())
            todo.extend(nodes[-1].children)
        tree.move_cursor(next(n for n in nodes if str(n.label).startswith(veth)))
        await pilot.pause(0.1)
        detail = str(app.query_one("#topology-detail").render())
        assert f"veth peer {veth}  bridge {bridge}" in detail

        # Live: a container stopped leaves the tree.
        await asyncio.to_thread(lab.docker, "stop", "-t", "0", side)
        await until(pilot, lambda: f"{side} (container mode" not in visible_text(app), timeout=5)

        # Then the containers tab: RX and TX in bytes per second, from the samples.
        await pilot.press("1")
        await pilot.press("slash")
        await pilot.press(*web)
        await pilot.press("enter")
        await until(pilot, lambda: " B/s" in visible_text(app), timeout=5)
        assert "RX" in visible_text(app) and "TX" in visible_text(app)
        # Sort by traffic: o cycles name, state, mode, ipv4, up, traffic.
        for _ in range(5):
            await pilot.press("o")
        assert app.query_one("#containers-tab").sort_field == "traffic"
