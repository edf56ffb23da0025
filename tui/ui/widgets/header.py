"""The top line: which engine, whether we are live, and the host's counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tui.core.state import HostState
from tui.ui.headline import counts, engine_line, wrap


def header_text(
    state: HostState, extra: Sequence[Text] = (), width: int = 0, read_only: bool = False
) -> Text:
    """Which engine and whether we follow it; then what is on it, its counts wrapped
    to ``width`` (0: one line) so that none is cut."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for piece, style in engine_line(state, read_only):
        text.append(piece, style=style)
    items = [*(Text(piece, style=style) for piece, style in counts(state)), *extra]
    for line in wrap([item.cell_len for item in items], width):
        text.append("\n ")
        for n, i in enumerate(line):
            text.append("  " if n else "")
            text.append(items[i])
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
        self._read_only = False

    def show_state(
        self, state: HostState, extra: Sequence[Text] = (), *, read_only: bool = False
    ) -> None:
        before = self.render()
        self._state, self._extra, self._read_only = state, extra, read_only
        if self.render() != before:  # a new height re-lays out the screen: only on change
            self.refresh(layout=True)

    def render(self) -> Text:
        return header_text(self._state, self._extra, self.size.width, self._read_only)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(header_text(self._state, self._extra, width, self._read_only).plain.splitlines())
