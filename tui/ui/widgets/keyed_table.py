"""A DataTable kept in step with a mapping of row key -> cells, changing only what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._data_table import TwoWayDict  # see _apply_order
from textual.widgets.data_table import ColumnKey, RowKey

Cell = str | Text
BULK_REMOVAL = 16
FAST_CELLS = 20_000


def _as_text(value: object) -> Text:
    """A cell as DataTable shows it: a string may hold markup."""
    if isinstance(value, str):
        return Text.from_markup(value) if "[" in value else Text(value)
    return Text(str(value))


class KeyedTable(DataTable[Cell]):
    """Rows addressed by stable keys; ``sync`` never clears, so cursor and scroll stay."""

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_keys = [key for key, _ in columns]
        self._labels = dict(columns)
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._fast_cells: dict[tuple[Any, ...], list[list[Segment]]] = {}
        self._order: list[str] = []
        for key, label in columns:
            self.add_column(label, key=key)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return row_key.value

    def mark_sorted(self, column: str | None, reverse: bool = False) -> None:
        """Mark the column the rows are sorted by in its header: ``▲`` ascending, ``▼`` not."""
        for key, label in self._labels.items():
            text = Text(f"{label} {'▼' if reverse else '▲'}" if key == column else label)
            header = self.columns[ColumnKey(key)]
            header.label = text
            header.content_width = max(header.content_width, text.cell_len)
        self._require_update_dimensions = True
        self._update_count += 1
        self.refresh()

    def sync(self, rows: Mapping[str, Sequence[Cell]], order: Sequence[str]) -> None:
        """Show exactly ``rows``, in ``order`` (their keys, sorted as wanted)."""
        selected = self.selected_key
        with self.app.batch_update():
            gone = self._shown.keys() - rows.keys()
            if len(gone) > BULK_REMOVAL:
                # DataTable.remove_row re-indexes every row: a filter hiding most of a
                # large table would cost O(rows²). Starting over is O(rows).
                self.clear()
                self._shown.clear()
                self._order = []
            for key in gone & self._shown.keys():
                self.remove_row(key)
                del self._shown[key]
            for key, cells in rows.items():
                cells = tuple(cells)
                old = self._shown.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                elif old != cells:
                    for column, before, after in zip(self._column_keys, old, cells, strict=True):
                        if before != after:
                            # Measuring a narrower cell makes DataTable re-measure the whole
                            # column: O(rows) per cell. A column only widens, at O(1).
                            wider = cell_len(str(after)) > cell_len(str(before))
                            self.update_cell(key, column, after, update_width=wider)
                self._shown[key] = cells
            order = list(order)
            if order != self._order:
                self._order = order
                self._apply_order(order)
                if selected in rows:
                    self.move_cursor(row=self.get_row_index(selected), scroll=False)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A body cell of a one-line row, rendered straight from its Text.

        DataTable renders each cell through Rich's Padding and Styled, and drops every
        cached cell whenever any cell changes: at 250 rows one event re-rendered the
        whole screenful, a few hundred milliseconds here. This path does the same
        composition directly and caches by the cell's value, so an event costs the
        cells it changed.
        """
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        value = self._data[row_key][column_key]
        content = (
            (value.plain, str(value.style), tuple(value.spans))
            if isinstance(value, Text) else value
        )  # fmt: skip
        # Not the row's index: a row that moves keeps its rendering, only its mouse
        # metadata (which row and column it is) is added afresh.
        key = (column_key, width, base_style, cursor, hover, self._show_hover_cursor,
               self._pseudo_class_state, content)  # fmt: skip
        lines = self._fast_cells.get(key)
        if lines is None:
            component, post = self._get_styles_to_render_cell(
                False, False, column_index < self.fixed_columns, hover, cursor,
                self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )  # fmt: skip
            style = base_style + component
            text = value if isinstance(value, Text) else _as_text(value)
            console = self.app.console
            pad = Segment(" " * self.cell_padding, style + post)
            # Text.render leaves the text's own style to the caller: add it under the spans.
            own = style + console.get_style(text.style, default=Style.null())
            body = [
                Segment(segment.text, own + segment.style + post if segment.style else own + post)
                for segment in text.render(console)
                if segment.text and segment.text != "\n"
            ]
            line = Segment.adjust_line_length(
                [pad, *body], width - self.cell_padding, style=style + post
            )
            lines = [list(Segment.simplify([*line, pad]))]
            if len(self._fast_cells) > FAST_CELLS:
                self._fast_cells.clear()
            self._fast_cells[key] = lines
        meta = Style.from_meta({"row": row_index, "column": column_index})
        return [[Segment(text, style + meta if style else meta) for text, style, _ in line]
                for line in lines]  # fmt: skip

    def _apply_order(self, order: Sequence[str]) -> None:
        # DataTable.sort() only sees cell values, not row keys; we know the order
        # by key already, so set it as sort() itself does.
        self._row_locations = TwoWayDict({RowKey(key): i for i, key in enumerate(order)})
        self._update_count += 1
        self.refresh()
