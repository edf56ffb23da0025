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
from tui.core.rows import COLUMNS, ContainerRow, abbreviate, container_row
from tui.core.state import HostState
from tui.ui.engines import Engines, EngineState
from tui.ui.widgets.keyed_table import KeyedTable

STATE_STYLE = {
    "running": "green",
    "paused": "blue",
    "restarting": "yellow",
    "created": "yellow",
    "exited": "dim",
    "dead": "red",
    "removing": "dim",
}
SORTS = ("name", "state", "mode", "ipv4", "up")
MARK_COLUMN = ("mark", " ")
ENGINE_COLUMN = ("engine", "ENGINE")
# The full list is in the detail pane; the table keeps every column on screen.
PORTS_WIDTH = 40
NETWORKS_WIDTH = 24


def _ip_order(text: str) -> tuple[int, Any]:
    try:
        return (0, ipaddress.ip_address(text.split(" ")[0]))
    except ValueError:
        return (1, text)


def sort_key(field: str, row: ContainerRow, container: Container) -> Any:
    if field == "ipv4":
        return (_ip_order(row.ipv4) if row.ipv4 else (2, ""), row.name)
    if field == "up":
        started = container.started_at.timestamp() if container.started_at else float("inf")
        return (started, row.name)
    return (getattr(row, field), row.name)


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

    def __init__(
        self, now: Callable[[], datetime], engines: Engines | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._now = now
        # Several engines: a column says which engine each row is on.
        self._engines = engines
        self._several = engines is not None and engines.several
        self._shown: list[EngineState] = [EngineState(0, "", HostState())]
        self._marks: Mapping[str, Text] = {}
        self._busy: Mapping[str, str] = {}
        self._detail_shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: name, image, IP, MAC or port  (Esc clears)", id="filter")
        engine = [ENGINE_COLUMN] if self._several else []
        columns = [MARK_COLUMN, *engine, *((c.lower(), c) for c in COLUMNS)]
        self.table = KeyedTable(columns, id="containers-table")
        yield self.table
        yield Static(id="detail")

    @property
    def sorts(self) -> tuple[str, ...]:
        return (*SORTS, "engine") if self._several else SORTS

    def row(self, key: str | None) -> tuple[EngineState, Container] | None:
        """The engine and the container of a row key."""
        if not key:
            return None
        index, cid = self._engines.split(key) if self._engines else (0, key)
        for shown in self._shown:
            if shown.index == index and (c := shown.state.containers.get(cid)) is not None:
                return shown, c
        return None

    @property
    def selected(self) -> Container | None:
        found = self.row(self.table.selected_key)
        return found[1] if found else None

    @property
    def selected_engine(self) -> int | None:
        """The engine of the selected row (None: no row)."""
        key = self.table.selected_key
        if not key or self.row(key) is None:
            return None
        return self._engines.split(key)[0] if self._engines else 0

    def row_key(self, index: int, container_id: str) -> str:
        return self._engines.row_key(index, container_id) if self._engines else container_id

    def show_state(
        self,
        state: HostState,
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """Bring the table and the detail up to date with ``state``."""
        self.show_states([EngineState(0, "", state)], marks, busy)

    def show_states(
        self,
        shown: list[EngineState],
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """The rows of every engine ``shown``; marks and busy words by container ID."""
        self._shown = shown
        if marks is not None:
            self._marks = marks
        if busy is not None:
            self._busy = busy
        self._redraw()

    def _redraw(self) -> None:
        now = self._now()
        rows: dict[str, tuple[Text | str, ...]] = {}
        keys: dict[str, Any] = {}
        for engine in self._shown:
            self._engine_rows(engine, now, rows, keys)
        order = sorted(rows, key=keys.__getitem__, reverse=self.sort_reverse)
        self.table.sync(rows, order)
        self._show_detail()

    def _engine_rows(
        self,
        engine: EngineState,
        now: datetime,
        rows: dict[str, tuple[Text | str, ...]],
        keys: dict[str, Any],
    ) -> None:
        state = engine.state
        counts = {k: len(v) for k, v in sharer_index(state).items()}
        label = engine.label.lower()
        for c in state.containers.values():
            row = container_row(state, c, now, counts)
            if not matches(self.query, state, c, row) and not (
                self._several and self.query.lower() in label
            ):
                continue
            status = self._busy.get(c.id)
            state_cell = Text(
                status or row.state,
                style="bold yellow" if status else STATE_STYLE.get(row.state, ""),
            )
            ports_cell = Text(abbreviate(row.ports, PORTS_WIDTH), style="" if c.running else "dim")
            key = self.row_key(engine.index, c.id)
            rows[key] = (
                self._marks.get(c.id, ""),
                *([engine.label] if self._several else []),
                row.name,
                state_cell,
                row.mode,
                abbreviate(row.networks, NETWORKS_WIDTH),
                row.ipv4,
                row.mac,
                ports_cell,
                row.namespace,
                row.up,
            )
            if self.sort_field == "engine":
                keys[key] = (engine.index, row.name)
            else:
                keys[key] = (sort_key(self.sort_field, row, c), engine.index)

    def _show_detail(self) -> None:
        found = self.row(self.table.selected_key)
        if found is None:
            text = Text("No container matches." if self.query else "No containers.", style="dim")
        else:
            engine, container = found
            text = Text()
            lines = describe(engine.state, container, self._now())
            for label, value in [("engine", engine.label)] * self._several + lines:
                text.append(f"{label:<11}", style="bold")
                text.append(f"{value}\n")
            text.rstrip()
        if text != self._detail_shown:  # an update re-lays out the screen: only on change
            self._detail_shown = text
            self.query_one("#detail", Static).update(text)

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
        sorts = self.sorts
        self.sort_field = sorts[(sorts.index(self.sort_field) + 1) % len(sorts)]

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
