"""A tab built on one keyed table, which ``/``, ``o``, ``O``, Home and End act on.

The app sends those keys to the tab on screen when it implements ``TableControls``
(and hides them where it does not): a new tab opts in by subclassing ``TableTab``,
or by providing the protocol's methods itself.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Input

from tui.ui.widgets.table import KeyedTable


@runtime_checkable
class TableControls(Protocol):
    """What a tab offers for ``/`` (filter), Home and End."""

    def open_filter(self) -> None: ...

    def close_filter(self) -> bool:
        """Clear and hide the filter; False when none was open."""
        ...

    def to_row(self, index: int) -> None:
        """Put the cursor on row ``index`` (negative: from the end)."""
        ...


@runtime_checkable
class SortableTable(TableControls, Protocol):
    """A tab whose table ``o`` / ``O`` sort too."""

    def cycle_sort(self) -> str:
        """Sort by the next column; returns the new order in words."""
        ...

    def reverse_sort(self) -> str:
        """Reverse the order; returns it in words."""
        ...


def cells_match(query: str, cells: tuple[object, ...]) -> bool:
    """The generic filter: ``query`` is in any cell's text, case aside."""
    needle = query.lower()
    return any(needle in str(cell).lower() for cell in cells)


class TableTab(Vertical):
    """A filter line over a ``KeyedTable``; a subclass lists its ``SORTS`` (column keys,
    the default first) and repaints in ``refresh_rows``, reading ``filter_text``,
    ``sort_field`` and ``sort_reverse``."""

    DEFAULT_CSS = """
    TableTab > .table-filter { dock: top; display: none; }
    TableTab > .table-filter.shown { display: block; }
    """
    SORTS: ClassVar[tuple[str, ...]]
    FILTER_HINT: ClassVar[str] = "filter  (Esc clears)"

    filter_text: reactive[str] = reactive("", init=False)
    sort_field: reactive[str] = reactive("", init=False)
    sort_reverse: reactive[bool] = reactive(False, init=False)

    table: KeyedTable

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(TableTab.sort_field, self.SORTS[0])

    def compose_filter(self) -> ComposeResult:
        yield Input(placeholder=self.FILTER_HINT, classes="table-filter")

    def on_mount(self) -> None:
        self.table.set_sort_marker(self.sort_field, self.sort_reverse)

    def refresh_rows(self) -> None:
        """Show the rows again, filtered and sorted as now set."""
        raise NotImplementedError

    # TableControls ------------------------------------------------------------------

    def open_filter(self, text: str | None = None) -> None:
        """Show the filter and type in it (``text``: filter by that at once)."""
        field = self.query_one(".table-filter", Input)
        field.add_class("shown")
        field.focus()
        if text is not None:
            field.value = text

    def close_filter(self) -> bool:
        field = self.query_one(".table-filter", Input)
        if not field.has_class("shown"):
            return False
        field.value = ""
        field.remove_class("shown")
        self.filter_text = ""  # now, not when the line's change event comes
        self.table.focus()
        return True

    def cycle_sort(self) -> str:
        self.sort_reverse = False
        self.sort_field = self.SORTS[(self.SORTS.index(self.sort_field) + 1) % len(self.SORTS)]
        return self.sort_words()

    def reverse_sort(self) -> str:
        self.sort_reverse = not self.sort_reverse
        return self.sort_words()

    def to_row(self, index: int) -> None:
        count = self.table.row_count
        if count:
            self.table.move_cursor(index % count)

    # ---------------------------------------------------------------------------------

    def sort_words(self) -> str:
        return f"sorted by {self.sort_field}, {'descending' if self.sort_reverse else 'ascending'}"

    def _resorted(self) -> None:
        self.table.set_sort_marker(self.sort_field, self.sort_reverse)
        self.refresh_rows()

    def watch_sort_field(self) -> None:
        self._resorted()

    def watch_sort_reverse(self) -> None:
        self._resorted()

    def watch_filter_text(self) -> None:
        self.refresh_rows()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_class("table-filter"):
            event.stop()
            self.filter_text = event.value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.has_class("table-filter"):
            event.stop()
            self.table.focus()
