"""The top line: which engine, whether we are live, and the host's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tui.core.namespaces import mode_of
from tui.core.state import HostState, Link

LINK_STYLE = {
    Link.LIVE: ("● live", "bold green"),
    Link.CONNECTING: ("◌ connecting", "bold yellow"),
    Link.RECONNECTING: ("◌ reconnecting", "bold yellow"),
    Link.DOWN: ("✕ no engine", "bold red"),
}


def header_text(state: HostState, extra: Sequence[Text] = (), width: int = 0) -> Text:
    """Which engine and whether we follow it; then what is on it, its counts wrapped
    to ``width`` (0: one line) so that none is cut."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" netdock ", style="bold reverse")
    engine = state.engine
    if engine is not None:
        text.append(f" {engine.endpoint}", style="bold")
        text.append(f"  Docker {engine.version} (API {engine.api_version})")
    link, style = LINK_STYLE[state.connection.link]
    text.append("  ")
    text.append(link, style=style)
    if state.connection.link is Link.LIVE and not state.synced:
        text.append(" (reading)", style="yellow")
    if state.connection.message and state.connection.link is not Link.LIVE:
        text.append(f": {state.connection.message}", style=style.replace("bold ", ""))
        if state.connection.attempt:
            text.append(f" (attempt {state.connection.attempt}, retrying)", style="dim")
    containers = state.containers.values()
    running = sum(c.running for c in containers)
    modes = Counter(mode_of(state, c) for c in containers)
    counts = [
        Text(f"{running}/{len(state.containers)} running", style="bold"),
        *(Text(f"{m} {n}") for m, n in sorted(modes.items())),
        *extra,
    ]
    line = Text(" ")
    for count in counts:
        if line.plain.strip() and width and line.cell_len + 2 + count.cell_len > width:
            text.append("\n")
            text.append(line)
            line = Text(" ")
        if line.plain.strip():
            line.append("  ")
        line.append(count)
    text.append("\n")
    text.append(line)
    return text


class EngineHeader(Widget):
    """The header: as many lines as its counts need at the screen's width."""

    DEFAULT_CSS = """
    EngineHeader { height: auto; background: $panel; padding: 0 0; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = HostState()
        self._extra: Sequence[Text] = ()

    def show_state(self, state: HostState, extra: Sequence[Text] = ()) -> None:
        before = self.render()
        self._state, self._extra = state, extra
        if self.render() != before:  # a new height re-lays out the screen: only on change
            self.refresh(layout=True)

    def render(self) -> Text:
        return header_text(self._state, self._extra, self.size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(header_text(self._state, self._extra, width).plain.splitlines())
