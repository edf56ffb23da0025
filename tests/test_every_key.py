"""Every key on every tab, and every key of every dialog those keys open, against a real
engine: the app must still run and answer afterwards.

The help screen's snapshot test once passed while any key pressed on it killed the app.
This test finds what to press by itself (the app's ``BINDINGS``, the presets, each tab
pane's own, and each dialog screen's ``BINDINGS``), so a tab or a dialog added later is
covered without a line here. The engine is a private one (its own dockerd, in a network
namespace of its own): "remove" answered with "yes" removes one of its containers, never
one of the shared engine's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from tui.core.config import Config
from tui.core.state import Link
from tui.engine.config_files import load_config
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.screens.help import HelpScreen

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def engine() -> Iterator[PrivateEngine]:
    """The article's four modes, a stopped container holding a port a running one has, and
    one that was created only: something for every container key to act on."""
    with PrivateEngine("keys") as private:
        private.load_test_image()
        run = ("run", "-d", "--stop-timeout", "1", "--name")
        private.docker(*run, "web", "-p", "18080:80", TEST_IMAGE)
        private.docker(*run, "side", "--network", "container:web", TEST_IMAGE, *SLEEP)
        private.docker(*run, "hostnet", "--network", "host", TEST_IMAGE, *SLEEP)
        private.docker(*run, "nonet", "--network", "none", TEST_IMAGE, *SLEEP)
        private.docker("create", "--name", "held", "-p", "18080:80", TEST_IMAGE)
        private.docker("create", "--name", "fresh", TEST_IMAGE, *SLEEP)
        yield private


def keys_of(binding: Binding) -> list[str]:
    return [key.strip() for key in binding.key.split(",")]


def app_bindings(app: NetdockApp) -> list[Binding]:
    found = [b for b in [*app.BINDINGS, *app.preset_bindings] if isinstance(b, Binding)]
    assert found, "no bindings found: the test would prove nothing"
    return found


def pane_bindings(pane: TabPane) -> list[Binding]:
    return [b for w in pane.children for b in w.BINDINGS if isinstance(b, Binding)]


def screen_bindings(screen: Screen[object]) -> list[Binding]:
    return [b for b in type(screen).BINDINGS if isinstance(b, Binding)]


async def settle(pilot: Pilot[None], app: NetdockApp) -> None:
    await pilot.pause()
    assert app.is_running, "the app is gone"
    assert app.return_code is None, "the app ended"


async def back_to(pilot: Pilot[None], app: NetdockApp, tab: str) -> None:
    """Close every dialog, clear the filter, and show ``tab``."""
    for _ in range(5):
        if len(app.screen_stack) == 1:
            break
        app.screen.dismiss(None)
        await settle(pilot, app)
    assert len(app.screen_stack) == 1, f"a dialog would not close: {app.screen!r}"
    # A row busy with a request ("stopping…") takes no keys: wait for the engine's answer,
    # so each key finds the selection free to act on.
    start = time.monotonic()
    while app.busy.labels:
        assert time.monotonic() - start < 30, f"requests never ended: {app.busy.labels}"
        await pilot.pause(0.1)
    if (table := app.table_tab()) is not None:
        table.close_filter()
    tabs = app.query_one(TabbedContent)
    if tabs.active != tab:
        tabs.active = tab
        await settle(pilot, app)


async def answers(pilot: Pilot[None], app: NetdockApp) -> None:
    """The app still answers a key: ``?`` opens the keys, Esc closes them."""
    await back_to(pilot, app, app.query_one(TabbedContent).active)
    await pilot.press("question_mark")
    await settle(pilot, app)
    assert isinstance(app.screen, HelpScreen)
    await pilot.press("escape")
    await settle(pilot, app)
    assert len(app.screen_stack) == 1


def shipped_config() -> Config:
    """The shipped settings (presets F2-F5), without the user's."""
    config, problems = load_config({"XDG_CONFIG_HOME": "/nonexistent"})
    assert not problems and config.presets
    return config


async def test_a_preset_uses_the_engine_s_only_image(engine: PrivateEngine) -> None:
    """The private engine has one image, netlab/busybox:1, which no candidate names."""
    before = set(engine.docker("ps", "-aq").split())
    app = NetdockApp(Live(DockerBackend(resolve_endpoint(engine.host))), config=shipped_config())
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.monotonic()
        while not app.state.known or app.state.connection.link is not Link.LIVE:
            assert time.monotonic() - start < 15, "the private engine did not answer"
            await pilot.pause(0.05)
        await pilot.press("f5")
        while not set(engine.docker("ps", "-q").split()) - before:
            assert time.monotonic() - start < 30, "f5 launched nothing"
            assert len(app.screen_stack) == 1, "the launcher opened: no image was chosen"
            await pilot.pause(0.1)
    (new,) = set(engine.docker("ps", "-q").split()) - before
    image, mode = engine.docker(
        "inspect", "-f", "{{.Config.Image}} {{.HostConfig.NetworkMode}}", new
    ).split()
    assert (image, mode) == (TEST_IMAGE, "none")


async def test_every_key_on_every_tab_and_in_every_dialog(engine: PrivateEngine) -> None:
    backend = DockerBackend(resolve_endpoint(engine.host))
    app = NetdockApp(Live(backend), config=shipped_config())
    app.animation_level = "none"  # a tab switch is not animated: the test waits for none
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.monotonic()
        while not (app.state.connection.link is Link.LIVE and app.state.known):
            assert time.monotonic() - start < 15, "the private engine did not answer"
            await pilot.pause(0.05)
        tabs = [p.id for p in app.query_one(TabbedContent).query(TabPane) if p.id]
        assert {"containers", "networks", "ports", "security"} <= set(tabs)
        pressed: dict[str, int] = {}
        dialogs: set[str] = set()
        driven: set[tuple[str, str]] = set()
        for tab in tabs:
            pane = app.query_one(TabbedContent).get_pane(tab)
            for binding in [*app_bindings(app), *pane_bindings(pane)]:
                if binding.action == "quit":
                    continue  # last, below
                for key in keys_of(binding):
                    await back_to(pilot, app, tab)
                    await pilot.press("down")  # not always the first row
                    await pilot.press(key)
                    await settle(pilot, app)
                    pressed[key] = pressed.get(key, 0) + 1
                    if len(app.screen_stack) == 1:
                        continue
                    dialog = app.screen
                    dialogs.add(type(dialog).__name__)
                    if (key, type(dialog).__name__) in driven:
                        continue  # its keys were pressed already (on an earlier tab)
                    driven.add((key, type(dialog).__name__))
                    for dialog_binding in screen_bindings(dialog):
                        for dialog_key in keys_of(dialog_binding):
                            if app.screen is not dialog:
                                # The last key closed it: open it again the same way.
                                await back_to(pilot, app, tab)
                                await pilot.press("down", key)
                                await settle(pilot, app)
                                if type(app.screen) is not type(dialog):
                                    break  # the engine changed: it no longer opens
                                dialog = app.screen
                            await pilot.press(dialog_key)
                            await settle(pilot, app)
        await answers(pilot, app)
        # Every dialog the keys open on this engine was driven: keys, launcher, confirm.
        assert {"HelpScreen", "LauncherScreen", "ConfirmScreen"} <= dialogs, dialogs
        assert {"question_mark", "slash", "o", "O", "home", "end", "n", "d", "f2"} <= set(pressed)
        await pilot.press("q")
        await pilot.pause(0.2)
        assert not app.is_running
    assert app.return_code == 0
