"""The networks tab: each network, its subnets, and who is attached with which address."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tui.core.document import attachments, gateway_of
from tui.core.model import Network
from tui.core.namespaces import all_sharers, orphaned
from tui.core.state import HostState
from tui.ui.columns import Column
from tui.ui.widgets.table import KeyedTable
from tui.ui.widgets.table_tab import TableTab, cells_match

# As the screen narrows, SCOPE goes first (the pane below says it), then GATEWAYS.
COLUMNS = [
    Column("name", "NAME", min_width=16),
    Column("driver", "DRIVER"),
    Column("scope", "SCOPE", drop=1),
    Column("subnets", "SUBNETS", min_width=18),
    Column("gateways", "GATEWAYS", drop=2),
    Column("attached", "ATTACHED"),
]


def attached_cell(state: HostState, network: Network) -> str:
    """Running containers attached, as ``docker network inspect`` lists them; then those
    configured on it that are not running (they join when started)."""
    members = [c for c, _ in attachments(state, network)]
    running = sum(c.running for c in members)
    stopped = len(members) - running
    return f"{running}" + (f" +{stopped} not running" if stopped else "")


def network_cells(state: HostState, network: Network) -> tuple[str, ...]:
    return (
        network.name,
        network.driver + (" (internal)" if network.internal else ""),
        network.scope,
        ", ".join(s.subnet for s in network.subnets),
        ", ".join(g for s in network.subnets if (g := gateway_of(state, network, s))),
        attached_cell(state, network),
    )


def network_detail(state: HostState, network: Network) -> Text:
    text = Text()
    text.append(f"{network.name}", style="bold")
    text.append(f"  {network.id[:12]}  driver {network.driver}, scope {network.scope}\n")
    for key, value in sorted(network.options.items()):
        text.append(f"  {key} = {value}\n", style="dim")
    attached = attachments(state, network)
    if not attached:
        text.append("no containers attached", style="dim")
    for c, ep in attached:
        address = f"{ep.ipv4}/{ep.prefix}" if ep.ipv4 else "-"
        text.append(
            f"  {c.name:<28} {c.state:<9} {address:<20} {ep.mac or '':<18} {ep.ipv6 or ''}\n"
        )
        # Who joined its namespace: on this network through it, unless left behind.
        for joiner in all_sharers(state, c):
            if orphaned(state, joiner):
                text.append(f"    {joiner.name:<26} orphaned: loopback only\n", style="red")
            else:
                text.append(f"    {joiner.name:<26} {joiner.state:<9} via {c.name}\n", style="dim")
    text.rstrip()
    return text


class NetworksTab(TableTab):
    """Every network; ``/`` filters on any column, ``o`` sorts by name, driver or scope."""

    SORTS = ("name", "driver", "scope")
    FILTER_HINT = "filter: name, driver, scope, subnet or gateway  (Esc clears)"
    DEFAULT_CSS = """
    NetworksTab KeyedTable { height: 1fr; }
    NetworksTab #network-detail {
        height: auto; max-height: 50%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = HostState()
        self._wanted: str | None = None

    def select_network(self, network_id: str) -> None:
        """Put the cursor on a network (a jump from the timeline), among all of them: the
        filter is cleared. A tab not drawn yet selects it at its first repaint."""
        self._wanted = network_id
        if self.is_mounted:
            self.close_filter()
            self.refresh_rows()

    def compose(self) -> ComposeResult:
        yield from self.compose_filter()
        self.table = KeyedTable(COLUMNS, id="networks-table")
        yield self.table
        yield Static(id="network-detail")

    def show_state(self, state: HostState) -> None:
        self._state = state
        self.refresh_rows()

    def refresh_rows(self) -> None:
        state = self._state
        rows = {n.id: network_cells(state, n) for n in state.networks.values()}
        rows = {k: cells for k, cells in rows.items() if cells_match(self.filter_text, cells)}
        column = [c.key for c in COLUMNS].index(self.sort_field)
        order = sorted(
            rows,
            key=lambda k: (rows[k][column], state.networks[k].name),
            reverse=self.sort_reverse,
        )
        self.table.sync(rows, order)
        if self._wanted is not None and self.table.select_key(self._wanted):
            self._wanted = None
        self._show_detail()

    def _show_detail(self) -> None:
        key = self.table.selected_key
        network = self._state.networks.get(key) if key else None
        detail = self.query_one("#network-detail", Static)
        detail.update(network_detail(self._state, network) if network else "")

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
