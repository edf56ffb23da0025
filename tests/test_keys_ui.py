"""What a new user meets on the keyboard, on the fake backend (captured JSON): ``?``, the
filter and sort of every tab, Home/End, read-only mode, and "unknown" before an answer.

Nothing here changes an engine; what needs one is in tests/test_usability_engine.py.
"""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime

from fakes import FakeBackend
from textual.widgets import TabbedContent

from tui.core.config import Config
from tui.engine.config_files import load_config
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.screens.help import HelpScreen
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.networks import NetworksTab
from tui.ui.tabs.ports import PortsTab

FROZEN = datetime(2026, 11, 28, 21, 0, 0, tzinfo=UTC)


def visible_text(app: NetdockApp) -> str:
    """The characters on screen, as a user reads them, blanks folded."""
    svg = app.export_screenshot()
    text = html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


async def until(pilot, condition, timeout: float = 5.0) -> None:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "not true in time"
        await pilot.pause(0.02)


def shipped() -> Config:
    config, problems = load_config({"XDG_CONFIG_HOME": "/nonexistent"})
    assert not problems
    return config


def fake_app(**kwargs) -> NetdockApp:
    return NetdockApp(Live(FakeBackend()), now=lambda: FROZEN, **kwargs)


def names(table) -> list[str]:
    return [str(table.get_row(key)[1]) for key in table.order]


def footer_keys(app: NetdockApp) -> dict[str, bool]:
    """Key -> enabled, for the keys the footer shows (hidden ones are absent)."""
    return {
        key: active.enabled
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


async def ready(pilot, app: NetdockApp) -> None:
    await until(pilot, lambda: app.state.known and app.containers.selected is not None)


# ? -----------------------------------------------------------------------------------------


async def test_help_shows_readable_keys_their_ids_and_the_presets_then_closes_on_each_key():
    for close in ("escape", "q", "question_mark"):
        app = fake_app(config=shipped())
        async with app.run_test(size=(140, 60)) as pilot:
            await ready(pilot, app)
            await pilot.press("question_mark")
            await until(pilot, lambda app=app: isinstance(app.screen, HelpScreen))
            text = visible_text(app)
            for line in (
                "? Keys help",
                "] Next tab next_tab",
                "[ Previous tab previous_tab",
                "/ Filter filter",
                "F2 Run: bridge -P preset.bridge",
                "F5 Run: none preset.none",
                "c Collisions only (ports tab) (not now) ports_collisions_only",
            ):
                assert line in text, line
            assert "question_mark" not in text and "right_square_bracket" not in text
            await pilot.press(close)
            await until(pilot, lambda app=app: len(app.screen_stack) == 1)
            # Still answering: the next key does what it says.
            await pilot.press("2")
            await until(pilot, lambda app=app: app.networks.table.row_count > 0)
            assert app.is_running


async def test_a_rebound_key_shows_in_help_under_its_id():
    config = Config(keys={"stop": "x", "next_tab": "ctrl+n"})
    app = fake_app(config=config)
    async with app.run_test(size=(140, 60)) as pilot:
        await ready(pilot, app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = visible_text(app)
        assert "x Stop" in text and "^n Next tab next_tab" in text


# / o O Home End, on each tab ---------------------------------------------------------------


async def test_filter_and_sort_act_on_the_table_on_screen():
    app = fake_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        await pilot.press("2")
        networks = app.query_one(NetworksTab)
        await until(pilot, lambda: networks.table.row_count > 1)
        everyone = [str(r[0]) for r in _rows(networks.table)]
        await pilot.press("slash", *"front")
        assert [str(r[0]) for r in _rows(networks.table)] == ["ndcap-front"]
        assert app.query_one(TabbedContent).active == "networks", "stayed on the tab"
        await pilot.press("escape")
        assert [str(r[0]) for r in _rows(networks.table)] == everyone
        await pilot.press("o")  # by driver
        drivers = [str(r[1]) for r in _rows(networks.table)]
        assert drivers == sorted(drivers)
        assert "DRIVER ▲" in visible_text(app)
        assert app._notifications and "sorted by driver, ascending" in [
            n.message for n in app._notifications
        ]
        await pilot.press("O")
        assert [str(r[1]) for r in _rows(networks.table)] == sorted(drivers, reverse=True)
        assert "DRIVER ▼" in visible_text(app)
        assert "sorted by driver, descending" in [n.message for n in app._notifications]

        await pilot.press("3")
        ports = app.query_one(PortsTab)
        await until(pilot, lambda: ports.table.row_count > 1)
        await pilot.press("slash", *"ndcap-specific")
        assert {str(r[4]) for r in _rows(ports.table)} == {"ndcap-specific"}
        await pilot.press("enter", "end")
        assert ports.table.cursor_row == ports.table.row_count - 1
        await pilot.press("home")
        assert ports.table.cursor_row == 0

        await pilot.press("4")  # the security tree has no filter or sort: not offered
        await pilot.pause()
        assert app.check_action("filter", ()) is False and app.check_action("sort", ()) is False
        shown = footer_keys(app)
        assert "slash" not in shown and "o" not in shown


async def test_home_end_and_the_filter_by_state_and_mode_on_containers():
    app = fake_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        tab = app.query_one(ContainersTab)
        await pilot.press("end")
        assert tab.table.cursor_row == tab.table.row_count - 1
        await pilot.press("home")
        assert tab.table.cursor_row == 0
        await pilot.press("slash", *"exited")
        assert names(tab.table) == ["ndcap-exited"]
        assert "exited (137)" in visible_text(app), "the exit code, as docker ps shows it"
        await pilot.press("escape", "slash", *"host")
        assert names(tab.table) == ["ndcap-host", "ndcap-host-published"]
        # Home and End in the filter line are the line's own.
        await pilot.press("home")
        assert tab.filter_text == "host" and app.focused is not tab.table


# read-only ---------------------------------------------------------------------------------


async def test_read_only_says_so_answers_a_refused_key_and_never_offers_start_and_stop():
    app = fake_app(read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        assert "read-only" in str(app.query_one("#header").render())
        tab = app.query_one(ContainersTab)
        while tab.selected is None or tab.selected.state != "running":
            await pilot.press("down")
        shown = footer_keys(app)
        assert shown.get("s") is False, "stop applies, dimmed by read-only"
        assert "u" not in shown, "start does not apply to a running container: hidden"
        await pilot.press("s")
        messages = [n.message for n in app._notifications]
        assert messages == ["Stop: not in read-only mode"]
        await pilot.press("n")
        assert [n.message for n in app._notifications][-1] == "New: not in read-only mode"
        assert len(app.screen_stack) == 1, "no launcher"


# before the engine answers -------------------------------------------------------------------


async def test_no_engine_reads_unknown_not_zero():
    backend = DockerBackend(resolve_endpoint("unix:///run/netdock-nothing-here.sock"))
    app = NetdockApp(Live(backend), now=lambda: FROZEN)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.state.connection.attempt >= 1)
        await pilot.pause(0.1)
        header = str(app.query_one("#header").render())
        assert "port collisions: unknown" in header and "audit: unknown" in header
        assert "containers: unknown" in header and "0 port collisions" not in header
        await pilot.press("4")
        await pilot.pause(0.1)
        text = visible_text(app)
        assert "Findings unknown" in text and "No findings" not in text
        await pilot.press("3")
        await pilot.pause(0.1)
        assert "Ports and collisions unknown" in visible_text(app)


def _rows(table):
    return [table.get_row(key) for key in table.order]
