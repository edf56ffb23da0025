"""The ports tab: every host port binding and host listener, with collisions lit up and
explained in the pane below the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import Static

from tui.core.ports import (
    BindingRow,
    Conflict,
    ListenerRow,
    Owner,
    conflicts_of_binding,
    conflicts_of_listener,
    find_conflicts,
    listener_rows,
    port_bindings,
)
from tui.core.state import HostState
from tui.ui.columns import ENGINE_COLUMN, Column
from tui.ui.engines import EngineState
from tui.ui.widgets.table import Cell, KeyedTable
from tui.ui.widgets.table_tab import TableTab, cells_match

# As the screen narrows, BINDING goes first, then → PORT (both are in the pane below);
# then the name folds.
COLUMNS = [
    Column("mark", " "),
    Column("host_ip", "HOST IP"),
    Column("host_port", "PORT"),
    Column("proto", "PROTO"),
    Column("who", "CONTAINER / PROCESS", min_width=16),
    Column("target", "→ PORT", drop=2),
    Column("state", "STATE"),
    Column("binding", "BINDING", drop=1),
    Column("conflict", "COLLISION"),
]
CONFLICT_STYLE = "bold red"
WARNING_STYLE = "yellow"
NO_PORT = 1 << 17  # sorts configured dynamic bindings (no host port yet) last

Row = tuple[BindingRow | ListenerRow, tuple[Conflict, ...]]


def _style(conflicts: tuple[Conflict, ...]) -> str:
    if any(not c.warning for c in conflicts):
        return CONFLICT_STYLE
    return WARNING_STYLE if conflicts else ""


def _mark(conflicts: tuple[Conflict, ...]) -> str:
    if any(not c.warning for c in conflicts):
        return "✖"
    return "!" if conflicts else ""


def binding_cells(row: BindingRow, conflicts: tuple[Conflict, ...]) -> tuple[Cell, ...]:
    style = _style(conflicts)
    cells = (
        _mark(conflicts),
        row.host_ip,
        str(row.host_port) if row.host_port is not None else "-",
        row.proto,
        row.container,
        str(row.container_port),
        row.state,
        ("bound" if row.bound else "configured") + (", dynamic" if row.dynamic else ", fixed"),
        ", ".join(c.kind for c in conflicts),
    )
    return tuple(Text(cell, style=style) for cell in cells)


def listener_cells(row: ListenerRow, conflicts: tuple[Conflict, ...]) -> tuple[Cell, ...]:
    style = _style(conflicts)
    if row.owner is Owner.HOST_MODE:
        who = f"{row.container} (host mode, {row.process or 'pid ' + str(row.pid)})"
    elif row.pid is not None:
        who = f"{row.process or '?'} (pid {row.pid})"
    else:
        who = row.process or "unknown process"
    cells = (
        _mark(conflicts),
        row.address,
        str(row.port),
        row.proto,
        who,
        "",
        "listening",
        "host-mode container" if row.owner is Owner.HOST_MODE else "host process",
        ", ".join(c.kind for c in conflicts),
    )
    return tuple(Text(cell, style=style) for cell in cells)


def _order(row: BindingRow | ListenerRow) -> tuple[Any, ...]:
    if isinstance(row, BindingRow):
        port = row.host_port if row.host_port is not None else NO_PORT
        return (port, row.proto, row.host_ip, 0, row.container, row.container_port, row.key)
    return (row.port, row.proto, row.address, 1, row.process or "", row.pid or 0, row.key)


def _collisions(engine: EngineState, found: tuple[Conflict, ...] | None) -> tuple[Conflict, ...]:
    """An engine's collisions: none until it answered in full; else ``found``, or computed."""
    if not engine.state.known:
        return ()
    return find_conflicts(engine.state) if found is None else found


def explain(row: BindingRow | ListenerRow | None, conflicts: tuple[Conflict, ...]) -> Text:
    """The detail pane: what the selected row is, and each collision it takes part in."""
    text = Text()
    if row is None:
        return text
    if isinstance(row, BindingRow):
        port = row.host_port if row.host_port is not None else "(dynamic)"
        text.append(f"{row.container}", style="bold")
        text.append(
            f"  {row.host_ip}:{port} → {row.container_port}/{row.proto}, {row.state}, "
            f"{'bound' if row.bound else 'configured'}, {'dynamic' if row.dynamic else 'fixed'}\n"
        )
    else:
        owner = row.container if row.owner is Owner.HOST_MODE else row.process or "process"
        text.append(f"{owner}", style="bold")
        pid = f" pid {row.pid}" if row.pid is not None else ""
        text.append(f"  listening on {row.address}:{row.port}/{row.proto}{pid}\n")
    if not conflicts:
        text.append("No collision on this port.", style="dim")
        return text
    for c in conflicts:
        text.append(f"{'warning' if c.warning else 'collision'}: {c.kind}", style=_style((c,)))
        parties = [*c.containers, *c.processes]
        text.append(f"  {c.host_port}/{c.proto} on {', '.join(c.host_ips)}; ")
        text.append(f"parties: {', '.join(parties)}\n")
        text.append(f"  {c.message}\n")
    text.rstrip()
    return text


