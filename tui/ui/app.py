"""The dashboard: header, tabs, footer; fed by the live pipeline it is given."""

from __future__ import annotations

import time
from collections import ChainMap, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.lazy import Lazy
from textual.widgets import Footer, Input, TabbedContent, TabPane

from tui.core.audit import Assessment, AuditMemo, Finding, assess
from tui.core.backend import EngineError
from tui.core.changes import ChangeLog
from tui.core.config import Config
from tui.core.model import Container, Event
from tui.core.parse import parse_event
from tui.core.ports import Conflict, find_conflicts
from tui.core.state import HostState, Link, only_traffic_changed
from tui.engine.allocator import freeze_survivors
from tui.engine.live import EVENT_FILTERS, QUIET_ACTIONS, Live
from tui.ui.actions import ContainerActions
from tui.ui.engines import Engines
from tui.ui.headline import TABS, tab_labels
from tui.ui.marks import UNKNOWN_SEGMENTS, container_marks, header_segments
from tui.ui.screens.help import HelpScreen, KeyRow
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.networks import NetworksTab
from tui.ui.tabs.ports import PortsTab
from tui.ui.tabs.security import SecurityTab
from tui.ui.tabs.timeline import TimelineTab
from tui.ui.tabs.topology import TopologyTab
from tui.ui.widgets.header import EngineHeader
from tui.ui.widgets.table import KeyedTable
from tui.ui.widgets.table_tab import SortableTable, TableControls

# Engine events come in bursts (a compose up, a cold start of 250 inspects):
# repaint at most this often, so a burst costs one repaint, not one per event.
COALESCE_SECONDS = 0.005
# The keys that act on the table on screen (tui.ui.widgets.table_tab): any such table,
# or only one that sorts.
TABLE_ACTIONS = frozenset({"filter", "clear_filter", "to_row"})
SORT_ACTIONS = frozenset({"sort", "reverse_sort"})
# Several engines: how long the first one may read alone before the others start.
OTHERS_AFTER_SECONDS = 1.0
# Uptimes and the timeline's ages are in humanized words: a tick every half minute keeps
# them true.
CLOCK_SECONDS = 30.0
# The timeline's "before netdock started": the engine's events of the last hour, at most.
HISTORY_SECONDS = 3600
HISTORY_LIMIT = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


def key_name(app: App[None], binding: Binding, key: str) -> str:
    """A key as the user types it: ``?``, ``]``, ``F2`` (not ``question_mark``)."""
    if binding.key_display:
        return binding.key_display
    name = app.get_key_display(Binding(key, ""))
    return name.upper() if name[:1] == "f" and name[1:].isdigit() else name


