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


def test_containers_tab_at_100_columns(snap_compare):
    """MAC and NETWORKS give way; nothing scrolls sideways; the header wraps its counts."""
    assert snap_compare(app(), terminal_size=(100, 30), run_before=synced)


def test_containers_tab_at_80_columns(snap_compare):
    assert snap_compare(app(), terminal_size=(80, 24), run_before=synced)


def test_wide_view_at_100_columns_then_back(snap_compare):
    """``w`` shows every column (scrolling sideways); a second ``w`` goes back."""

    async def wide(pilot) -> None:
        await synced(pilot)
        await pilot.press("w")
        await pilot.pause(0.1)
        table = pilot.app.containers.table
        assert "mac" in table.shown_columns
        await pilot.press("w")
        await pilot.pause(0.1)
        assert "mac" not in table.shown_columns
        await pilot.press("w", "right", "right")  # the picture: wide, scrolled a little
        await pilot.pause(0.1)

    assert snap_compare(app(), terminal_size=(100, 30), run_before=wide)


def test_ports_tab_at_100_columns(snap_compare):
    async def ports(pilot) -> None:
        await synced(pilot)
        await pilot.press("3")
        await pilot.pause(0.1)

    assert snap_compare(app(), terminal_size=(100, 30), run_before=ports)
