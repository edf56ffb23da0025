"""The top line: which engine, whether we are live, and the host's counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tui.core.state import HostState
from tui.ui.engines import EngineState
from tui.ui.headline import counts, engine_line, engines_line, wrap


def header_text(
    state: HostState, extra: Sequence[Text] = (), width: int = 0, read_only: bool = False
) -> Text:
    """Which engine and whether we follow it; then what is on it, its counts wrapped
    to ``width`` (0: one line) so that none is cut."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for piece, style in engine_line(state, read_only):
        text.append(piece, style=style)
    _counts(text, [state], extra, width)
    return text


def _counts(text: Text, states: Sequence[HostState], extra: Sequence[Text], width: int) -> None:
    """The counts of ``states``, then ``extra``, wrapped to ``width`` (0: one line)."""
    items = [*(Text(piece, style=style) for piece, style in counts(*states)), *extra]
    for line in wrap([item.cell_len for item in items], width):
        text.append("\n ")
        for n, i in enumerate(line):
            text.append("  " if n else "")
            text.append(items[i])


def engines_text(
    engines: Sequence[EngineState],
    view: int | None,
    extra: Sequence[Text] = (),
    width: int = 0,
    read_only: bool = False,
) -> Text:
    """Several engines: each one's link on the first line (the one in view underlined, with
    its reason when it is not live); the counts of those in view below."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for piece, style in engines_line(engines, view, read_only):
        text.append(piece, style=style)
    _counts(text, [e.state for e in engines if view is None or e.index == view], extra, width)
    return text


class EngineHeader(Widget):
    """The header: as many lines as its counts need at the screen's width."""

    DEFAULT_CSS = """
    EngineHeader {
        height: auto; background: $panel; padding: 0 0;
        /* Each line is cut with an ellipsis, as its Text says (Textual wraps by default). */
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        empty = HostState()
        self._build: Callable[[int], Text] = lambda width: header_text(empty, (), width)
        # The lines built for the current words, by width: the counts read every
        # container, and Textual asks for the height and then the lines.
        self._built: dict[int, Text] = {}

    def show_state(
        self, state: HostState, extra: Sequence[Text] = (), *, read_only: bool = False
    ) -> None:
        """One engine: which, its link, its counts."""
        self._show(lambda width: header_text(state, extra, width, read_only))

    def show_engines(
        self,
        engines: Sequence[EngineState],
        view: int | None,
        extra: Sequence[Text] = (),
        *,
        read_only: bool = False,
    ) -> None:
        """Several engines: each one's link; the counts of those in view."""
        self._show(lambda width: engines_text(engines, view, extra, width, read_only))

    def _show(self, build: Callable[[int], Text]) -> None:
        before = self._text(self.size.width)
        self._build, self._built = build, {}
        if (
            self._text(self.size.width) != before
        ):  # a new height re-lays out the screen: only on change
            self.refresh(layout=True)

    def _text(self, width: int) -> Text:
        text = self._built.get(width)
        if text is None:
            text = self._built[width] = self._build(width)
        return text

    def render(self) -> Text:
        # A copy: what Textual is given to draw, it may change.
        return self._text(self.size.width).copy()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._text(width).plain.splitlines())
