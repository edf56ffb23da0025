"""The main tab: every container's network state, a filter, and the detail pane."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from tui.core.describe import describe
from tui.core.model import Container
from tui.core.namespaces import effective_endpoints, sharer_index
from tui.core.rows import (
    COLUMNS,
    ContainerRow,
    RateCells,
    abbreviate,
    container_row,
    rate_cells,
)
from tui.core.state import HostState
from tui.ui.widgets.keyed_table import KeyedTable
from tui.ui.widgets.pane import update_pane

STATE_STYLE = {
    "running": "green",
    "paused": "blue",
    "restarting": "yellow",
    "created": "yellow",
    "exited": "dim",
    "dead": "red",
    "removing": "dim",
}
SORTS = ("name", "state", "mode", "ipv4", "up", "traffic")
MARK_COLUMN = ("mark", " ")
RATE_COLUMNS = [("rx", "RX"), ("tx", "TX")]
# The full list is in the detail pane; the table keeps every column on screen.
PORTS_WIDTH = 40
NETWORKS_WIDTH = 24


def _ip_order(text: str) -> tuple[int, Any]:
    try:
        return (0, ipaddress.ip_address(text.split(" ")[0]))
    except ValueError:
        return (1, text)


def sort_key(field: str, row: ContainerRow, container: Container, traffic: float) -> Any:
    if field == "traffic":  # the busiest first
        return (-traffic, row.name)
    if field == "ipv4":
        return (_ip_order(row.ipv4) if row.ipv4 else (2, ""), row.name)
    if field == "up":
        started = container.started_at.timestamp() if container.started_at else float("inf")
        return (started, row.name)
    return (getattr(row, field), row.name)


def _rate_texts(rates: RateCells) -> tuple[Text, Text]:
    # Container mode: the owner's namespace, so the owner's rates, dimmed.
    style = "dim" if rates.shared or rates.bps < 0 else ""
    return (Text(rates.rx, style=style, justify="right"),
            Text(rates.tx, style=style, justify="right"))  # fmt: skip


def matches(query: str, state: HostState, container: Container, row: ContainerRow) -> bool:
    """``/`` filter: name, image, any address (IPv4, IPv6, MAC) or any port."""
    if not query:
        return True
    needle = query.lower()
    haystack = [container.name, container.image, row.ports, row.mode, row.networks]
    for ep in effective_endpoints(state, container):
        haystack.extend(x for x in (ep.ipv4, ep.ipv6, ep.mac) if x)
    haystack.extend(str(p.host_port) for p in container.ports if p.host_port)
    return any(needle in item.lower() for item in haystack)


class ContainersTab(Vertical):
    """Table, filter and detail of the containers."""

    DEFAULT_CSS = """
    ContainersTab #filter { dock: top; display: none; }
    ContainersTab #filter.shown { display: block; }
    ContainersTab KeyedTable { height: 1fr; }
    ContainersTab #detail {
        height: auto; max-height: 45%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    sort_field: reactive[str] = reactive("name", init=False)
    sort_reverse: reactive[bool] = reactive(False, init=False)
    query: reactive[str] = reactive("", init=False)

    class Selected(Message):
        """The cursor moved to another container (None: the table is empty)."""

        def __init__(self, container_id: str | None) -> None:
            super().__init__()
            self.container_id = container_id

    def __init__(self, now: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._state = HostState()
        self._marks: Mapping[str, Text] = {}
        self._busy: Mapping[str, str] = {}
        self._detail_shown: Text | None = None
        # What the table shows, kept for a new sample to change only the rate cells.
        self._rows: dict[str, tuple[Text | str, ...]] = {}
        self._keys: dict[str, Any] = {}
        self._rates_shown: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: name, image, IP, MAC or port  (Esc clears)", id="filter")
        # Rates last: the other columns keep their places (and scripts reading them).
        columns = [MARK_COLUMN, *((c.lower(), c) for c in COLUMNS), *RATE_COLUMNS]
        self.table = KeyedTable(columns, id="containers-table")
        yield self.table
        # Held, not queried: a repaint may come while the app tears its widgets down.
        self.detail = Static(id="detail")
        yield self.detail

    @property
    def selected(self) -> Container | None:
        key = self.table.selected_key
        return self._state.containers.get(key) if key else None

    def show_state(
        self,
        state: HostState,
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """Bring the table and the detail up to date with ``state``."""
        self._state = state
        if marks is not None:
            self._marks = marks
        if busy is not None:
            self._busy = busy
        self._redraw()

    def show_rates(self, state: HostState) -> None:
        """A new sample of the counters: only the rate cells that read differently change
        (an idle host's stay at ``0 B/s``), without building the rows again; the detail
        follows every sample."""
        self._state = state
        changed = False
        for cid, cells in self._rows.items():
            container = state.containers.get(cid)
            if container is None:
                continue  # a removal comes with a redraw of its own
            rates = rate_cells(state, container)
            if (rates.rx, rates.tx) != self._rates_shown.get(cid):
                self._rates_shown[cid] = (rates.rx, rates.tx)
                self._rows[cid] = (*cells[: -len(RATE_COLUMNS)], *_rate_texts(rates))
                if self.sort_field == "traffic":
                    self._keys[cid] = (-rates.bps, container.name)
                changed = True
        if changed:
            keys = self._keys
            self.table.sync(self._rows, sorted(self._rows, key=keys.__getitem__,
                                               reverse=self.sort_reverse))  # fmt: skip
        self._show_detail()

    def _redraw(self) -> None:
        state = self._state
        self._rates_shown = {}
        now = self._now()
        counts = {k: len(v) for k, v in sharer_index(state).items()}
        rows: dict[str, tuple[Text | str, ...]] = {}
        keys: dict[str, Any] = {}
        for c in state.containers.values():
            row = container_row(state, c, now, counts)
            if not matches(self.query, state, c, row):
                continue
            status = self._busy.get(c.id)
            state_cell = Text(
                status or row.state,
                style="bold yellow" if status else STATE_STYLE.get(row.state, ""),
            )
            ports_cell = Text(abbreviate(row.ports, PORTS_WIDTH), style="" if c.running else "dim")
            rates = rate_cells(state, c)
            self._rates_shown[c.id] = (rates.rx, rates.tx)
            rows[c.id] = (
                self._marks.get(c.id, ""),
                row.name,
                state_cell,
                row.mode,
                abbreviate(row.networks, NETWORKS_WIDTH),
                row.ipv4,
                row.mac,
                ports_cell,
                row.namespace,
                row.up,
                *_rate_texts(rates),
            )
            keys[c.id] = sort_key(self.sort_field, row, c, rates.bps)
        self._rows, self._keys = rows, keys
        order = sorted(rows, key=keys.__getitem__, reverse=self.sort_reverse)
        self.table.sync(rows, order)
        self._show_detail()

    def _show_detail(self) -> None:
        container = self.selected
        if container is None:
            text = Text("No container matches." if self.query else "No containers.", style="dim")
        else:
            text = Text()
            for label, value in describe(self._state, container, self._now()):
                text.append(f"{label:<11}", style="bold")
                text.append(f"{value}\n")
            text.rstrip()
        if text != self._detail_shown:  # an update re-lays out the screen: only on change
            update_pane(self.detail, text, self._detail_shown)
            self._detail_shown = text

    def watch_sort_field(self) -> None:
        self._redraw()

    def watch_sort_reverse(self) -> None:
        self._redraw()

    def watch_query(self) -> None:
        self._redraw()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
        self.post_message(self.Selected(event.row_key.value if event.row_key else None))

    def open_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query = event.value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def close_filter(self) -> bool:
        """Esc: clear and hide the filter; False when there was nothing to close."""
        field = self.query_one("#filter", Input)
        if not field.has_class("shown"):
            return False
        field.value = ""
        field.remove_class("shown")
        self.table.focus()
        return True

    def cycle_sort(self) -> None:
        self.sort_field = SORTS[(SORTS.index(self.sort_field) + 1) % len(SORTS)]

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
