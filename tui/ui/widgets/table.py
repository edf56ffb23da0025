"""A table of rows addressed by key, drawn line by line through Textual's Line API.

Built like Textual's ``Log`` and Textualize's toolong: a ``ScrollView`` whose virtual
canvas is one line per row plus the header, and ``render_line`` builds only the lines
on screen. A row's line is cached by what it shows (its cells, the column layout,
whether the cursor is on it), not by its position, so a row that moves or an update
that changes other rows costs nothing to redraw.

Costs, for n rows of which v are on screen and c changed:

- ``sync(rows, order)``: a Python loop of O(n) identity checks, the key set difference
  and the order list equality (in C), plus O(c) work for the changed rows, then O(v)
  to repaint; rows that did not change are not touched. ``update(rows)`` changes given
  rows in place: O(c), where a sample moves the rates of a few rows. Removing or
  inserting a row is a dict operation, O(1); a new order replaces the order list, O(n)
  in C.
- a key's position: O(1) from a key -> index dict, rebuilt lazily (O(n), once) only
  after the order changed and only when a position is asked for (the cursor's row).
- a column's width: each column counts its cells by width, so a row in, out or
  changed is O(1) per cell, and the widest is found again among the widths present
  (a handful), never by measuring every row.
- a changed row: only its cells that are not the same objects as before are measured
  (a sample changes the two rate cells of a row). Callers must not change a cell in
  place once given (Rich's Text is mutable): they give a new one.

Columns can be dropped as the width shrinks: each ``Column`` may carry a ``drop``
rank (1 goes first) and a ``min_width`` it may be folded down to; ``wide`` shows every
column at full width, scrolling horizontally if need be (k9s's wide view).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.ui.columns import PADDING, Column, fit, layout, marked, natural_width, total

Cell = str | Text
LINE_CACHE = 128
"""Lines drawn kept, beyond twice the table's height (what is on screen, and as much again
to scroll back to). A line is a few kB of Strip and Segments (and Textual's caches in each
Strip): only what may be shown again is worth keeping."""
# How long a steady column (the rates) keeps the width of a value no longer shown.
STEADY_SECONDS = 60.0


def signature(cell: Cell) -> Any:
    """What a cell shows, hashable: Text is not."""
    if isinstance(cell, Text):
        return (cell.plain, str(cell.style), tuple(cell.spans))
    return cell


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _fit(column: Column, cell: Cell, width: int) -> Text:
    """The cell as a Text exactly ``width`` cells wide, in its own style and spans."""
    if not isinstance(cell, Text):
        return Text(fit(column, cell, width))
    if column.fold is not None and cell_len(cell.plain) > width:
        return Text(fit(column, cell.plain, width), style=cell.style)
    text = cell.copy()
    text.truncate(width, overflow="ellipsis", pad=True)  # as fit() does, keeping the spans
    return text


class RowMessage(Message):
    """A row of a table: which one (its key) and where the cursor is."""

    def __init__(self, table: KeyedTable, key: str | None, cursor_row: int) -> None:
        super().__init__()
        self.table = table
        self.key = key
        self.cursor_row = cursor_row

    @property
    def control(self) -> KeyedTable:
        return self.table


class KeyedTable(ScrollView, can_focus=True):
    """Rows addressed by stable keys; ``sync`` never clears, so cursor and scroll stay."""

    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .keyed-table--header { background-tint: $foreground 5%; }
        }
        & > .keyed-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keyed-table--header", "keyed-table--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First row", show=False),
        Binding("end", "cursor_end", "Last row", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    wide: reactive[bool] = reactive(False, init=False)
    """Every column at full width, scrolling horizontally if need be."""

    class RowHighlighted(RowMessage):
        """The cursor is on another row (``key`` None: the table is empty)."""

    class RowSelected(RowMessage):
        """Enter, or a click on the row under the cursor."""

    def __init__(self, columns: Sequence[Column | tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.columns = [c if isinstance(c, Column) else Column(*c) for c in columns]
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._signatures: dict[str, tuple[Any, ...]] = {}
        self._order: list[str] = []
        self._index: dict[str, int] | None = {}
        # Per row, its cells' widths; per column, how many cells have each width.
        self._widths: dict[str, tuple[int, ...]] = {}
        self._width_counts: list[Counter[int]] = [Counter() for _ in self.columns]
        self._content_widths = [0 for _ in self.columns]
        # Per steady column: the width it keeps, and when a cell was last that wide.
        self._held: dict[int, tuple[int, float]] = {}
        self._sort: tuple[str, bool] | None = None
        # The layout: which columns show, at which width; every cached line depends on it.
        self._shown: tuple[tuple[int, int], ...] = ()
        self._cursor = 0
        self._cursor_key: str | None = None
        self._lines: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE)
        self.rows_rendered = 0
        """Row lines built (not taken from the cache): what an update cost to draw."""

    # data -------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def order(self) -> Sequence[str]:
        """The keys, top to bottom."""
        return self._order

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        return self._cursor_key

    def get_row(self, key: str) -> tuple[Cell, ...]:
        """The cells of the row ``key`` as last synced."""
        return self._cells[key]

    def index_of(self, key: str) -> int:
        """The position of ``key``, top row 0."""
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self._order)}
        return self._index[key]

    def sync(self, rows: Mapping[str, Sequence[Cell]], order: Sequence[str]) -> None:
        """Show exactly ``rows``, in ``order`` (their keys, sorted as wanted)."""
        reordered = False
        for key in self._cells.keys() - rows.keys():
            del self._cells[key], self._signatures[key]
            self._count_widths(self._widths.pop(key), ())
            reordered = True
        held = self._cells  # the same cells (most rows): not even a call to _put
        updated = [k for k, row in rows.items() if held.get(k) is not row and self._put(k, row)]
        order = list(order)
        if order != self._order:
            self._order = order
            self._index = None
            reordered = True
        self._redraw(reordered, updated)

    def update(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        """New cells for some of the rows shown, in the places they hold (a sample's rates
        moved in a few rows): O(rows given), where ``sync`` walks every row."""
        unknown = rows.keys() - self._cells.keys()
        if unknown:
            raise KeyError(f"not rows of the table: {sorted(unknown)}")
        self._redraw(False, [key for key, row in rows.items() if self._put(key, row)])

    def _put(self, key: str, row: Sequence[Cell]) -> bool:
        """The row's cells from now on; False when they show what they showed."""
        cells = tuple(row)
        old = self._cells.get(key)
        if old is cells:
            return False
        if old is None or len(old) != len(cells):
            # By signature: Rich's Text equality ignores the style (a row that only dims).
            shows = tuple(map(signature, cells))
            widths = tuple(cell_len(_plain(cell)) for cell in cells)
        else:
            # A new sample or tick changes a cell or two of a row: the others are the same
            # objects, whose signature and width are known.
            was_shown, was_wide = self._signatures[key], self._widths[key]
            same = [a is b for a, b in zip(cells, old, strict=True)]
            shows = tuple(s if kept else signature(c)
                          for c, kept, s in zip(cells, same, was_shown, strict=True))  # fmt: skip
            if shows == was_shown:
                self._cells[key] = cells  # the next sync knows it at once
                return False
            widths = tuple(w if kept else cell_len(_plain(c))
                           for c, kept, w in zip(cells, same, was_wide, strict=True))  # fmt: skip
        self._cells[key] = cells
        self._signatures[key] = shows
        self._count_widths(self._widths.get(key, ()), widths)
        self._widths[key] = widths
        return True

    def _redraw(self, reordered: bool, updated: list[str]) -> None:
        if not (reordered or updated):
            return
        shown = self._shown
        self._relayout()
        self._place_cursor()
        if reordered or self._shown != shown:
            self.refresh()
        else:
            self._refresh_rows(updated)

    def _refresh_rows(self, keys: Iterable[str]) -> None:
        """Draw again the lines of these rows that are on screen (the rates of a few rows
        change every second: the rest of the table, and of the screen, stays as drawn)."""
        top = round(self.scroll_y)
        bottom = top + self._page
        for row in {self.index_of(key) for key in keys}:
            if top <= row < bottom:
                self.refresh_line(row + 1)  # line 0 is the header

    def _count_widths(self, out: tuple[int, ...], into: tuple[int, ...]) -> None:
        """A row's cells counted out (their widths ``out``, none for a new row) and in
        (``into``, none for a row gone); each column's widest kept."""
        counted, widest = self._width_counts, self._content_widths
        for i in range(len(self.columns)):
            was = out[i] if i < len(out) else None
            width = into[i] if i < len(into) else None
            if was == width:
                continue
            counts = counted[i]
            if width is not None:
                counts[width] += 1
                widest[i] = max(widest[i], width)
            if was is not None:
                counts[was] -= 1
                if not counts[was]:
                    del counts[was]
                    if was == widest[i]:
                        widest[i] = max(counts, default=0)

    def set_sort_marker(self, column_key: str | None, reverse: bool = False) -> None:
        """Mark the header of the column the rows are sorted by (None: no marker)."""
        sort = (column_key, reverse) if column_key is not None else None
        if sort != self._sort:
            self._sort = sort
            self._relayout()
            self.refresh()

    # layout ------------------------------------------------------------------

    def _label(self, index: int) -> str:
        column = self.columns[index]
        if self._sort is not None and self._sort[0] == column.key:
            return marked(column.label, self._sort[1])
        return column.label

    def _natural_widths(self) -> list[int]:
        return [
            max(natural_width(column, widest), cell_len(self._label(i)))
            for i, (column, widest) in enumerate(
                zip(self.columns, self._held_widths(), strict=True)
            )
        ]

    def _held_widths(self) -> list[int]:
        """The widest cell of each column; for a steady one, the widest of the last
        ``STEADY_SECONDS`` (a rate flickering between ``0 B/s`` and ``84 B/s`` would
        otherwise shift every column, and redraw every line, each second)."""
        widths = list(self._content_widths)
        now = time.monotonic()
        for i, column in enumerate(self.columns):
            if not column.steady:
                continue
            held, since = self._held.get(i, (0, now))
            if widths[i] >= held or now - since >= STEADY_SECONDS:
                self._held[i] = (widths[i], now)
            else:
                widths[i] = held
        return widths

    def _relayout(self) -> None:
        """Choose the columns shown and their widths for the width we have."""
        room = self.scrollable_content_region.width if self.is_mounted else 0
        shown = layout(self.columns, self._natural_widths(), room, self.wide)
        if shown != self._shown:
            self._shown = shown
            self.refresh()
        self.virtual_size = Size(
            total([w for _, w in shown], range(len(shown))), len(self._order) + 1
        )

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen, left to right."""
        return [self.columns[i].key for i, _ in self._shown]

    def on_resize(self) -> None:
        self._relayout()

    def watch_wide(self) -> None:
        self._relayout()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    # cursor ------------------------------------------------------------------

    def _place_cursor(self) -> None:
        """After an update: stay on the same row if it is still there, else on the same line."""
        before = self._cursor_key
        if before is not None and before in self._cells:
            self._cursor = self.index_of(before)
        self._cursor = max(0, min(self._cursor, len(self._order) - 1))
        self._cursor_key = self._order[self._cursor] if self._order else None
        if self._cursor_key != before:
            self.post_message(self.RowHighlighted(self, self._cursor_key, self._cursor))

    def move_cursor(self, row: int) -> None:
        """Put the cursor on line ``row`` (clamped) and scroll it into view."""
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        before = self._cursor_key
        self._cursor = row
        self._cursor_key = self._order[row]
        self._scroll_to_cursor()
        if self._cursor_key != before:
            self.refresh()
            self.post_message(self.RowHighlighted(self, self._cursor_key, row))

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row ``key``; False (nothing moves) when it is not shown."""
        if key not in self._cells:
            return False
        self.move_cursor(self.index_of(key))
        return True

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + self._page:
            self.scroll_to(y=self._cursor - self._page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page)

    def action_cursor_home(self) -> None:
        self.move_cursor(0)

    def action_cursor_end(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key, self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:  # outside, or the header
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self._order):
            return
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row)

    # drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        keep = LINE_CACHE + 2 * self.size.height
        if keep > self._lines.maxsize:
            # A new cache, not grow(): Textual's LRUCache, once full, keeps the size it
            # filled at. At the first line drawn it is still empty.
            self._lines = LRUCache(keep)
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.rich_style + self.get_component_rich_style("keyed-table--header")
            return self._header_line(style).crop_extend(scroll_x, scroll_x + width, style)
        row = scroll_y + y - 1
        if row >= len(self._order):
            return Strip.blank(width, self.rich_style)
        line = self._row_line(self._order[row], row == self._cursor)
        return line.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _header_line(self, style: Style) -> Strip:
        key = ("header", self._shown, self._sort, style)
        line = self._lines.get(key)
        if line is None:
            text = Text(style=style, no_wrap=True, end="")
            pad = " " * PADDING
            for i, width in self._shown:
                text.append(pad + _fit(self.columns[i], self._label(i), width).plain + pad)
            line = Strip(text.render(self.app.console), text.cell_len)
            self._lines[key] = line
        return line

    def _row_line(self, key: str, cursor: bool) -> Strip:
        focus = cursor and self.has_focus
        cache_key = (self._signatures[key], self._shown, cursor, focus)
        line = self._lines.get(cache_key)
        if line is None:
            self.rows_rendered += 1
            style = self.rich_style
            if cursor:
                style += self.get_component_rich_style("keyed-table--cursor")
            line = Strip(self._row_segments(self._cells[key], style))
            self._lines[cache_key] = line
        return line

    def _row_segments(self, cells: tuple[Cell, ...], style: Style) -> Iterable[Segment]:
        console = self.app.console
        pad = Segment(" " * PADDING, style)
        for i, width in self._shown:
            text = _fit(self.columns[i], cells[i], width)
            yield pad
            # Text.render leaves the text's own style to the caller: lay it under the spans.
            own = style + console.get_style(text.style, default=Style.null())
            for segment in text.render(console):
                if segment.text and segment.text != "\n":
                    yield Segment(segment.text, own + segment.style if segment.style else own)
            yield pad
