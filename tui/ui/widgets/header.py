"""The top line: which engine, whether we are live, and the host's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from tui.core.namespaces import mode_of
from tui.core.state import HostState, Link
from tui.ui.engines import EngineState

LINK_STYLE = {
    Link.LIVE: ("● live", "bold green"),
    Link.CONNECTING: ("◌ connecting", "bold yellow"),
    Link.RECONNECTING: ("◌ reconnecting", "bold yellow"),
    Link.DOWN: ("✕ no engine", "bold red"),
}


def header_text(state: HostState, extra: Sequence[Text] = ()) -> Text:
    """Two lines: which engine and whether we follow it; then what is on it."""
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
    if state.connection.link is Link.RECONNECTING and state.containers:
        text.append(" (rows shown are stale)", style="yellow")
    if state.connection.message and state.connection.link is not Link.LIVE:
        text.append(f": {state.connection.message}", style=style.replace("bold ", ""))
        if state.connection.attempt:
            text.append(f" (attempt {state.connection.attempt}, retrying)", style="dim")
    text.append("\n")
    _counts(text, [state], extra)
    return text


def _counts(text: Text, states: Sequence[HostState], extra: Sequence[Text]) -> None:
    """The second line: running and total containers, the modes, then ``extra``."""
    running = sum(c.running for s in states for c in s.containers.values())
    total = sum(len(s.containers) for s in states)
    text.append(f" {running}/{total} running", style="bold")
    modes = Counter(mode_of(s, c) for s in states for c in s.containers.values())
    if modes:
        text.append("  " + "  ".join(f"{m} {n}" for m, n in sorted(modes.items())))
    for segment in extra:
        text.append("  ")
        text.append(segment)


def engines_text(
    engines: Sequence[EngineState], view: int | None, extra: Sequence[Text] = ()
) -> Text:
    """Several engines: each one's link on the first line (the one in view underlined, with
    its reason when it is not live); the counts of those in view on the second."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" netdock ", style="bold reverse")
    text.append(" all engines:" if view is None else " engine:", style="dim")
    for engine in engines:
        connection = engine.state.connection
        link, style = LINK_STYLE[connection.link]
        text.append("  ▸" if engine.index == view else "  ")
        text.append(engine.label, style="bold underline" if engine.index == view else "bold")
        live = connection.link is Link.LIVE
        text.append(f" {link.split()[0] if live else link}", style=style)
        if connection.link is Link.RECONNECTING and engine.state.containers:
            text.append(" (stale)", style="yellow")
        if engine.index == view and not live and connection.message:
            text.append(f": {connection.message}", style=style.replace("bold ", ""))
    text.append("\n")
    shown = [e.state for e in engines if view is None or e.index == view]
    _counts(text, shown, extra)
    return text


class EngineHeader(Static):
    DEFAULT_CSS = """
    EngineHeader { height: 2; background: $panel; padding: 0 0; }
    """

    _shown: Text | None = None

    def show_state(self, state: HostState, extra: Sequence[Text] = ()) -> None:
        text = header_text(state, extra)
        if text != self._shown:  # an update re-lays out the screen: only when it changed
            self._shown = text
            self.update(text)

    def show_engines(
        self, engines: Sequence[EngineState], view: int | None, extra: Sequence[Text] = ()
    ) -> None:
        text = engines_text(engines, view, extra)
        if text != self._shown:
            self._shown = text
            self.update(text)
