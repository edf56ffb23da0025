"""The dashboard: header, tabs, footer; fed by the live pipeline it is given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, TabbedContent, TabPane

from tui.core.state import HostState
from tui.engine.live import Live
from tui.ui.screens.help import HelpScreen
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.networks import NetworksTab
from tui.ui.widgets.header import EngineHeader

# Engine events come in bursts (a compose up, a cold start of 250 inspects):
# repaint at most this often, so a burst costs one repaint, not one per event.
COALESCE_SECONDS = 0.015
# Uptimes are shown in humanized words: a repaint every half minute keeps them true.
CLOCK_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class NetdockApp(App[None]):
    """netdock's live dashboard of one engine."""

    TITLE = "netdock"
    CSS = """
    Screen { layout: vertical; }
    TabbedContent { height: 1fr; }
    TabPane { padding: 0; }
    """
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
        Binding("o", "sort", "Sort", id="sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="reverse_sort"),
        Binding("1", "tab('containers')", "Containers", show=False, id="tab_containers"),
        Binding("2", "tab('networks')", "Networks", show=False, id="tab_networks"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False, id="next_tab"),
        Binding("left_square_bracket", "previous_tab", "Previous tab", show=False,
                id="previous_tab"),
    ]

    def __init__(
        self,
        live: Live,
        *,
        read_only: bool = False,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self.live = live
        self.read_only = read_only
        self.now = now
        self.state = HostState()
        self._repaint_due = False

    def compose(self) -> ComposeResult:
        # Held, not queried: a repaint may come while a modal screen is on top.
        self.header = EngineHeader(id="header")
        self.containers = ContainersTab(self.now, id="containers-tab")
        self.networks = NetworksTab(id="networks-tab")
        yield self.header
        with TabbedContent(id="tabs"):
            with TabPane("Containers [1]", id="containers"):
                yield self.containers
            with TabPane("Networks [2]", id="networks"):
                yield self.networks
        yield Footer()

    def on_mount(self) -> None:
        self.live.set_publisher(self.on_state)
        self.query_one("#containers-table").focus()
        self._repaint()
        self.follow_engine()
        self.set_interval(CLOCK_SECONDS, self._repaint)

    async def on_unmount(self) -> None:
        await self.live.backend.close()

    @work(exclusive=True, group="engine")
    async def follow_engine(self) -> None:
        """The one long-lived worker that owns the event stream."""
        await self.live.run()

    # state -> screen -------------------------------------------------------

    def on_state(self, state: HostState) -> None:
        self.state = state
        if not self._repaint_due:
            self._repaint_due = True
            self.set_timer(COALESCE_SECONDS, self._repaint)

    def _repaint(self) -> None:
        self._repaint_due = False
        if not self.containers.is_attached:
            return  # a timer that outlived the screen at exit
        state = self.state
        self.header.show_state(state)
        self.containers.show_state(state)
        self.networks.show_state(state)

    # actions ---------------------------------------------------------------

    def action_help(self) -> None:
        rows = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            available = self.check_action(binding.action.split("(")[0], ()) is not False
            rows.append((binding.key_display or binding.key, binding.description, available))
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
