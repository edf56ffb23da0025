"""The ports tab: every host port binding and host listener, with collisions lit up and
explained in the pane below the table."""

from __future__ import annotations

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
from tui.ui.columns import Column
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
    """Host port bindings and listeners; ``c`` shows only the collisions."""

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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = HostState()
        self._conflicts: tuple[Conflict, ...] = ()
        self._rows: dict[str, Row] = {}

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        """The collisions of the state last shown."""
        return self._conflicts

    def compose(self) -> ComposeResult:
        yield from self.compose_filter()
        self.table = KeyedTable(COLUMNS, id="ports-table")
        yield self.table
        yield Static(id="ports-detail")

    def show_state(self, state: HostState, conflicts: tuple[Conflict, ...] | None = None) -> None:
        """Show ``state``; pass ``conflicts`` when already computed for it."""
        if state is self._state and conflicts is None:
            return
        self._state = state
        if not state.known:
            conflicts = ()
        self._conflicts = find_conflicts(state) if conflicts is None else conflicts
        rows: dict[str, Row] = {}
        for b in port_bindings(state) if state.known else ():
            rows[b.key] = (b, conflicts_of_binding(self._conflicts, b))
        for ln in listener_rows(state) if state.known else ():
            # The engine's proxy for a published port is that binding's row already.
            if ln.owner is not Owner.PUBLISHED:
                rows[ln.key] = (ln, conflicts_of_listener(self._conflicts, ln))
        self._rows = rows
        self.refresh_rows()

    def refresh_rows(self) -> None:
        shown = {key: row for key, row in self._rows.items() if not self.collisions_only or row[1]}
        cells = {
            key: binding_cells(r, found) if isinstance(r, BindingRow) else listener_cells(r, found)
            for key, (r, found) in shown.items()
        }
        cells = {key: row for key, row in cells.items() if cells_match(self.filter_text, row)}
        column = [c.key for c in COLUMNS].index(self.sort_field)

        def order_of(key: str) -> tuple[Any, ...]:
            # The port column is in numbers; the others in the words they show.
            first = () if self.sort_field == "host_port" else (str(cells[key][column]),)
            return (*first, *_order(shown[key][0]))

        order = sorted(cells, key=order_of, reverse=self.sort_reverse)
        self.table.sync(cells, order)
        self._show_detail()

    def selected(self) -> Row | None:
        key = self.table.selected_key
        return self._rows.get(key) if key else None

    def _show_detail(self) -> None:
        row = self.selected()
        pane = self.query_one("#ports-detail", Static)
        if not self._state.known:
            pane.update(Text("Ports and collisions unknown: waiting for the engine's answer."))
        elif row is not None:
            pane.update(explain(*row))
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
