"""The top line: which engine, whether we are live, and the host's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tui.core.namespaces import mode_of
from tui.core.state import HostState, Link

LINK_STYLE = {
    Link.LIVE: ("● live", "bold green"),
    Link.CONNECTING: ("◌ connecting", "bold yellow"),
    Link.RECONNECTING: ("◌ reconnecting", "bold yellow"),
    Link.DOWN: ("✕ no engine", "bold red"),
}


def header_text(state: HostState, extra: Sequence[Text] = (), read_only: bool = False) -> Text:
    """Two lines: which engine and whether we follow it; then what is on it."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" netdock ", style="bold reverse")
    if read_only:
        text.append(" read-only ", style="bold black on yellow")
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
    if state.read:
        running = sum(c.running for c in containers)
        text.append(f"\n {running}/{len(state.containers)} running", style="bold")
    else:
        text.append("\n containers: unknown", style="dim")
    modes = Counter(mode_of(state, c) for c in containers)
    if modes:
        text.append("  " + "  ".join(f"{m} {n}" for m, n in sorted(modes.items())))
    for segment in extra:
        text.append("  ")
        text.append(segment)
    return text


class EngineHeader(Static):
    DEFAULT_CSS = """
    EngineHeader { height: 2; background: $panel; padding: 0 0; }
    """

    _shown: Text | None = None

    def show_state(
        self, state: HostState, extra: Sequence[Text] = (), *, read_only: bool = False
    ) -> None:
        text = header_text(state, extra, read_only)
        if text != self._shown:  # an update re-lays out the screen: only when it changed
            self._shown = text
            self.update(text)
