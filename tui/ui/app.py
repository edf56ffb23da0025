"""The dashboard: header, tabs, footer; fed by the live pipeline it is given."""

from __future__ import annotations

import time
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.lazy import Lazy
from textual.widgets import Footer, TabbedContent, TabPane

from tui.core.audit import Finding, audit
from tui.core.config import Config
from tui.core.model import Container
from tui.core.ports import Conflict, find_conflicts
from tui.core.state import HostState, Link
from tui.engine.live import Live
from tui.ui.actions import ContainerActions
from tui.ui.engines import Engines
from tui.ui.marks import container_marks, header_segments
from tui.ui.screens.help import HelpScreen
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.networks import NetworksTab
from tui.ui.tabs.ports import PortsTab
from tui.ui.tabs.security import SecurityTab
from tui.ui.widgets.header import EngineHeader

# Engine events come in bursts (a compose up, a cold start of 250 inspects):
# repaint at most this often, so a burst costs one repaint, not one per event.
COALESCE_SECONDS = 0.005
# Several engines: how long the first one may read alone before the others start.
OTHERS_AFTER_SECONDS = 1.0
# Uptimes are shown in humanized words: a repaint every half minute keeps them true.
CLOCK_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        Binding("1", "tab('containers')", "Containers", show=False, id="tab_containers"),
        Binding("2", "tab('networks')", "Networks", show=False, id="tab_networks"),
        Binding("3", "tab('ports')", "Ports", show=False, id="tab_ports"),
        Binding("4", "tab('security')", "Security", show=False, id="tab_security"),
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
        self._repaint_due = False
        self._others_due = False
        self._repaint_cost = 0.0
        self._repainted_at = 0.0

    def compose(self) -> ComposeResult:
        # Held, not queried: a repaint may come while a modal screen is on top.
        self.header = EngineHeader(id="header")
        self.containers = ContainersTab(self.now, self.engines, id="containers-tab")
        self.networks = NetworksTab(id="networks-tab")
        self.ports = PortsTab(id="ports-tab")
        self.security = SecurityTab(id="security-tab")
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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#containers-table").focus()
        self._repaint()
        self._follow(0)
        # The others start once the first engine's rows are on screen (or a moment
        # passed): their reads would otherwise delay its first paint.
        self._others_due = self.engines.several
        if self._others_due:
            self.set_timer(OTHERS_AFTER_SECONDS, self._follow_the_others)
        self.set_interval(CLOCK_SECONDS, self._repaint)
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
        the selected row's, else the one in view (the first when all are)."""
        if self._launch_engine is not None:
            return self._launch_engine
        selected = self.containers.selected_engine if self.containers.is_mounted else None
        if selected is not None:
            return selected
        return self.engines.view or 0

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
        self.engines.states[index] = state
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

    # state -> screen -------------------------------------------------------

    def repaint_soon(self) -> None:
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
        self._paint()
        first = self.engines.states[0]
        if self._others_due and (first.containers or first.connection.link is not Link.CONNECTING):
            self._follow_the_others()
        self._repainted_at = time.perf_counter()
        self._repaint_cost = self._repainted_at - started

    def _paint(self) -> None:
        shown = self.engines.in_view()
        conflicts: list[tuple[Conflict, ...]] = []
        findings: list[tuple[Finding, ...]] = []
        for engine in shown:
            # The list's summaries lack what the analyses read: no guesses meanwhile.
            synced = engine.state.synced
            conflicts.append(find_conflicts(engine.state) if synced else ())
            findings.append(audit(engine.state) if synced else ())
        if all(e.state.synced for e in shown):
            segments = header_segments(chain(*conflicts), chain(*findings))
        else:
            segments = [Text("checking ports and security…", style="dim")]
        if self.engines.several:
            self.header.show_engines(self.engines.every(), self.engines.view, segments)
        else:
            self.header.show_state(shown[0].state, segments)
        busy = self.marks_for(self.all_containers())
        # The other tabs show one engine: the one in view, else the selected row's.
        one = self.acting_engine
        one_at = next((i for i, e in enumerate(shown) if e.index == one), 0)
        state = self.engines.states[one]
        self._label_tabs(one)
        # Only the tab on screen is brought up to date; a tab catches up when it is shown.
        match self.query_one(TabbedContent).active:
            case "containers":
                marks = {}
                for conflicted, found in zip(conflicts, findings, strict=True):
                    marks.update(container_marks(conflicted, found))
                self.containers.show_states(shown, marks=marks, busy=busy)
                self.follow_actions()
            case "networks":
                self.networks.show_state(state)
            case "ports":
                self.ports.show_state(state, conflicts[one_at])
            case "security":
                self.security.show_state(state)

    def _label_tabs(self, one: int) -> None:
        """With several engines, each one-engine tab says which engine it shows."""
        if not self.engines.several:
            return
        tabs = self.query_one(TabbedContent)
        for pane, title in (("networks", "Networks [2]"), ("ports", "Ports [3]"),
                            ("security", "Security [4]")):  # fmt: skip
            label = f"{title} · {self.engines.labels[one]}"
            tab = tabs.get_tab(pane)
            if str(tab.label) != label:
                tab.label = label

    # actions ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The one place that says whether an action applies now (keys, footer, ``?``)."""
        if action == "engine_view":
            return self.engines.several
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
            if binding.id == "engine_view" and not self.engines.several:
                continue
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
