"""The table of our own: keyed diffs against a reference, cursor and scroll kept, keys and
mouse, what a 10,000-row update costs to draw, and columns that give way to a narrow screen."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult

from tui.ui.columns import Column
from tui.ui.widgets.table import LINE_CACHE, KeyedTable

COLUMNS = [Column("name", "NAME"), Column("value", "VALUE")]


class TableApp(App[None]):
    def __init__(self, columns: list[Column] = COLUMNS) -> None:
        super().__init__()
        self.columns = columns
        self.highlighted: list[str | None] = []
        self.selected: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield KeyedTable(self.columns)

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        self.selected.append(event.key)


def rows_of(n: int, value: str = "v") -> dict[str, tuple[str, str]]:
    return {f"k{i:05d}": (f"row {i}", value) for i in range(n)}


def screen_lines(table: KeyedTable) -> list[str]:
    """The table's lines as drawn (header first), trailing blanks dropped."""
    height = table.scrollable_content_region.height
    return [table.render_line(y).text.rstrip() for y in range(height)]


def expected_lines(table: KeyedTable, rows: dict, order: list[str]) -> list[str]:
    top = round(table.scroll_y)
    shown = order[top : top + table.scrollable_content_region.height - 1]
    return [f"{rows[k][0]} {rows[k][1]}" for k in shown]


def squeeze(line: str) -> str:
    return " ".join(line.split())


