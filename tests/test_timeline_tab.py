"""The timeline tab on a fake engine: a change appears on top, the filter narrows, Enter goes
to the container or the network, and the engine's hour before netdock started is shown
below; Enter on a network change against the real engine too."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta

import humanize
from fakes import FakeBackend, container_event
from test_app import FROZEN, shown_names, until, visible_text

from tui.core.changes import Kind
from tui.core.config import Config
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.timeline import TimelineTab

PAST = datetime(2025, 12, 1, 14, 40, tzinfo=UTC)
"""When the engine's past event of the first test happened."""


def timeline_rows(app: NetdockApp) -> list[list[str]]:
    table = app.query_one(TimelineTab).table
    return [[str(cell) for cell in table.get_row(key)] for key in table.order]


async def test_a_restart_shows_on_top_the_filter_narrows_and_enter_goes_to_the_container():
    past = [
        {**container_event("start", "f" * 64, time_nano=int(PAST.timestamp()) * 10**9),
         "Actor": {"ID": "f" * 64, "Attributes": {"name": "old-one"}}}
    ]  # fmt: skip
    backend = FakeBackend(past=past)
    moment = [FROZEN]
    app = NetdockApp(Live(backend), now=lambda: moment[0], config=Config(timeline_limit=50))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and app.state.connection.link is Link.LIVE)
        await pilot.press("5")
        await until(pilot, lambda: any("old-one" in r for r in timeline_rows(app)))
        assert "before netdock started" in visible_text(app)
        # Its age, in words, follows the clock's ticks.
        told = next(r[0] for r in timeline_rows(app) if "old-one" in r)
        moment[0] += timedelta(days=400)
        app._clock()
        await pilot.pause()
        aged = next(r[0] for r in timeline_rows(app) if "old-one" in r)
        assert aged != told and aged == humanize.naturaltime(moment[0] - PAST)

        web = next(c for c in backend.containers.values() if c["Name"] == "/ndcap-specific")
        doc = copy.deepcopy(web)
        doc["NetworkSettings"]["IPAddress"] = "172.17.0.99"
        for ep in doc["NetworkSettings"]["Networks"].values():
            ep["IPAddress"] = "172.17.0.99"
        doc["State"]["StartedAt"] = "2030-01-01T00:00:00.000000000Z"
        backend.containers[doc["Id"]] = doc
        backend.push(container_event("restart", doc["Id"]))
        await until(pilot, lambda: timeline_rows(app)[0][2] != "" and
                    any(r[2] == Kind.ADDRESS_CHANGED for r in timeline_rows(app)))  # fmt: skip
        top = timeline_rows(app)[:2]
        assert {r[3] for r in top} == {"ndcap-specific"}
        assert any("172.17.0.99" in r[4] for r in timeline_rows(app))

        await pilot.press("slash", *"kind:address")
        assert {r[2] for r in timeline_rows(app)} == {Kind.ADDRESS_CHANGED}
        await pilot.press("enter")  # the filter hands the keys to the table
        await pilot.press("enter")  # Enter on the change: its container
        await until(pilot, lambda: app.query_one("TabbedContent").active == "containers")
        assert shown_names(app) == ["ndcap-specific"]
        await pilot.press("escape")
        assert len(shown_names(app)) == 11


def network_event(action: str, nid: str, name: str, container: str = "") -> dict:
    attributes = {"name": name, "type": "bridge"}
    if container:
        attributes["container"] = container
    return {"Type": "network", "Action": action, "timeNano": 2,
            "Actor": {"ID": nid, "Attributes": attributes}}  # fmt: skip


async def pick(pilot, app: NetdockApp, query: str) -> None:
    """On the timeline: filter by ``query``, then Enter on the newest change that matches."""
    await pilot.press("5", "escape", "slash", *query)
    await until(pilot, lambda: timeline_rows(app) and timeline_rows(app)[0][2] != "")
    await pilot.press("enter", "enter")


