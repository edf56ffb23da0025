"""SVG snapshots of the screens, over captured engine JSON and a frozen clock.

Regenerate after a deliberate UI change with ``scripts/test tests/test_screens.py
--snapshot-update`` and review the diff of tests/__snapshots__/.
"""

from __future__ import annotations

import time

from fakes import FakeBackend
from test_app import FROZEN

from tui.engine.live import Live
from tui.ui.app import NetdockApp

SIZE = (180, 40)


def app() -> NetdockApp:
    return NetdockApp(Live(FakeBackend()), now=lambda: FROZEN)


async def synced(pilot) -> None:
    start = time.monotonic()
    while not (pilot.app.state.synced and pilot.app.state.containers):
        assert time.monotonic() - start < 5
        await pilot.pause(0.02)
    await pilot.pause(0.1)


def test_containers_tab(snap_compare):
    assert snap_compare(app(), terminal_size=SIZE, run_before=synced)


def test_container_mode_detail(snap_compare):
    async def select_chained(pilot) -> None:
        await synced(pilot)
        await pilot.press("down")

    assert snap_compare(app(), terminal_size=SIZE, run_before=select_chained)


def test_networks_tab(snap_compare):
    async def networks(pilot) -> None:
        await synced(pilot)
        await pilot.press("2")
        await pilot.pause(0.1)

    assert snap_compare(app(), terminal_size=SIZE, run_before=networks)
