"""The dashboard, driven by Pilot: over captured JSON (fake backend) and the real engine."""

from __future__ import annotations

import asyncio
import copy
import html
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from engine_helpers import SLEEP, TEST_IMAGE
from fakes import FakeBackend, container_event

from tui.core.rows import format_uptime
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.containers import ContainersTab

FROZEN = datetime(2026, 11, 28, 21, 0, 0, tzinfo=UTC)


async def until(pilot, condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Wait (without pressing anything) until ``condition`` holds; return the time it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout} s")
        await pilot.pause(0.02)
    return time.monotonic() - start


def visible_text(app: NetdockApp) -> str:
    """The characters on screen, as a user reads them (from the SVG export)."""
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


def shown_names(app: NetdockApp) -> list[str]:
    table = app.query_one(ContainersTab).table
    return [str(table.get_row(key)[1]) for key in table.order]


def fake_app(backend: FakeBackend | None = None) -> NetdockApp:
    return NetdockApp(Live(backend or FakeBackend()), now=lambda: FROZEN)


async def test_rows_appear_sorted_by_name_with_the_detail_of_the_selection():
    app = fake_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and len(shown_names(app)) == 11)
        assert shown_names(app) == sorted(shown_names(app))
        assert app.state.connection.link is Link.LIVE
        detail = str(app.query_one("#detail").render())
        assert "ndcap-chained" in detail and "ndcap-chained -> ndcap-sidecar -> ndcap-web" in detail


async def test_filter_by_port_ip_and_name_and_escape_clears():
    app = fake_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and len(shown_names(app)) == 11)
        await pilot.press("slash", *"5353")
        assert shown_names(app) == ["ndcap-specific"]
        await pilot.press("escape")
        assert len(shown_names(app)) == 11
        await pilot.press("slash", *"172.17.0.2")
        # the web container and both that share its namespace have that address
        assert shown_names(app) == ["ndcap-chained", "ndcap-sidecar", "ndcap-web"]


async def test_live_updates_keep_cursor_filter_and_sort():
    backend = FakeBackend()
    app = fake_app(backend)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and len(shown_names(app)) == 11)
        await pilot.press("o")  # sort by state
        tab = app.query_one(ContainersTab)
        assert tab.sort_field == "state"
        await pilot.press("down", "down", "down")
        chosen = tab.table.selected_key
        # the engine renames another container: an event, a re-inspect, a new row value
        doc = copy.deepcopy(backend.containers[next(k for k in backend.containers if k != chosen)])
        doc["Name"] = "/zz-renamed"
        backend.containers[doc["Id"]] = doc
        backend.push(container_event("rename", doc["Id"]))
        await until(pilot, lambda: "zz-renamed" in shown_names(app))
        assert tab.table.selected_key == chosen and tab.sort_field == "state"


async def test_an_event_builds_again_only_the_rows_it_touched(monkeypatch):
    import tui.ui.tabs.containers as containers_tab

    built: list[str] = []
    real_row = containers_tab.container_row

    def counting_row(state, container, now, counts):
        built.append(container.name)
        return real_row(state, container, now, counts)

    monkeypatch.setattr(containers_tab, "container_row", counting_row)
    backend = FakeBackend()
    moment = [FROZEN]
    app = NetdockApp(Live(backend), now=lambda: moment[0])
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and len(shown_names(app)) == 11)
        await pilot.pause()
        built.clear()

        # The owner that ndcap-chained joins is renamed: its row, and the joiner's (which
        # names it), are built again; the nine others are not.
        async def rename(name: str, new: str) -> None:
            cid = next(k for k, c in app.state.containers.items() if c.name == name)
            doc = copy.deepcopy(backend.containers[cid])
            doc["Name"] = f"/{new}"
            backend.containers[cid] = doc
            backend.push(container_event("rename", cid))
            await until(pilot, lambda: new in shown_names(app))
            await pilot.pause()

        await rename("ndcap-sidecar", "zz-sidecar")
        assert sorted(set(built)) == ["ndcap-chained", "zz-sidecar"]
        table = app.query_one(ContainersTab).table
        chained = next(k for k in table.order if str(table.get_row(k)[1]) == "ndcap-chained")
        assert "-> zz-sidecar" in [str(cell) for cell in table.get_row(chained)]
        # A container that shares no namespace: the repaint reads its row alone, not the
        # ten others' inputs (an event on a host of 1,000 costs one row, not 1,000).
        read: list[str] = []
        real_inputs = containers_tab.row_inputs

        def counting_inputs(state, container):
            read.append(container.name)
            return real_inputs(state, container)

        monkeypatch.setattr(containers_tab, "row_inputs", counting_inputs)
        await rename("ndcap-specific", "zz-specific")
        assert set(read) == {"zz-specific"}
        # Uptimes, in words, age: the clock gives the rows whose words changed their new
        # UP cell, and builds no row again.
        built.clear()
        before = {k: tuple(map(str, table.get_row(k))) for k in table.order}
        app._clock()
        await pilot.pause()
        assert built == [] and before == {k: tuple(map(str, table.get_row(k))) for k in table.order}
        moment[0] += timedelta(days=400)
        app._clock()
        await pilot.pause()
        assert built == [], "the clock builds no row again"
        up_column = [c.label for c in table.columns].index("UP")
        assert any(table.get_row(k)[up_column] for k in table.order), "some rows have an uptime"
        for key in table.order:
            row, was = [str(cell) for cell in table.get_row(key)], before[key]
            words = format_uptime(app.state.containers[key], moment[0])
            assert row[up_column] == words and (not words or was[up_column] != words)
            assert row[:up_column] + row[up_column + 1 :] == [
                *was[:up_column],
                *was[up_column + 1 :],
            ], "nothing but UP changed"
        # The detail reads the clock too: the selected container's uptime follows.
        selected = app.state.containers[table.selected_key]
        assert selected.running
        detail = str(app.query_one("#detail").render())
        assert f"up {format_uptime(selected, moment[0])}" in detail
        assert f"up {format_uptime(selected, FROZEN)}" not in detail

        # With a filter on, the rows shown age in place and the hidden ones with them.
        def uptimes_are_now() -> bool:
            return all(
                str(table.get_row(k)[up_column])
                == format_uptime(app.state.containers[k], moment[0])
                for k in table.order
            )

        await pilot.press("slash", *"ndcap-web")
        await until(pilot, lambda: shown_names(app) == ["ndcap-web"])
        moment[0] += timedelta(days=400)
        app._clock()
        await pilot.pause()
        assert uptimes_are_now()
        await pilot.press("escape")
        await until(pilot, lambda: len(shown_names(app)) == 11)
        assert uptimes_are_now() and built == [], "the hidden rows aged meanwhile"


