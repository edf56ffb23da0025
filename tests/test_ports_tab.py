"""The ports tab on hand-made states: what a user sees, selects and filters."""

from __future__ import annotations

from port_states import bound, created, demo, proxy, published, running, state, wants
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.core.model import Listener
from tui.core.state import HostState
from tui.ui.tabs.ports import CONFLICT_STYLE, WARNING_STYLE, PortsTab
from tui.ui.widgets.table import KeyedTable


class PortsApp(App[None]):
    def __init__(self, first: HostState) -> None:
        super().__init__()
        self.first = first

    def compose(self) -> ComposeResult:
        yield PortsTab()

    def on_mount(self) -> None:
        self.query_one(PortsTab).show_state(self.first)
        self.query_one(KeyedTable).focus()


WEB = running("web", *published(9090))
OLD = created("old", wants(9090))
LOCAL = running("local", bound(8080, "127.0.0.1"))
RANGED = running("ranged", *published(40000))
SSH = Listener("tcp", "0.0.0.0", 22, 1, "sshd")
HOST = state(WEB, OLD, LOCAL, RANGED, listeners=[SSH, proxy(9090), proxy(9090, "::")])


def table_rows(app: App[None]) -> list[list[str]]:
    table = app.query_one(KeyedTable)
    return [[Text(str(c)).plain for c in table.get_row(key)] for key in table.order]


def row_style(app: App[None], index: int) -> str:
    table = app.query_one(KeyedTable)
    cell = table.get_row(table.order[index])[1]
    assert isinstance(cell, Text)
    return str(cell.style)


def detail(app: App[None]) -> str:
    content = app.query_one("#ports-detail", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def test_bindings_and_listeners_in_port_order_with_collisions_lit() -> None:
    app = PortsApp(HOST)
    async with app.run_test():
        rows = table_rows(app)
        # The engine's proxies are not rows of their own: their bindings are.
        assert [(r[1], r[2], r[4], r[8]) for r in rows] == [
            ("0.0.0.0", "22", "sshd (pid 1)", ""),
            ("127.0.0.1", "8080", "local", ""),
            ("0.0.0.0", "9090", "old", "held"),
            ("0.0.0.0", "9090", "web", "held"),
            ("::", "9090", "web", ""),
            ("0.0.0.0", "40000", "ranged", "in-dynamic-range"),
            ("::", "40000", "ranged", "in-dynamic-range"),
        ]
        assert [row_style(app, i) for i in range(len(rows))] == [
            "",
            "",
            CONFLICT_STYLE,
            CONFLICT_STYLE,
            "",
            WARNING_STYLE,
            WARNING_STYLE,
        ]
        assert rows[2][0] == "✖" and rows[5][0] == "!"


async def test_the_pane_explains_the_selected_collision() -> None:
    app = PortsApp(HOST)
    async with app.run_test() as pilot:
        assert "No collision on this port" in detail(app)  # sshd, first row
        await pilot.press("down", "down")
        text = detail(app)
        assert text.startswith("old  0.0.0.0:9090 → 80/tcp, created, configured, fixed")
        assert "collision: held" in text and "parties: old, web" in text
        assert '"Bind for 0.0.0.0:9090 failed: port is already allocated"' in text


async def test_the_toggle_shows_only_collisions_and_back() -> None:
    app = PortsApp(HOST)
    async with app.run_test() as pilot:
        await pilot.press("c")
        assert [(r[2], r[4]) for r in table_rows(app)] == [
            ("9090", "old"),
            ("9090", "web"),
            ("40000", "ranged"),
            ("40000", "ranged"),
        ]
        await pilot.press("c")
        assert len(table_rows(app)) == 7


async def test_a_new_state_keeps_the_cursor_on_its_row() -> None:
    app = PortsApp(HOST)
    async with app.run_test() as pilot:
        await pilot.press("down", "down", "down")  # web's 0.0.0.0:9090
        table = app.query_one(KeyedTable)
        selected = table.selected_key
        # old is removed (the collision goes), a new container's row lands above.
        later = state(
            created("first", wants(21)),
            WEB,
            LOCAL,
            RANGED,
            listeners=[SSH, proxy(9090), proxy(9090, "::")],
        )
        app.query_one(PortsTab).show_state(later)
        await pilot.pause()
        assert table.selected_key == selected
        rows = table_rows(app)
        assert rows[table.cursor_row][4] == "web"
        assert [r[4] for r in rows][:3] == ["first", "sshd (pid 1)", "local"]
        assert rows[table.cursor_row][8] == ""
        assert "No collision on this port" in detail(app)


async def test_a_clean_host_shows_no_collision_and_the_filter_says_so() -> None:
    app = PortsApp(state(running("a", *published(32768, dynamic=True))))
    async with app.run_test() as pilot:
        assert {r[8] for r in table_rows(app)} == {""}
        await pilot.press("c")
        assert table_rows(app) == []
        assert detail(app) == "No collisions."


def test_snapshot_of_each_kind_with_the_pane_explaining_one(snap_compare) -> None:
    assert snap_compare(PortsApp(demo()), terminal_size=(116, 32), press=["down"] * 7)
