"""The dashboard with several engines, over captured JSON: the picture, then on as a user."""

from __future__ import annotations

import time

from fakes import FakeBackend
from test_app import FROZEN, until

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