class PortsTab(TableTab):
    """Host port bindings and listeners; ``c`` shows only the collisions.

    With several engines, each engine's rows with its collisions (found among its own
    rows only: two hosts may each bind 8080), an ENGINE column saying whose they are.
    """

    SORTS = ("host_port", "host_ip", "who", "state", "conflict")
    FILTER_HINT = "filter: address, port, protocol, container, process or state  (Esc clears)"

    DEFAULT_CSS = """
    PortsTab KeyedTable { height: 1fr; }
    PortsTab #ports-detail {
        height: auto; max-height: 50%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "toggle_collisions", "Collisions only", id="ports_collisions_only"),
    ]

    collisions_only: reactive[bool] = reactive(False)

    def __init__(self, several: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._several = several
        self._columns = [*COLUMNS]
        if several:
            self.SORTS = (*PortsTab.SORTS, "engine")
            self._columns.insert(1, ENGINE_COLUMN)
        self._shown: list[tuple[EngineState, tuple[Conflict, ...]]] = []
        # Row key -> (the row's engine, the row and its collisions).
        self._rows: dict[str, tuple[EngineState, Row]] = {}

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        """The collisions of the states last shown (each engine's own)."""
        return tuple(c for _, found in self._shown for c in found)

    def compose(self) -> ComposeResult:
        yield from self.compose_filter()
        self.table = KeyedTable(self._columns, id="ports-table")
        yield self.table
        yield Static(id="ports-detail")

    def show_state(self, state: HostState, conflicts: tuple[Conflict, ...] | None = None) -> None:
        """Show ``state``; pass ``conflicts`` when already computed for it."""
        self.show_states([(EngineState(0, "", state), conflicts)])

    def show_states(self, shown: Sequence[tuple[EngineState, tuple[Conflict, ...] | None]]) -> None:
        """Each engine's rows, with its collisions (pass them when already computed)."""
        same = len(shown) == len(self._shown) and all(
            new.state is old.state and conflicts is None
            for (new, conflicts), (old, _) in zip(shown, self._shown, strict=False)
        )
        if same:
            return
        self._shown = [(engine, _collisions(engine, found)) for engine, found in shown]
        rows: dict[str, tuple[EngineState, Row]] = {}
        for engine, found in self._shown:
            state = engine.state
            prefix = f"{engine.index}:" if self._several else ""
            for b in port_bindings(state) if state.known else ():
                rows[prefix + b.key] = (engine, (b, conflicts_of_binding(found, b)))
            for ln in listener_rows(state) if state.known else ():
                # The engine's proxy for a published port is that binding's row already.
                if ln.owner is not Owner.PUBLISHED:
                    rows[prefix + ln.key] = (engine, (ln, conflicts_of_listener(found, ln)))
        self._rows = rows
        self.refresh_rows()

    def refresh_rows(self) -> None:
        shown = {
            key: row for key, row in self._rows.items() if not self.collisions_only or row[1][1]
        }
        cells: dict[str, tuple[Cell, ...]] = {}
        for key, (engine, (r, found)) in shown.items():
            row = binding_cells(r, found) if isinstance(r, BindingRow) else listener_cells(r, found)
            if self._several:
                row = (row[0], Text(engine.label, style=_style(found)), *row[1:])
            if cells_match(self.filter_text, row):
                cells[key] = row
        column = [c.key for c in self._columns].index(self.sort_field)

        def order_of(key: str) -> tuple[Any, ...]:
            engine, (row, _) = shown[key]
            # The port column is in numbers, the engine's in the order given; the others
            # in the words they show.
            if self.sort_field == "host_port":
                first: tuple[Any, ...] = ()
            elif self.sort_field == "engine":
                first = (engine.index,)
            else:
                first = (str(cells[key][column]),)
            return (*first, *_order(row), engine.index)

        order = sorted(cells, key=order_of, reverse=self.sort_reverse)
        self.table.sync(cells, order)
        self._show_detail()

    def selected(self) -> Row | None:
        key = self.table.selected_key
        found = self._rows.get(key) if key else None
        return found[1] if found else None

    def _show_detail(self) -> None:
        key = self.table.selected_key
        found = self._rows.get(key) if key else None
        pane = self.query_one("#ports-detail", Static)
        if not any(engine.state.known for engine, _ in self._shown):
            pane.update(Text("Ports and collisions unknown: waiting for the engine's answer."))
        elif found is not None:
            engine, row = found
            text = (
                Text.assemble(("engine ", "bold"), engine.label, "\n") if self._several else Text()
            )
            pane.update(text + explain(*row))
        elif self.collisions_only:
            pane.update(Text("No collisions.", style="dim"))
        else:
            pane.update("")

    def watch_collisions_only(self) -> None:
        if self.is_mounted:
            self.refresh_rows()

    def action_toggle_collisions(self) -> None:
        self.collisions_only = not self.collisions_only

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
