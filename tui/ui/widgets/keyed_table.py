"""A DataTable kept in step with a mapping of row key -> cells, changing only what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._data_table import TwoWayDict  # see _apply_order
from textual.widgets.data_table import RowKey

Cell = str | Text
BULK_REMOVAL = 16


class KeyedTable(DataTable[Cell]):
    """Rows addressed by stable keys; ``sync`` never clears, so cursor and scroll stay."""

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_keys = [key for key, _ in columns]
        self._shown: dict[str, tuple[Cell, ...]] = {}
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

    def _apply_order(self, order: Sequence[str]) -> None:
        # DataTable.sort() only sees cell values, not row keys; we know the order
        # by key already, so set it as sort() itself does.
        self._row_locations = TwoWayDict({RowKey(key): i for i, key in enumerate(order)})
        self._update_count += 1
        self.refresh()
