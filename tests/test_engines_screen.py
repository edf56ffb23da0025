"""The dashboard with several engines, over captured JSON: the picture, then on as a user."""

from __future__ import annotations

import time

from fakes import FakeBackend
from test_app import FROZEN, until

from tui.core.audit import assess
from tui.core.ports import find_conflicts
from tui.core.state import Link
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.containers import ContainersTab

SIZE = (180, 40)


def three_engines() -> NetdockApp:
    local = FakeBackend()
    far = FakeBackend(endpoint="tcp://10.0.0.2:2376")
    gone = FakeBackend(endpoint="tcp://10.0.0.3:2376")
    gone.up = False
    return NetdockApp([Live(local), Live(far), Live(gone)], now=lambda: FROZEN)


async def two_live_one_down(pilot) -> None:
    start = time.monotonic()
    states = pilot.app.engines.states
    while not (
        all(s.synced and s.containers for s in states[:2])
        and states[2].connection.link is Link.DOWN
    ):
        assert time.monotonic() - start < 5
        await pilot.pause(0.02)
    pilot.app.clear_notifications()
    await pilot.pause(0.1)


def test_three_engines_side_by_side(snap_compare):
    assert snap_compare(three_engines(), terminal_size=SIZE, run_before=two_live_one_down)


def engines_shown(app: NetdockApp) -> set[str]:
    table = app.query_one(ContainersTab).table
    return {str(table.get_row(key)[1]) for key in table.order}


async def test_the_engine_key_and_a_down_engine_in_view():
    app = three_engines()
    async with app.run_test(size=SIZE) as pilot:
        await two_live_one_down(pilot)
        assert engines_shown(app) == {"local", "10.0.0.2:2376"}
        await pilot.press("e")
        await until(pilot, lambda: engines_shown(app) == {"local"})
        assert "Ports [3] · local" in str(app.query_one("#tabs").get_tab("ports").label)
        await pilot.press("e", "e")
        await until(pilot, lambda: engines_shown(app) == set())
        header = str(app.query_one("#header").render())
        assert "✕ no engine: no Docker engine answers at tcp://10.0.0.3:2376" in header
        await pilot.press("e")
        await until(pilot, lambda: engines_shown(app) == {"local", "10.0.0.2:2376"})
        # Sorting by engine groups the rows; the filter matches an engine's name.
        for _ in range(6):  # name -> state, mode, ipv4, up, traffic, engine
            await pilot.press("o")
        assert app.containers.sort_field == "engine"
        table = app.containers.table
        column = [str(table.get_row(key)[1]) for key in table.order]
        assert column == sorted(column, key=["local", "10.0.0.2:2376"].index)
        await pilot.press("slash", *"10.0.0.2", "enter")
        await until(pilot, lambda: engines_shown(app) == {"10.0.0.2:2376"})


def ports_engines(app: NetdockApp) -> set[str]:
    table = app.ports.table
    return {str(table.get_row(key)[1]) for key in table.order}


def tree_branches(app: NetdockApp) -> list[str]:
    return [str(node.label) for node in app.security.findings_tree.root.children]


async def on_tab(pilot, key: str) -> None:
    await two_live_one_down(pilot)
    await pilot.press(key)
    await pilot.pause(0.2)


def test_ports_of_three_engines(snap_compare):
    async def ports(pilot) -> None:
        await on_tab(pilot, "3")

    assert snap_compare(three_engines(), terminal_size=SIZE, run_before=ports)


def test_security_of_three_engines(snap_compare):
    async def security(pilot) -> None:
        await on_tab(pilot, "4")

    assert snap_compare(three_engines(), terminal_size=SIZE, run_before=security)


async def test_ports_and_security_show_each_engine_in_view_on_its_own():
    app = three_engines()
    async with app.run_test(size=SIZE) as pilot:
        await two_live_one_down(pilot)
        await pilot.press("3")
        both = {"local", "10.0.0.2:2376"}
        await until(pilot, lambda: ports_engines(app) == both)
        bar = app.query_one("#tabs")
        assert str(bar.get_tab("ports").label) == "Ports [3]"
        # The two engines serve the same containers, so each binds the same host ports: a
        # collision on one host, never across hosts (none within one here).
        assert find_conflicts(app.engines.states[0]) == () and app.ports.conflicts == ()
        rows = [app.ports.table.get_row(key) for key in app.ports.table.order]
        engines_of: dict[str, set[str]] = {}
        for row in rows:
            engines_of.setdefault(f"{row[2]}:{row[3]}", set()).add(str(row[1]))
        assert any(port != ":-" and found == both for port, found in engines_of.items())
        assert not any(str(row[0]).strip() or str(row[-1]).strip() for row in rows)
        # The row's engine is in the detail; the filter matches an engine's name.
        assert str(app.query_one("#ports-detail").render()).startswith("engine ")
        await pilot.press("slash", *"10.0.0.2", "enter")
        await until(pilot, lambda: ports_engines(app) == {"10.0.0.2:2376"})
        await pilot.press("escape")
        await until(pilot, lambda: ports_engines(app) == both)
        # One engine in view: its rows only, and the tab says which.
        await pilot.press("e")
        await until(pilot, lambda: ports_engines(app) == {"local"})
        assert str(bar.get_tab("ports").label) == "Ports [3] · local"
        # The next: every tab names it (the containers table, not on screen, still holds
        # the rows of the view before).
        await pilot.press("e")
        await until(pilot, lambda: ports_engines(app) == {"10.0.0.2:2376"})
        for pane, label in [("ports", "Ports [3]"), ("networks", "Networks [2]")]:
            assert str(bar.get_tab(pane).label) == f"{label} · 10.0.0.2:2376"
        # The audit: a branch per engine, each engine's findings under it.
        await pilot.press("e", "e")
        await pilot.press("4")
        await until(pilot, lambda: len(tree_branches(app)) == 3)
        branches = tree_branches(app)
        assert [b.split("  ")[0] for b in branches] == ["local", "10.0.0.2:2376", "10.0.0.3:2376"]
        assert branches[0].split("  ")[1] == branches[1].split("  ")[1] != "no findings"
        assert "unknown" in branches[2]
        assert str(bar.get_tab("security").label) == "Security [4]"
        assert len(app.security.findings) == 2 * len(assess(app.engines.states[0]).findings)
        await pilot.press("e")
        await until(pilot, lambda: "local" not in str(app.security.findings_tree.root.children))
        assert str(bar.get_tab("security").label) == "Security [4] · local"
        await pilot.press("q")
