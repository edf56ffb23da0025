"""The dashboard: header, tabs, footer; fed by the live pipeline it is given."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.lazy import Lazy
from textual.widgets import Footer, TabbedContent, TabPane

from tui.core.audit import Finding, assess
from tui.core.config import Config
from tui.core.ports import Conflict, find_conflicts
from tui.core.state import HostState
from tui.engine.live import Live
from tui.ui.actions import ContainerActions
from tui.ui.marks import container_marks, header_segments
from tui.ui.screens.help import HelpScreen
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.networks import NetworksTab
from tui.ui.tabs.ports import PortsTab
from tui.ui.tabs.security import SecurityTab
from tui.ui.tabs.topology import TopologyTab
from tui.ui.widgets.header import EngineHeader

# Engine events come in bursts (a compose up, a cold start of 250 inspects):
# repaint at most this often, so a burst costs one repaint, not one per event.
COALESCE_SECONDS = 0.005
# Uptimes are shown in humanized words: a repaint every half minute keeps them true.
CLOCK_SECONDS = 30.0


def _only_traffic_changed(before: HostState, after: HostState) -> bool:
    """The reducer keeps every unchanged part of the state as the same object."""
    return before.traffic is not after.traffic and all(
        getattr(before, f.name) is getattr(after, f.name)
        for f in fields(HostState)
        if f.name != "traffic"
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


class NetdockApp(ContainerActions, App[None]):
    """netdock's live dashboard of one engine."""

    TITLE = "netdock"
    CSS = """
    Screen { layout: vertical; }
    TabbedContent { height: 1fr; }
    TabPane { padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
        Binding("o", "sort", "Sort", id="sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="reverse_sort"),
        Binding("1", "tab('containers')", "Containers", show=False, id="tab_containers"),
        Binding("2", "tab('networks')", "Networks", show=False, id="tab_networks"),
        Binding("3", "tab('ports')", "Ports", show=False, id="tab_ports"),
        Binding("4", "tab('security')", "Security", show=False, id="tab_security"),
        Binding("5", "tab('topology')", "Topology", show=False, id="tab_topology"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False, id="next_tab"),
        Binding(
            "left_square_bracket", "previous_tab", "Previous tab", show=False, id="previous_tab"
        ),
        # Engine-changing actions (tui.ui.actions); check_action decides when they apply.
        Binding("n", "launch", "New", id="launch"),
        Binding("u", "start", "Start", id="start"),
        Binding("s", "stop", "Stop", id="stop"),
        Binding("r", "restart", "Restart", id="restart"),
        Binding("p", "pause", "Pause/unpause", id="pause"),
        Binding("d", "remove", "Remove", id="remove"),
        Binding("m", "relaunch", "Relaunch in mode", id="relaunch"),
    ]

    def __init__(
        self,
        live: Live,
        *,
        read_only: bool = False,
        now: Callable[[], datetime] = utc_now,
        config: Config | None = None,
        config_problems: Sequence[str] = (),
        launch_labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.live = live
        config = config or Config()
        self.read_only = read_only or bool(config.read_only)
        # Extra labels on every container launched from here (tests label theirs).
        self.launch_labels = dict(launch_labels or {})
        taken = {b.key: b.description for b in self.BINDINGS if isinstance(b, Binding)}
        self._start_problems = [*config_problems, *self._init_actions(config, taken)]
        self.now = now
        self.state = HostState()
        self._repaint_due = False
        self._repaint_cost = 0.0
        self._repainted_at = 0.0
        self._analysed: tuple[tuple[object, ...], tuple[Conflict, ...], tuple[Finding, ...]] | None
        self._analysed = None

    def compose(self) -> ComposeResult:
        # Held, not queried: a repaint may come while a modal screen is on top.
        self.header = EngineHeader(id="header")
        self.containers = ContainersTab(self.now, id="containers-tab")
        self.networks = NetworksTab(id="networks-tab")
        self.ports = PortsTab(id="ports-tab")
        self.security = SecurityTab(self.config.accept, id="security-tab")
        self.topology = TopologyTab(id="topology-tab")
        yield self.header
        with TabbedContent(id="tabs"):
            with TabPane("Containers [1]", id="containers"):
                yield self.containers
            # The hidden tabs are mounted after the first paint: less to style before it.
            with TabPane("Networks [2]", id="networks"):
                yield Lazy(self.networks)
            with TabPane("Ports [3]", id="ports"):
                yield Lazy(self.ports)
            with TabPane("Security [4]", id="security"):
                yield Lazy(self.security)
            with TabPane("Topology [5]", id="topology"):
                yield Lazy(self.topology)
        yield Footer()

    def on_mount(self) -> None:
        self.live.set_publisher(self.on_state)
        self.query_one("#containers-table").focus()
        self._repaint()
        self.follow_engine()
        self.set_interval(CLOCK_SECONDS, self._repaint)
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        for problem in self._start_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15)

    async def on_unmount(self) -> None:
        await self.live.backend.close()

    @work(exclusive=True, group="engine")
    async def follow_engine(self) -> None:
        """The one long-lived worker that owns the event stream."""
        await self.live.run()

    # state -> screen -------------------------------------------------------

    def on_state(self, state: HostState) -> None:
        rates_only = _only_traffic_changed(self.state, state)
        self.state = state
        # A new sample changes only the rates: a tab that shows none has nothing to redraw,
        # the containers tab only the cells (if any) and the detail.
        if rates_only and self.containers.is_attached:
            active = self.query_one(TabbedContent).active
            if active == "containers":
                self.containers.show_rates(state)
            if active != "topology":
                return
        if not self._repaint_due:
            self._repaint_due = True
            # An event after a quiet spell is painted at once; in a burst, repainting
            # keeps to about a third of the time: twice the last repaint's cost must
            # have passed since it ended.
            rest = 2 * self._repaint_cost - (time.perf_counter() - self._repainted_at)
            self.set_timer(max(COALESCE_SECONDS, rest), self._repaint)

    def _repaint(self) -> None:
        self._repaint_due = False
        if not self.containers.is_attached:
            return  # a timer that outlived the screen at exit
        started = time.perf_counter()
        self._paint(self.state)
        self._repainted_at = time.perf_counter()
        self._repaint_cost = self._repainted_at - started

    def _paint(self, state: HostState) -> None:
        if state.synced:
            conflicts, findings = self._analyses(state)
            segments = header_segments(conflicts, findings)
        else:  # the list's summaries lack what the analyses read: no guesses meanwhile
            conflicts, findings = (), ()
            segments = [Text("checking ports and security…", style="dim")]
        self.header.show_state(state, segments)
        busy = self.marks_for(state)
        # Only the tab on screen is brought up to date; a tab catches up when it is shown.
        match self.query_one(TabbedContent).active:
            case "containers":
                self.containers.show_state(
                    state, marks=container_marks(conflicts, findings), busy=busy
                )
                self.follow_actions(state)
            case "networks":
                self.networks.show_state(state)
            case "ports":
                self.ports.show_state(state, conflicts)
            case "security":
                self.security.show_state(state)
            case "topology":
                self.topology.show_state(state)

    def _analyses(self, state: HostState) -> tuple[tuple[Conflict, ...], tuple[Finding, ...]]:
        """Collisions and findings, computed again only when what they read changed (not on
        a new sample of the counters, every second)."""
        read = (state.containers, state.networks, state.host, state.daemon)
        known = self._analysed
        if known is None or any(a is not b for a, b in zip(known[0], read, strict=True)):
            found = assess(state, self.config.accept).findings
            known = self._analysed = (read, find_conflicts(state), found)
        return known[1], known[2]

    # actions ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The one place that says whether an action applies now (keys, footer, ``?``)."""
        return self.action_available(action)

    def on_containers_tab_selected(self) -> None:
        self.refresh_bindings()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._repaint()
        # The keys go to what the user now sees: the tab's table (or tree).
        for widget in event.pane.query("*"):
            if widget.can_focus and widget.display:
                widget.focus()
                break
        self.refresh_bindings()

    def action_help(self) -> None:
        rows = []
        for binding in [*self.BINDINGS, *self.preset_bindings]:
            assert isinstance(binding, Binding)
            available = self.check_action(binding.action.split("(")[0], ()) is True
            key = self.config.keys.get(binding.id or "", binding.key_display or binding.key)
            rows.append((key, binding.description, available))
        self.push_screen(HelpScreen(rows))

    def action_filter(self) -> None:
        self.action_tab("containers")
        self.containers.open_filter()

    def action_clear_filter(self) -> None:
        self.containers.close_filter()

    def action_sort(self) -> None:
        self.containers.cycle_sort()
        self.notify(f"sorted by {self.containers.sort_field}", timeout=1.5)

    def action_reverse_sort(self) -> None:
        self.containers.reverse_sort()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def _step_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [pane.id for pane in tabs.query(TabPane) if pane.id]
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)