class NetdockApp(ContainerActions, App[None]):
    """netdock's live dashboard of one engine, or of several side by side."""

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
        Binding("w", "wide", "Wide", show=False, id="wide"),
        # Priority: the table's own Home/End only scroll sideways.
        Binding("home", "to_row(0)", "First row", show=False, priority=True, id="first_row"),
        Binding("end", "to_row(-1)", "Last row", show=False, priority=True, id="last_row"),
        Binding("1", "tab('containers')", "Containers", show=False, id="tab_containers"),
        Binding("2", "tab('networks')", "Networks", show=False, id="tab_networks"),
        Binding("3", "tab('ports')", "Ports", show=False, id="tab_ports"),
        Binding("4", "tab('security')", "Security", show=False, id="tab_security"),
        Binding("5", "tab('timeline')", "Timeline", show=False, id="tab_timeline"),
        Binding("6", "tab('topology')", "Topology", show=False, id="tab_topology"),
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
        # Several engines: all of them, or one.
        Binding("e", "engine_view", "Engines", id="engine_view"),
    ]

    def __init__(
        self,
        live: Live | Sequence[Live],
        *,
        read_only: bool = False,
        now: Callable[[], datetime] = utc_now,
        config: Config | None = None,
        config_problems: Sequence[str] = (),
        launch_labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        # Each engine has its own pipeline and state; the core stays one-engine.
        self.engines = Engines([live] if isinstance(live, Live) else live)
        # The engine an open launcher was asked for (several engines).
        self._launch_engine: int | None = None
        # Per engine, the reason for its lost link last told in a notice.
        self._told: dict[int, str] = {}
        config = config or Config()
        self.read_only = read_only or bool(config.read_only)
        # Extra labels on every container launched from here (tests label theirs).
        self.launch_labels = dict(launch_labels or {})
        taken = {b.key: b.description for b in self.BINDINGS if isinstance(b, Binding)}
        self._start_problems = [*config_problems, *self._init_actions(config, taken)]
        self.now = now
        # Each engine's changes, for the timeline (a change is one engine's).
        self.changelogs = [ChangeLog(config.timeline_limit or 10_000) for _ in self.engines.lives]
        self.history: list[Event] = []
        self.wide = False
        self._segments: list[Text] = list(UNKNOWN_SEGMENTS)
        self._repaint_due = False
        self._others_due = False
        self._repaint_cost = 0.0
        self._repainted_at = 0.0
        # Per engine: what its analyses read, and what they found.
        self._analysed: dict[int, tuple[tuple[object, ...], tuple[Conflict, ...], Assessment]] = {}
        # Per engine: the next audit checks again only the containers that changed.
        self._audit_memos: defaultdict[int, AuditMemo] = defaultdict(AuditMemo)

    def compose(self) -> ComposeResult:
        # Held, not queried: a repaint may come while a modal screen is on top.
        self.header = EngineHeader(id="header")
        self.containers = ContainersTab(self.now, self.engines, id="containers-tab")
        self.networks = NetworksTab(id="networks-tab")
        several = self.engines.several
        self.ports = PortsTab(several, id="ports-tab")
        self.security = SecurityTab(self.config.accept, several, id="security-tab")
        self.timeline = TimelineTab(self.now, id="timeline-tab")
        self.topology = TopologyTab(id="topology-tab")
        yield self.header
        with TabbedContent(id="tabs"):
            with TabPane(TABS["containers"], id="containers"):
                yield self.containers
            # The hidden tabs are mounted after the first paint: less to style before it.
            with TabPane(TABS["networks"], id="networks"):
                yield Lazy(self.networks)
            with TabPane(TABS["ports"], id="ports"):
                yield Lazy(self.ports)
            with TabPane(TABS["security"], id="security"):
                yield Lazy(self.security)
            with TabPane(TABS["timeline"], id="timeline"):
                yield Lazy(self.timeline)
            with TabPane(TABS["topology"], id="topology"):
                yield Lazy(self.topology)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#containers-table").focus()
        self._repaint()
        self._follow(0)
        self.read_history()
        # The others start once the first engine's rows are on screen (or a moment
        # passed): their reads would otherwise delay its first paint.
        self._others_due = self.engines.several
        if self._others_due:
            self.set_timer(OTHERS_AFTER_SECONDS, self._follow_the_others)
        self.set_interval(CLOCK_SECONDS, self._clock)
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        for problem in self._start_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15)

    async def on_unmount(self) -> None:
        for live in self.engines.lives:
            await live.backend.close()

    # the engines -----------------------------------------------------------

    def _follow(self, index: int) -> None:
        live = self.engines.lives[index]
        live.set_publisher(partial(self.on_engine_state, index))
        # One worker per engine: one that is slow or gone never holds up another.
        self.run_worker(live.run(), group=f"engine-{index}", exclusive=True)

    def _follow_the_others(self) -> None:
        if self._others_due:
            self._others_due = False
            for index in range(1, len(self.engines.lives)):
                self._follow(index)

    @property
    def acting_engine(self) -> int:
        """The engine an action acts on and the one-engine tabs show: the launcher's, else
        the one in view, else the selected row's (the first engine's when none is)."""
        if self._launch_engine is not None:
            return self._launch_engine
        # The one in view first: the containers table is brought up to date only while on
        # screen, so its selection may still be a row of the view before.
        if self.engines.view is not None:
            return self.engines.view
        selected = self.containers.selected_engine if self.containers.is_mounted else None
        return selected if selected is not None else 0

    @property
    def live(self) -> Live:
        return self.engines.lives[self.acting_engine]

    @property
    def state(self) -> HostState:
        return self.engines.states[self.acting_engine]

    def all_containers(self) -> Mapping[str, Container]:
        """Every engine's containers by ID (IDs are unique across engines)."""
        states = self.engines.states
        return (
            states[0].containers
            if len(states) == 1
            else ChainMap(*(dict(s.containers) for s in states))
        )

    def on_engine_state(self, index: int, state: HostState) -> None:
        rates_only = only_traffic_changed(self.engines.states[index], state)
        self.engines.states[index] = state
        if rates_only and self.containers.is_attached:
            # A new sample changes only the rates: a tab that shows none has nothing to
            # redraw, the containers tab only the cells (if any) and the detail.
            active = self.query_one(TabbedContent).active
            if active == "containers":
                self.containers.show_rates(self.engines.in_view())
            if active != "topology":
                return
        # Every state, not only those repainted: a change undone within one repaint is told.
        self.changelogs[index].observe(state, self.now())
        connection = state.connection
        # The header has room for one engine's reason: the others' come as notices, once
        # per reason (not at every retry).
        told = self._told.get(index, "")
        if connection.link is Link.LIVE:
            self._told[index] = ""
        elif self.engines.several and connection.message and connection.message != told:
            self._told[index] = connection.message
            self.notify(
                f"{self.engines.labels[index]}: {connection.message}",
                severity="warning",
                markup=False,
            )
        self.repaint_soon()

    @work(group="history")
    async def read_history(self) -> None:
        """The engine's own events of the last hour, for the timeline's start."""
        until = time.time()
        since = f"{until - HISTORY_SECONDS:.3f}"
        try:
            raw = [e async for e in self.live.backend.events(since, EVENT_FILTERS, f"{until:.3f}")]
        except EngineError:
            return  # no past to show: the timeline starts now
        events = [
            e
            for e in map(parse_event, raw)
            if e is not None and not e.action.startswith(QUIET_ACTIONS)
        ]
        self.history = events[-HISTORY_LIMIT:]
        self._repaint()

    # state -> screen -------------------------------------------------------

    def repaint_soon(self) -> None:
        if not self._repaint_due:
            self._repaint_due = True
            # An event after a quiet spell is painted at once; in a burst, repainting
            # keeps to about a third of the time: twice the last repaint's cost must
            # have passed since it ended.
            rest = 2 * self._repaint_cost - (time.perf_counter() - self._repainted_at)
            self.set_timer(max(COALESCE_SECONDS, rest), self._repaint)

    def _clock(self) -> None:
        """The words that read the clock: the uptimes where they stand (a tick costs the
        rows that aged, not a repaint of every row), the timeline's ages on its tab."""
        if not self.containers.is_attached:
            return  # a tick that outlived the screen at exit
        self.containers.age_rows(self.now())
        if self.query_one(TabbedContent).active == "timeline":
            self._repaint()

    def _repaint(self) -> None:
        self._repaint_due = False
        if not self.containers.is_attached:
            return  # a timer that outlived the screen at exit
        started = time.perf_counter()
        self._paint()
        first = self.engines.states[0]
        if self._others_due and (first.containers or first.connection.link is not Link.CONNECTING):
            self._follow_the_others()
        self._repainted_at = time.perf_counter()
        self._repaint_cost = self._repainted_at - started

    def _paint(self) -> None:
        # What the engine did goes on screen first (a row in, a row out); the analyses of
        # the whole host (collisions, findings: O(containers)) follow right after that frame.
        self._show_header()
        busy = self.marks_for(self.all_containers())
        # Ports and security show the engines in view, each analysed alone; the other
        # tabs show one engine: the one in view, else the selected row's.
        one = self.acting_engine
        state = self.engines.states[one]
        self._label_tabs(one)
        # Only the tab on screen is brought up to date; a tab catches up when it is shown.
        match self.query_one(TabbedContent).active:
            case "containers":
                self.containers.show_states(self.engines.in_view(), busy=busy)
                self.follow_actions()
            case "networks":
                self.networks.show_state(state)
        self._follow_stats()
        self.call_after_refresh(self._analyse)

    def _follow_stats(self) -> None:
        """A remote engine's rates come from its stats, for the running container selected
        in the containers tab only: none on another tab, none for the other engines."""
        selected = None
        if self.query_one(TabbedContent).active == "containers":
            container = self.containers.selected
            if container is not None and container.running:
                selected = (self.containers.selected_engine, container.id)
        for index, live in enumerate(self.engines.lives):
            one = selected[1] if selected is not None and selected[0] == index else None
            live.sample_stats_of(one)

    def _analyse(self) -> None:
        if not self.containers.is_attached:
            return
        shown = self.engines.in_view()
        conflicts: list[tuple[Conflict, ...]] = []
        findings: list[tuple[Finding, ...]] = []
        for engine in shown:
            # No answer yet, or only the list's summaries: no guesses meanwhile.
            state = engine.state  # the latest: a burst's analyses are never all put off
            if state.known:
                conflicted, assessment = self._analyses(engine.index)
                conflicts.append(conflicted)
                findings.append(assessment.findings)
                self.changelogs[engine.index].observe(
                    state, self.now(), conflicts[-1], findings[-1]
                )
            elif (last := self._analysed.get(engine.index)) is not None:
                # A new container not inspected yet: the last analyses stand until it is
                # (the marks and counts do not blink).
                conflicts.append(last[1])
                findings.append(last[2].findings)
            else:
                conflicts.append(())
                findings.append(())
        if any(engine.state.known or engine.index in self._analysed for engine in shown):
            self._segments = header_segments(chain(*conflicts), chain(*findings))
        else:
            self._segments = list(UNKNOWN_SEGMENTS)
        self._show_header()
        one = self.acting_engine
        state = self.engines.states[one]
        match self.query_one(TabbedContent).active:
            case "containers":
                marks: dict[str, Text] = {}
                for conflicted, found in zip(conflicts, findings, strict=True):
                    marks.update(container_marks(conflicted, found))
                self.containers.show_marks(marks)
                self.containers.show_analyses(
                    conflicts[0] if len(conflicts) == 1 else tuple(chain(*conflicts)),
                    findings[0] if len(findings) == 1 else tuple(chain(*findings)),
                    self.refusals,
                )
            case "ports":
                self.ports.show_states(list(zip(shown, conflicts, strict=True)))
            case "security":
                # Until an engine has answered in full there is nothing to audit.
                self.security.show_states(
                    shown,
                    [self._analyses(e.index)[1] if e.state.known else None for e in shown],
                )
            case "timeline":
                log = self.changelogs[one]
                self.timeline.show(log.changes, log.total, self.history)
            case "topology":
                self.topology.show_state(state)
        # After an engine's read in full (a peak), once its rows and analyses are on
        # screen: what survived is the session's, frozen (tui.engine.allocator).
        self.call_after_refresh(freeze_survivors)

    def _show_header(self) -> None:
        if self.engines.several:
            self.header.show_engines(
                self.engines.every(), self.engines.view, self._segments, read_only=self.read_only
            )
        else:
            self.header.show_state(self.engines.states[0], self._segments, read_only=self.read_only)

    def _label_tabs(self, one: int) -> None:
        """With several engines, each tab of one engine says which engine it shows (ports
        and security show every engine in view: they name the one, if one is)."""
        if not self.engines.several:
            return
        tabs = self.query_one(TabbedContent)
        for pane, label in tab_labels(self.engines.labels, self.engines.view, one).items():
            tab = tabs.get_tab(pane)
            if str(tab.label) != label:
                tab.label = label

    def _analyses(self, engine: int) -> tuple[tuple[Conflict, ...], Assessment]:
        """An engine's collisions and audit, computed again only when what they read
        changed (not on a new sample of the counters, every second, nor on a repaint): the
        header, the marks, the timeline and the security tab all take them from here."""
        state = self.engines.states[engine]
        read = (state.containers, state.networks, state.host, state.daemon)
        known = self._analysed.get(engine)
        if known is None or any(a is not b for a, b in zip(known[0], read, strict=True)):
            assessment = assess(state, self.config.accept, self._audit_memos[engine])
            known = self._analysed[engine] = (read, find_conflicts(state), assessment)
        return known[1], known[2]

    # actions ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The one place that says whether an action applies now (keys, footer, ``?``)."""
        if action == "engine_view":
            return self.engines.several
        if action in SORT_ACTIONS:
            return isinstance(self.table_tab(), SortableTable)  # not offered here: hidden
        if action in TABLE_ACTIONS:
            if self.table_tab() is None:
                return False  # not offered on this tab: hidden
            # Home and End are the filter line's own while it is typed in.
            return action != "to_row" or not isinstance(self.focused, Input)
        return self.action_available(action)

    def table_tab(self) -> TableControls | None:
        """The tab on screen, if ``/``, ``o``, ``O``, Home and End act on it."""
        if self.screen is not self.screen_stack[0]:
            return None  # a dialog is on top: the keys are its own
        try:
            pane = self.query_one(TabbedContent).active_pane
        except NoMatches:  # not composed yet
            return None
        for widget in pane.children if pane is not None else ():
            if isinstance(widget, TableControls):
                return widget
        return None

    def on_key(self, event: events.Key) -> None:
        """A key the footer shows dimmed because of read-only mode: say so, once."""
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.enabled or active.node is not self:
            return
        name, _, _ = active.binding.action.partition("(")
        if self.refused_in_read_only(name):
            event.stop()
            self.notify(
                f"{active.binding.description}: not in read-only mode",
                severity="warning",
                timeout=2,
                markup=False,
            )

    def on_containers_tab_selected(self) -> None:
        if self.containers.is_attached:  # not a selection that arrives as the app exits
            self.refresh_bindings()
            self._follow_stats()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        for table in event.pane.query(KeyedTable):  # a tab mounted late catches up
            table.wide = self.wide
        self._repaint()
        # The keys go to what the user now sees: the tab's table (or tree).
        for widget in event.pane.query("*"):
            if widget.can_focus and widget.display:
                widget.focus()
                break
        self.refresh_bindings()

    def on_timeline_tab_jump(self, event: TimelineTab.Jump) -> None:
        """Enter on a change: its container (the filter set to its name) or its network
        (the cursor on it); a network the engine no longer has is said so."""
        if event.about == "network":
            network = self.state.network_by_name(event.subject)
            if network is None:
                self.notify(
                    f"network {event.subject} is gone: the engine no longer has it",
                    severity="warning",
                    markup=False,
                )
                return
            self.action_tab("networks")
            self.networks.select_network(network.id)
        elif event.about == "container":
            self.action_tab("containers")
            self.containers.open_filter(event.subject)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[KeyRow]:
        """Every binding for ``?``: the app's, the presets', then each tab's own."""
        rows = [
            self._key_row(binding, self, "")
            for binding in [*self.BINDINGS, *self.preset_bindings]
            if isinstance(binding, Binding)
            and (binding.id != "engine_view" or self.engines.several)
        ]
        tabs = self.query_one(TabbedContent)
        for pane in tabs.query(TabPane):
            for widget in pane.children:
                where = f" ({pane.id} tab)"
                on_screen = pane.id == tabs.active
                rows.extend(
                    self._key_row(binding, widget, where, on_screen)
                    for binding in widget.BINDINGS
                    if isinstance(binding, Binding)
                )
        return rows

    def _key_row(
        self, binding: Binding, node: DOMNode, where: str, on_screen: bool = True
    ) -> KeyRow:
        keys = self.config.keys.get(binding.id or "", binding.key)
        shown = " ".join(key_name(self, binding, key.strip()) for key in keys.split(","))
        name, _, _ = binding.action.partition("(")
        state = node.check_action(name, ()) if on_screen else False
        why = "" if state is True else "read-only" if self.refused_in_read_only(name) else "not now"
        return KeyRow(shown, binding.description + where, binding.id or "", why)

    def action_filter(self) -> None:
        if (tab := self.table_tab()) is not None:
            tab.open_filter()

    def action_clear_filter(self) -> None:
        if (tab := self.table_tab()) is not None:
            tab.close_filter()

    def action_sort(self) -> None:
        if isinstance(tab := self.table_tab(), SortableTable):
            self.notify(tab.cycle_sort(), timeout=1.5)

    def action_reverse_sort(self) -> None:
        if isinstance(tab := self.table_tab(), SortableTable):
            self.notify(tab.reverse_sort(), timeout=1.5)

    def action_to_row(self, index: int) -> None:
        if (tab := self.table_tab()) is not None:
            tab.to_row(index)

    def action_wide(self) -> None:
        """Every column at full width (scrolling sideways), or only what fits."""
        self.wide = not self.wide
        for table in self.query(KeyedTable):
            table.wide = self.wide

    def action_engine_view(self) -> None:
        self.engines.next_view()
        self.notify(f"showing {self.engines.view_label()}", timeout=1.5, markup=False)
        self._repaint()
        self.refresh_bindings()

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