# A step: the rows (key -> value) and their order, drawn from a small key space so that
# steps insert, update, remove and reorder the same rows.
steps = st.lists(
    st.dictionaries(
        st.sampled_from([f"k{i}" for i in range(12)]),
        st.sampled_from(["a", "bb", "ccc", "", "dddddddddd"]),
        max_size=12,
    ).flatmap(lambda rows: st.tuples(st.just(rows), st.permutations(sorted(rows)))),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
async def test_keyed_diffs_match_a_reference_list(sequence) -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(KeyedTable)

        def shows(rows: dict[str, tuple[str, str]], order: list[str], before: str | None) -> None:
            # The first column as wide as its widest cell now (or its label), however
            # wide the rows that left or narrowed were.
            widest = max((len(name) for name, _ in rows.values()), default=0)
            assert table.render_line(0).text.index("VALUE") == 1 + max(len("NAME"), widest) + 2
            assert list(table.order) == list(order)
            assert {key: table.get_row(key) for key in order} == rows
            lines = [squeeze(line) for line in screen_lines(table)[1:] if line.strip()]
            assert lines == [squeeze(line) for line in expected_lines(table, rows, order)]
            if before in rows:  # the cursor stays on its row wherever it moved
                assert table.selected_key == before
            assert (table.selected_key is None) == (not rows)

        for values, order in sequence:
            rows = {key: (value, key) for key, value in values.items()}
            before = table.selected_key
            table.sync(rows, order)
            await pilot.pause()
            shows(rows, order, before)
            # Every other row changed in place (a sample's rates), wider or narrower.
            changed = {key: (rows[key][0][::2] + "~" * len(key), key) for key in order[::2]}
            before = table.selected_key
            table.update(changed)
            await pilot.pause()
            shows({**rows, **changed}, order, before)


async def test_cursor_and_scroll_stay_across_inserts_updates_and_removals() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(KeyedTable)
        rows = rows_of(300)
        table.sync(rows, sorted(rows))
        await pilot.pause()
        await pilot.press("pagedown", "pagedown", "down", "down")
        key, top = table.selected_key, table.scroll_y
        assert key == "k00040" and top > 0
        # A new row above, one updated, one removed below: same row, same scroll.
        rows = {**rows, "a-first": ("first", "new")}
        rows["k00041"] = ("row 41", "changed")
        del rows["k00200"]
        table.sync(rows, sorted(rows))
        await pilot.pause()
        assert table.selected_key == key
        assert table.cursor_row == 41
        assert table.scroll_y == top
        # The selected row leaves: the cursor stays on its line, on the next row.
        del rows[key]
        table.sync(rows, sorted(rows))
        await pilot.pause()
        assert table.selected_key == "k00041"
        assert app.highlighted[-1] == "k00041"


async def test_keys_and_mouse_move_the_cursor_and_select() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(KeyedTable)
        rows = rows_of(50)
        table.sync(rows, sorted(rows))
        await pilot.pause()
        assert table.selected_key == "k00000"
        await pilot.press("end")
        assert table.selected_key == "k00049"
        assert screen_lines(table)[-1].split()[:2] == ["row", "49"]
        await pilot.press("home", "down", "down")
        assert table.selected_key == "k00002"
        await pilot.press("pagedown")
        assert table.cursor_row == 2 + table.scrollable_content_region.height - 1
        await pilot.press("home")
        await pilot.click(KeyedTable, offset=(3, 4))  # the fourth row (the header is line 0)
        assert table.selected_key == "k00003"
        await pilot.click(KeyedTable, offset=(3, 4))
        await pilot.press("enter")
        assert app.selected == ["k00003", "k00003"]
        await pilot.click(KeyedTable, offset=(3, 0))  # the header selects nothing
        assert table.selected_key == "k00003"
        assert app.highlighted[0] == "k00000" and app.highlighted[-1] == "k00003"
        table.post_message(events.MouseScrollDown(table, 3, 4, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_y > 0 and table.selected_key == "k00003"  # wheel scrolls only


async def test_ten_thousand_rows_draw_only_what_is_on_screen_and_what_changed() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one(KeyedTable)
        rows = rows_of(10_000)
        order = sorted(rows)
        table.sync(rows, order)
        await pilot.pause()
        visible = table.scrollable_content_region.height - 1
        assert table.rows_rendered <= visible
        drawn = table.rows_rendered
        # One cell of a visible row changes (no wider: a wider column redraws every line),
        # one far-away row goes, one arrives below.
        rows["k00003"] = ("row 3", "x")
        del rows["k05000"]
        rows["k99999"] = ("last", "n")
        order = sorted(rows)
        table.sync(rows, order)
        await pilot.pause()
        assert table.rows_rendered - drawn == 1
        assert screen_lines(table)[4].split() == ["row", "3", "x"]
        # In place (a sample's rates): the one line on screen drawn again, nothing moves.
        drawn = table.rows_rendered
        table.update({"k00003": ("row 3", "y"), "k07000": ("row 7000", "y")})
        await pilot.pause()
        assert table.rows_rendered - drawn == 1
        assert screen_lines(table)[4].split() == ["row", "3", "y"]
        assert table.get_row("k07000") == ("row 7000", "y") and list(table.order) == order
        assert (table.selected_key, table.scroll_y) == ("k00000", 0)
        with pytest.raises(KeyError, match="nowhere"):  # not a row: refused, nothing changed
            table.update({"k00004": ("row 4", "z"), "nowhere": ("?", "?")})
        assert table.get_row("k00004") == rows["k00004"]
        # A reorder of 10,000 rows redraws the screenful, not the table.
        drawn = table.rows_rendered
        table.sync(rows, order[::-1])
        await pilot.pause()
        assert table.rows_rendered - drawn <= visible
        assert table.selected_key == "k00000"  # the cursor followed its row to the end
        assert table.cursor_row == len(rows) - 1


async def test_a_table_taller_than_its_line_cache_scrolls_back_without_drawing() -> None:
    # The cache keeps a few lines only (each is kB), but always the screenful on screen
    # and the one before: paging back draws nothing again, however tall the terminal.
    app = TableApp()
    async with app.run_test(size=(60, LINE_CACHE + 40)) as pilot:
        table = app.query_one(KeyedTable)
        rows = rows_of(10_000)
        table.sync(rows, sorted(rows))
        await pilot.pause()
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert table.scroll_offset.y > LINE_CACHE
        drawn = table.rows_rendered
        await pilot.press("pageup", "pageup", "pageup")
        await pilot.pause()
        assert table.scroll_offset.y == 0 and table.cursor_row == 0
        # At most the rows the cursor lands on, drawn with the cursor.
        assert table.rows_rendered - drawn <= 2


async def test_columns_give_way_in_their_order_and_wide_shows_them_all() -> None:
    columns = [
        Column("name", "NAME", min_width=6),
        Column("mac", "MAC", drop=1),
        Column("networks", "NETWORKS", drop=2),
        Column("ports", "PORTS", min_width=8, fold=lambda text, width: text[: width - 2] + "+1"),
    ]
    app = TableApp(columns)
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(KeyedTable)
        rows = {"a": ("web-frontend", "02:42:ac:11:00:02", "front, back", "0.0.0.0:8080->80/tcp")}
        table.sync(rows, ["a"])
        await pilot.pause()
        assert table.shown_columns == ["name", "mac", "networks", "ports"]
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        assert table.shown_columns == ["name", "networks", "ports"]
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert table.shown_columns == ["name", "ports"]
        line = squeeze(screen_lines(table)[1])
        assert line == "web-frontend 0.0.0.0:8080+1"  # PORTS folded, NAME whole
        table.wide = True
        await pilot.pause()
        assert table.shown_columns == ["name", "mac", "networks", "ports"]
        assert table.virtual_size.width > 30  # scrolls sideways


async def test_text_cells_keep_their_style_and_the_sort_marker_shows() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync({"a": (Text("web", style="bold red"), "[not markup]")}, ["a"])
        table.set_sort_marker("value", reverse=True)
        await pilot.pause()
        assert squeeze(screen_lines(table)[0]) == "NAME VALUE ▼"
        line = table.render_line(1)
        assert squeeze(line.text) == "web [not markup]"
        styles = [segment.style for segment in line if segment.text.strip() == "web"]
        assert styles and styles[0].bold and styles[0].color.name == "red"


async def test_a_cell_that_changes_only_its_style_is_redrawn() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync({"a": ("web", Text("0.0.0.0:80->80/tcp"))}, ["a"])
        await pilot.pause()
        table.sync({"a": ("web", Text("0.0.0.0:80->80/tcp", style="dim"))}, ["a"])
        await pilot.pause()
        styles = [s.style for s in table.render_line(1) if "0.0.0.0" in s.text]
        assert styles and styles[0].dim


async def test_select_key_moves_the_cursor_to_a_shown_row_only() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(KeyedTable)
        rows = rows_of(40)
        table.sync(rows, sorted(rows))
        await pilot.pause()
        assert table.select_key("k00030") and table.selected_key == "k00030"
        assert table.scroll_y > 0  # scrolled into view
        assert not table.select_key("elsewhere") and table.selected_key == "k00030"


def test_last_resort_columns_of_one_rank_give_way_together():
    """RX without TX would read as all the traffic: the pair goes, or stays, as one."""
    from tui.ui.columns import LAST_RESORT, layout

    columns = [Column("name", "NAME"), Column("rx", "RX", drop=LAST_RESORT),
               Column("tx", "TX", drop=LAST_RESORT)]  # fmt: skip
    natural = [20, 8, 8]
    # Room for NAME and one rate (with padding), not for both.
    shown = [i for i, _ in layout(columns, natural, 33, wide=False)]
    assert shown == [0]
    assert [i for i, _ in layout(columns, natural, 60, wide=False)] == [0, 1, 2]


def test_an_engine_named_by_a_long_address_does_not_push_the_table_past_80_columns():
    from tui.ui.columns import containers_columns, layout, natural_width, total

    columns = containers_columns(several=True)
    cells = {
        "name": "web-frontend-1", "state": "running", "mode": "bridge",
        "engine": "tcp://build-server.internal.example.com:2376", "ipv4": "172.17.0.2",
        "ports": "0.0.0.0:8080->80/tcp", "namespace": "", "up": "2 hours",
        "rx": "0 B/s", "tx": "0 B/s", "mac": "02:42:ac:11:00:02", "networks": "bridge",
    }  # fmt: skip
    natural = [natural_width(c, len(cells.get(c.key, ""))) for c in columns]
    shown = layout(columns, natural, 80, wide=False)
    assert total([w for _, w in shown], range(len(shown))) <= 80
    assert "engine" in [columns[i].key for i, _ in shown]
    # With room, the label is cut last: the other columns fold first (two hosts of one
    # subnet differ in their last digits).
    cells["engine"] = "10.254.36.122:2376"
    natural = [natural_width(c, len(cells.get(c.key, ""))) for c in columns]
    widths = {columns[i].key: w for i, w in layout(columns, natural, 100, wide=False)}
    assert widths["engine"] == len("10.254.36.122:2376") and widths["ports"] < len(cells["ports"])


class CountingTable(KeyedTable):
    """Counts the lines Textual asks for: what an update costs the screen."""

    asked = 0

    def render_line(self, y: int):
        self.asked += 1
        return super().render_line(y)


class CountingApp(TableApp):
    def compose(self) -> ComposeResult:
        yield CountingTable(self.columns)


async def test_a_changed_cell_redraws_its_line_only_and_a_steady_column_holds_its_width(
    monkeypatch,
) -> None:
    """The rates change every second, a row or two at a time, between widths (``0 B/s``,
    ``84 B/s``): neither the other lines nor the columns may move each time."""
    columns = [Column("name", "NAME"), Column("rx", "RX", steady=True)]
    app = CountingApp(columns)
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(CountingTable)
        rows = {f"k{i:02d}": (f"row {i}", "0 B/s") for i in range(30)}
        rows["k05"] = ("row 5", "84 B/s")
        order = sorted(rows)
        table.sync(rows, order)
        await pilot.pause()
        width = table.virtual_size.width
        changes = [("k02", "84 B/s"), ("k02", "0 B/s"), ("k05", "0 B/s"), ("k02", "1.2 kB/s")]
        for key, rate in changes:
            asked = table.asked
            rows[key] = (rows[key][0], rate)
            table.sync(rows, order)
            await pilot.pause()
            drawn = table.asked - asked
            line = screen_lines(table)[order.index(key) + 1]
            assert line.split()[-2:] == rate.split()
            if rate == "1.2 kB/s":  # wider than any before: the column widens at once
                assert table.virtual_size.width == width + 2
                break
            assert drawn == 1, f"{key} {rate}: more than the row's line drawn"
            assert table.virtual_size.width == width, "the columns moved"
        # Once the widest value is long gone, the column narrows.
        monkeypatch.setattr("tui.ui.widgets.table.STEADY_SECONDS", 0.0)
        rows["k02"] = ("row 2", "1 B/s")
        table.sync(rows, order)
        await pilot.pause()
        assert table.virtual_size.width == width - 1  # "1 B/s", as "RX" is narrower