async def test_enter_on_a_network_change_selects_the_network_and_a_gone_one_is_said_so():
    backend = FakeBackend()
    app = NetdockApp(Live(backend), now=lambda: FROZEN)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and app.state.connection.link is Link.LIVE)
        front = next(n for n in backend.networks.values() if n["Name"] == "ndcap-front")
        made = {**copy.deepcopy(front), "Id": "e" * 64, "Name": "ndtest-made"}
        backend.networks[made["Id"]] = made
        backend.push(network_event("create", made["Id"], "ndtest-made"))
        await until(pilot, lambda: app.state.network_by_name("ndtest-made") is not None)

        await pick(pilot, app, "kind:network-created")
        await until(pilot, lambda: app.query_one("TabbedContent").active == "networks")
        await until(pilot, lambda: app.networks.table.selected_key == made["Id"])
        assert "ndtest-made" in str(app.query_one("#network-detail").render())
        await pilot.press("up")  # the keys are the networks table's now
        assert app.networks.table.selected_key != made["Id"]

        # A container connected to a network: Enter goes to that network.
        web = next(c for c in backend.containers.values() if c["Name"] == "/ndcap-web")
        multi = next(c for c in backend.containers.values() if c["Name"] == "/ndcap-multi")
        back = next(n for n in backend.networks.values() if n["Name"] == "ndcap-back")
        endpoint = copy.deepcopy(multi["NetworkSettings"]["Networks"]["ndcap-back"])
        endpoint.update(IPAddress="172.30.9.9", MacAddress="02:42:ac:1e:09:09")
        web["NetworkSettings"]["Networks"]["ndcap-back"] = endpoint
        backend.push(network_event("connect", back["Id"], "ndcap-back", web["Id"]))
        await until(pilot, lambda: "ndcap-back" in {
            ep.network for ep in app.state.containers[web["Id"]].endpoints})  # fmt: skip
        await pick(pilot, app, "kind:endpoint-connected")
        await until(pilot, lambda: app.query_one("TabbedContent").active == "networks")
        await until(pilot, lambda: app.networks.table.selected_key == back["Id"])

        # Removed: Enter says it is gone and the timeline stays on screen.
        del backend.networks[made["Id"]]
        backend.push(network_event("destroy", made["Id"], "ndtest-made"))
        await until(pilot, lambda: app.state.network_by_name("ndtest-made") is None)
        await pick(pilot, app, "kind:network-removed")
        await until(pilot, lambda: "network ndtest-made is gone: the engine no longer has it"
                    in [n.message for n in app._notifications])  # fmt: skip
        assert app.query_one("TabbedContent").active == "timeline"
        assert timeline_rows(app)[0][2] == Kind.NETWORK_REMOVED
        await pilot.press("escape")  # the filter clears, every change is back
        await until(pilot, lambda: len(timeline_rows(app)) > 2)


async def test_real_engine_enter_on_a_created_network_selects_it_then_gone_is_said(lab):
    app = NetdockApp(Live(DockerBackend(resolve_endpoint())))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(
            pilot, lambda: app.state.connection.link is Link.LIVE and app.state.synced, timeout=10
        )
        net = await asyncio.to_thread(lab.network, "jump")
        await until(pilot, lambda: app.state.network_by_name(net) is not None, timeout=5)
        await pick(pilot, app, net)
        await until(pilot, lambda: app.query_one("TabbedContent").active == "networks")
        wanted = app.state.network_by_name(net).id
        await until(pilot, lambda: app.networks.table.selected_key == wanted)
        await asyncio.to_thread(lab.docker, "network", "rm", net)
        await until(pilot, lambda: app.state.network_by_name(net) is None, timeout=5)
        await pick(pilot, app, net)  # its removal, newest
        await until(pilot, lambda: f"network {net} is gone: the engine no longer has it"
                    in [n.message for n in app._notifications])  # fmt: skip
        assert app.query_one("TabbedContent").active == "timeline"
