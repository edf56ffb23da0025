"""Settings as the dashboard shows them: bad config told at start, keys rebound, presets in `?`.

On the fake backend (captured JSON): nothing here changes an engine.
"""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime

from fakes import FakeBackend

from tui.core.config import Config, Preset
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.screens.help import HelpScreen

FROZEN = datetime(2026, 11, 28, 21, 0, 0, tzinfo=UTC)


def visible_text(app: NetdockApp) -> str:
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


async def until(pilot, condition, timeout: float = 5.0) -> None:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "not true in time"
        await pilot.pause(0.02)


def app_with(config: Config, problems=()) -> NetdockApp:
    return NetdockApp(
        Live(FakeBackend()), now=lambda: FROZEN, config=config, config_problems=problems
    )


async def test_a_bad_config_is_told_at_start_and_the_app_runs_on_defaults():
    problem = (
        "/home/u/.config/netdock/config.toml, line 4: presets.web.mode: expected a "
        "string, got a number; using the defaults"
    )
    app = app_with(Config(), [problem])
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.containers)
        messages = [n.message for n in app._notifications]
        assert messages == [problem]
        assert app.check_action("launch", ()) is True


async def test_preset_keys_clashing_or_unknown_ids_are_told_and_ignored():
    config = Config(
        keys={"stop": "x", "no_such_action": "z"},
        presets=(Preset("web", key="s"), Preset("db", key="f9", description="Run: db")),
    )
    app = app_with(config)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.containers)
        messages = [n.message for n in app._notifications]
        assert "preset web: key s is already 'Stop'; the preset gets no key" in messages
        assert any(
            m.startswith("[keys] no_such_action: no key binding has this ID") for m in messages
        )
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = visible_text(app)
        assert re.search(r"\bx\s+Stop\b", text) and re.search(r"\bF9\s+Run: db\b", text)


async def test_actions_follow_the_selection_and_read_only_dims_them():
    app = app_with(Config())
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and app.containers.selected is not None)
        selected = app.containers.selected
        running = selected.state == "running"
        assert app.check_action("stop", ()) is running
        assert app.check_action("start", ()) is (selected.state in ("created", "exited"))
        await pilot.press("2")  # another tab: the container keys do not apply there
        assert app.check_action("stop", ()) is False and app.check_action("launch", ()) is True
    app = NetdockApp(Live(FakeBackend()), now=lambda: FROZEN, read_only=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and app.containers.selected is not None)
        assert all(app.check_action(a, ()) is None for a in ("launch", "stop", "remove"))
        assert app.check_action("filter", ()) is True


async def test_preset_descriptions_in_help_are_plain_text_not_markup():
    # "[/b]" alone raised MarkupError and "[red]" was eaten as a style.
    presets = (
        Preset("bold", key="f9", description="Run [/b] now"),
        Preset("red", key="f10", description="[red]x"),
    )
    for read_only, suffix in ((False, ""), (True, " (read-only)")):
        app = app_with(Config(read_only=read_only, presets=presets))
        async with app.run_test(size=(200, 50)) as pilot:
            await until(pilot, lambda app=app: app.state.containers)
            await pilot.press("question_mark")
            await until(pilot, lambda app=app: isinstance(app.screen, HelpScreen))
            text = visible_text(app)
            assert f"F9 Run [/b] now{suffix}" in re.sub(r"\s+", " ", text)
            assert f"F10 [red]x{suffix}" in re.sub(r"\s+", " ", text)
