"""The timeline tab on a fake engine: a change appears on top, the filter narrows, Enter goes
to the container, and the engine's hour before netdock started is shown below."""

from __future__ import annotations

import copy

from fakes import FakeBackend, container_event
from test_app import FROZEN, shown_names, until, visible_text

from tui.core.changes import Kind
from tui.core.config import Config
from tui.core.state import Link
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.timeline import TimelineTab


def timeline_rows(app: NetdockApp) -> list[list[str]]:
    table = app.query_one(TimelineTab).table
    return [[str(cell) for cell in table.get_row(key)] for key in table.order]


async def test_a_restart_shows_on_top_the_filter_narrows_and_enter_goes_to_the_container():
    past = [
        {**container_event("start", "f" * 64, time_nano=1_764_600_000_000_000_000),
         "Actor": {"ID": "f" * 64, "Attributes": {"name": "old-one"}}}
    ]  # fmt: skip
    backend = FakeBackend(past=past)
    app = NetdockApp(Live(backend), now=lambda: FROZEN, config=Config(timeline_limit=50))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.state.synced and app.state.connection.link is Link.LIVE)
        await pilot.press("5")
        await until(pilot, lambda: any("old-one" in r for r in timeline_rows(app)))
        assert "before netdock started" in visible_text(app)

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
