"""The main tab: every container's network state, a filter, and the detail pane."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from tui.core.describe import describe
from tui.core.model import Container
from tui.core.namespaces import effective_endpoints, sharer_index
from tui.core.rows import ContainerRow, RateCells, container_row, rate_cells
from tui.core.state import HostState
from tui.ui.columns import CONTAINER_COLUMNS, LAST_RESORT, Column, container_cells
from tui.ui.engines import Engines, EngineState
from tui.ui.marks import DetailLine
from tui.ui.widgets.pane import update_pane
from tui.ui.widgets.table import KeyedTable
from tui.ui.widgets.table_tab import TableTab

# Rates last: the other columns keep their places. They give way only when folding the
# wide columns was not enough (who is talking is what a person watches a host for).
RATE_COLUMNS = (Column("rx", "RX", drop=LAST_RESORT), Column("tx", "TX", drop=LAST_RESORT))


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
    """``/`` filter: name, image, state, mode, network, any address (IPv4, IPv6, MAC) or
    any port."""
    if not query:
        return True
    needle = query.lower()
    haystack = [container.name, container.image, row.state, row.ports, row.mode, row.networks]
    for ep in effective_endpoints(state, container):
        haystack.extend(x for x in (ep.ipv4, ep.ipv6, ep.mac) if x)
    haystack.extend(str(p.host_port) for p in container.ports if p.host_port)
    return any(needle in item.lower() for item in haystack)


class ContainersTab(TableTab):
    """Table, filter and detail of the containers."""

    DEFAULT_CSS = """
    ContainersTab KeyedTable { height: 1fr; }
    ContainersTab #detail {
        height: auto; max-height: 45%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    SORTS: tuple[str, ...] = ("name", "state", "mode", "ipv4", "up", "traffic")
    FILTER_HINT = "filter: name, image, state, mode, network, IP, MAC or port  (Esc clears)"

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
        # Several engines: a column says which engine each row is on, and sorts by it.
        self._engines = engines
        self._several = engines is not None and engines.several
        if self._several:
            self.SORTS = (*ContainersTab.SORTS, "engine")
        self._shown: list[EngineState] = [EngineState(0, "", HostState())]
        # The rows last synced, their sort keys and rate cells: a sample changes only those.
        self._rows: dict[str, tuple[Text | str, ...]] = {}
        self._keys: dict[str, Any] = {}
        self._rates_shown: dict[str, tuple[str, str]] = {}
        self._marks: Mapping[str, Text] = {}
        self._busy: Mapping[str, str] = {}
        self._notes: Mapping[str, Sequence[DetailLine]] = {}
        self._detail_shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_filter()
        columns = [*CONTAINER_COLUMNS, *RATE_COLUMNS]
        if self._several:
            columns.insert(1, Column("engine", "ENGINE"))
        self.table = KeyedTable(columns, id="containers-table")
        yield self.table
        self.detail = Static(id="detail")
        yield self.detail

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
        found = self.row(self.table.selected_key)
        return found[0].index if found else None

    def row_key(self, index: int, container_id: str) -> str:
        return self._engines.row_key(index, container_id) if self._engines else container_id

    def show_state(
        self,
        state: HostState,
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
        notes: Mapping[str, Sequence[DetailLine]] | None = None,
    ) -> None:
        """Bring the table and the detail up to date with ``state``; ``notes`` are lines
        the detail of a container adds (its collisions, findings, the engine's refusals)."""
        self.show_states([EngineState(0, "", state)], marks, busy, notes)

    def show_states(
        self,
        shown: list[EngineState],
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
        notes: Mapping[str, Sequence[DetailLine]] | None = None,
    ) -> None:
        """The rows of every engine ``shown``; marks, busy words and notes by container ID."""
        self._shown = shown
        if marks is not None:
            self._marks = marks
        if busy is not None:
            self._busy = busy
        if notes is not None:
            self._notes = notes
        self.refresh_rows()

    def show_marks(self, marks: Mapping[str, Text]) -> None:
        """The marks of the analyses of the state on screen; redrawn only if they changed."""

        def seen(found: Mapping[str, Text]) -> dict[str, tuple[str, str]]:
            return {key: (text.markup, str(text.style)) for key, text in found.items()}

        if seen(marks) != seen(self._marks):
            self._marks = marks
            self.refresh_rows()

    def show_notes(self, notes: Mapping[str, Sequence[DetailLine]]) -> None:
        """What the analyses say of each container (its collisions, findings, the engine's
        refusals), for its detail."""
        if notes != self._notes:
            self._notes = notes
            self._show_detail()

    def show_rates(self, shown: list[EngineState]) -> None:
        """A new sample of the counters: only the rate cells that read differently change
        (an idle host's stay at ``0 B/s``), without building the rows again; the detail
        follows every sample."""
        self._shown = shown
        changed = False
        for key, cells in self._rows.items():
            found = self.row(key)
            if found is None:
                continue  # a removal comes with a redraw of its own
            engine, container = found
            rates = rate_cells(engine.state, container)
            if (rates.rx, rates.tx) != self._rates_shown.get(key):
                self._rates_shown[key] = (rates.rx, rates.tx)
                self._rows[key] = (*cells[: -len(RATE_COLUMNS)], *_rate_texts(rates))
                if self.sort_field == "traffic":
                    self._keys[key] = ((-rates.bps, container.name), engine.index)
                changed = True
        if changed:
            keys = self._keys
            self.table.sync(self._rows, sorted(self._rows, key=keys.__getitem__,
                                               reverse=self.sort_reverse))  # fmt: skip
        self._show_detail()

    def refresh_rows(self) -> None:
        now = self._now()
        rows: dict[str, tuple[Text | str, ...]] = {}
        keys: dict[str, Any] = {}
        self._rates_shown = {}
        for engine in self._shown:
            self._engine_rows(engine, now, rows, keys)
        self._rows, self._keys = rows, keys
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
        query = self.filter_text
        for c in state.containers.values():
            row = container_row(state, c, now, counts)
            if not matches(query, state, c, row) and not (self._several and query.lower() in label):
                continue
            cells = container_cells(row, c.running, self._busy.get(c.id), c.exit_code)
            key = self.row_key(engine.index, c.id)
            rates = rate_cells(state, c)
            self._rates_shown[key] = (rates.rx, rates.tx)
            rows[key] = (
                self._marks.get(c.id, ""),
                *([engine.label] if self._several else []),
                *(Text(text, style=style) if style else text for text, style in cells),
                *_rate_texts(rates),
            )
            if self.sort_field == "engine":
                keys[key] = (engine.index, row.name)
            else:
                keys[key] = (sort_key(self.sort_field, row, c, rates.bps), engine.index)

    def _show_detail(self) -> None:
        found = self.row(self.table.selected_key)
        if found is None:
            empty = "No container matches." if self.filter_text else "No containers."
            text = Text(empty, style="dim")
        else:
            text = Text()
            engine, container = found
            lines = [
                *([("engine", engine.label)] if self._several else []),
                *describe(engine.state, container, self._now()),
                *self._notes.get(container.id, ()),
            ]
            for label, value in lines:
                # At least one space: an interface name may be longer than the column.
                text.append(f"{label:<10} ", style="bold")
                text.append(value)
                text.append("\n")
            text.rstrip()
        if text != self._detail_shown:  # an update re-lays out the screen: only on change
            update_pane(self.detail, text, self._detail_shown)
            self._detail_shown = text

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
        self.post_message(self.Selected(event.key))
