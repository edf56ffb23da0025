"""The dashboard survives its engine restarting, and then shows the truth (a private engine)."""

from __future__ import annotations

import asyncio

from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine
from test_app import shown_names, until, visible_text

from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live
from tui.ui.app import NetdockApp


async def test_the_app_survives_an_engine_restart_and_shows_the_truth_after_it():
    with PrivateEngine("restart") as engine:
        engine.load_test_image()
        run = ("run", "-d", "--stop-timeout", "1")
        engine.docker(*run, "--name", "keeper", "--restart", "always", TEST_IMAGE, *SLEEP)
        engine.docker(*run, "--name", "transient", TEST_IMAGE, *SLEEP)
        app = NetdockApp(Live(DockerBackend(resolve_endpoint(engine.host))))
        async with app.run_test(size=(200, 50)) as pilot:
            await until(
                pilot,
                lambda: (
                    app.state.connection.link is Link.LIVE
                    and {"keeper", "transient"} <= set(shown_names(app))
                ),
                timeout=10,
            )
            before = app.state.container("keeper").started_at

            links, rows, headers = set(), set(), []
            restart = asyncio.create_task(asyncio.to_thread(engine.restart))
            while not restart.done():
                links.add(app.state.connection.link)
                rows.add(len(shown_names(app)))
                if app.state.connection.link is not Link.LIVE:
                    headers.append(visible_text(app).split("\n")[0])
                await pilot.pause(0.02)
            await restart

            assert links & {Link.RECONNECTING, Link.DOWN}, "the outage was shown"
            assert any("reconnecting" in h or "no engine" in h for h in headers)
            assert rows == {2}, "what was shown stayed on screen during the outage"

            # The truth after the restart: the one without a restart policy is down, the
            # other one came back (a new start), and new events flow again.
            await until(pilot, lambda: app.state.connection.link is Link.LIVE, timeout=15)
            await until(
                pilot,
                lambda: (
                    app.state.container("transient").state == "exited"
                    and app.state.container("keeper").state == "running"
                    and app.state.container("keeper").started_at != before
                ),
                timeout=15,
            )
            await asyncio.to_thread(engine.docker, *run, "--name", "newcomer", TEST_IMAGE, *SLEEP)
            await until(pilot, lambda: "newcomer" in shown_names(app), timeout=5)