async def test_a_dropped_stream_reconnects_and_resyncs_to_the_truth():
    backend = FakeBackend()
    app = fake_app(backend)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and len(shown_names(app)) == 11)
        backend.up = False
        backend.drop()
        await until(pilot, lambda: app.state.connection.link is not Link.LIVE)
        header = str(app.query_one("#header").render())
        assert "reconnecting" in header or "no engine" in header
        assert len(shown_names(app)) == 11, "what was shown stays while the engine is away"
        gone = next(iter(backend.containers))
        del backend.containers[gone]
        backend.listing = [c for c in backend.listing if c["Id"] != gone]
        backend.up = True
        await until(
            pilot,
            lambda: app.state.connection.link is Link.LIVE and len(shown_names(app)) == 10,
            timeout=10,
        )


async def test_no_engine_at_start_says_so_and_keeps_trying():
    backend = FakeBackend(endpoint="unix:///run/nothing.sock")
    backend.up = False
    app = fake_app(backend)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.connection.attempt >= 2, timeout=5)
        header = str(app.query_one("#header").render())
        assert "no engine" in header and "unix:///run/nothing.sock" in header
        backend.up = True
        await until(pilot, lambda: app.state.connection.link is Link.LIVE, timeout=10)


async def test_help_lists_the_bindings():
    app = fake_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = visible_text(app)
        assert "netdock keys" in text
        assert "Filter" in text and "Quit" in text and "Sort" in text


async def test_real_engine_container_started_after_launch_shows_without_a_key(lab):
    app = NetdockApp(Live(DockerBackend(resolve_endpoint())))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(
            pilot, lambda: app.state.connection.link is Link.LIVE and app.state.synced, timeout=10
        )
        name = await asyncio.to_thread(lab.run, "-p", "127.0.0.1:18090:80", TEST_IMAGE)
        tab = app.query_one(ContainersTab)

        def row(name: str) -> list[str]:
            return [str(cell) for cell in tab.table.get_row(app.state.container(name).id)]

        await until(
            pilot, lambda: name in shown_names(app) and row(name)[2] == "running", timeout=2
        )
        assert row(name)[7] == "127.0.0.1:18090->80/tcp, 443/tcp"
        side = await asyncio.to_thread(
            lab.run, "--network", f"container:{name}", TEST_IMAGE, *SLEEP
        )
        await until(pilot, lambda: side in shown_names(app), timeout=2)
        await asyncio.to_thread(lab.docker, "stop", "-t", "0", name)
        # Killed at once (-t 0): SIGKILL, exit code 137, as `docker ps` says "Exited (137)".
        await until(pilot, lambda: row(name)[2] == "exited (137)", timeout=5)
        assert row(name)[7] == "127.0.0.1:18090->80/tcp*, 443/tcp", "configured, not bound"
        await asyncio.to_thread(lab.docker, "rm", "-f", side)
        await until(pilot, lambda: side not in shown_names(app), timeout=2)
