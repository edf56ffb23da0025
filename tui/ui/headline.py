"""The header's words, as (text, style) pieces: no Textual and no Rich here.

Both the dashboard's header widget and the first paint (drawn before Textual has
loaded, tui.ui.firstpaint) build their lines from these, so the two agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tui.core.namespaces import mode_of
from tui.core.state import HostState, Link

Piece = tuple[str, str]  # text, style (Rich's style words: "bold green", "dim", "")

LINK_STYLE = {
    Link.LIVE: ("● live", "bold green"),
    Link.CONNECTING: ("◌ connecting", "bold yellow"),
    Link.RECONNECTING: ("◌ reconnecting", "bold yellow"),
    Link.DOWN: ("✕ no engine", "bold red"),
}
CHECKING: Piece = ("checking ports and security…", "dim")


def engine_line(state: HostState) -> list[Piece]:
    """Which engine, and whether we follow it."""
    pieces = [(" netdock ", "bold reverse")]
    engine = state.engine
    if engine is not None:
        pieces.append((f" {engine.endpoint}", "bold"))
        pieces.append((f"  Docker {engine.version} (API {engine.api_version})", ""))
    link, style = LINK_STYLE[state.connection.link]
    pieces += [("  ", ""), (link, style)]
    if state.connection.link is Link.LIVE and not state.synced:
        pieces.append((" (reading)", "yellow"))
    if state.connection.message and state.connection.link is not Link.LIVE:
        pieces.append((f": {state.connection.message}", style.replace("bold ", "")))
        if state.connection.attempt:
            pieces.append((f" (attempt {state.connection.attempt}, retrying)", "dim"))
    return pieces


def counts(state: HostState) -> list[Piece]:
    """What is on the engine: running/total, then containers per mode."""
    containers = state.containers.values()
    running = sum(c.running for c in containers)
    modes = Counter(mode_of(state, c) for c in containers)
    return [
        (f"{running}/{len(state.containers)} running", "bold"),
        *((f"{m} {n}", "") for m, n in sorted(modes.items())),
    ]


def wrap(lengths: Sequence[int], width: int) -> list[list[int]]:
    """The items (by index) on each line: one space first, two between, none cut
    (``width`` 0: all on one line)."""
    lines: list[list[int]] = [[]]
    used = 1
    for i, length in enumerate(lengths):
        if lines[-1] and width and used + 2 + length > width:
            lines.append([])
            used = 1
        used += length + (2 if lines[-1] else 0)
        lines[-1].append(i)
    return lines
