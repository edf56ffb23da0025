"""The header's words, as (text, style) pieces: no Textual and no Rich here.

Both the dashboard's header widget and the first paint (drawn before Textual has
loaded, tui.ui.firstpaint) build their lines from these, so the two agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tui.core.namespaces import mode_of
from tui.core.state import HostState, Link
from tui.ui.engines import EngineState

Piece = tuple[str, str]  # text, style (Rich's style words: "bold green", "dim", "")

LINK_STYLE = {
    Link.LIVE: ("● live", "bold green"),
    Link.CONNECTING: ("◌ connecting", "bold yellow"),
    Link.RECONNECTING: ("◌ reconnecting", "bold yellow"),
    Link.DOWN: ("✕ no engine", "bold red"),
}
# The tabs, by id, with their labels (the number is the key that shows each): the app's
# tab bar and the first paint's.
TABS = {
    "containers": "Containers [1]",
    "networks": "Networks [2]",
    "ports": "Ports [3]",
    "security": "Security [4]",
    "timeline": "Timeline [5]",
    "topology": "Topology [6]",
}
# The tabs that show one engine at a time (with several, the label says which), and those
# that show every engine in view.
ONE_ENGINE_TABS = ("networks", "timeline", "topology")
IN_VIEW_TABS = ("ports", "security")
# The analyses' counts before the engine has answered in full: not known is not zero.
UNKNOWN: tuple[Piece, ...] = (("port collisions: unknown", "dim"), ("audit: unknown", "dim"))


def engine_line(state: HostState, read_only: bool = False) -> list[Piece]:
    """Which engine, and whether we follow it (and may change it)."""
    pieces = [(" netdock ", "bold reverse")]
    if read_only:
        pieces.append((" read-only ", "bold black on yellow"))
    engine = state.engine
    if engine is not None:
        pieces.append((f" {engine.endpoint}", "bold"))
        pieces.append((f"  Docker {engine.version} (API {engine.api_version})", ""))
    link, style = LINK_STYLE[state.connection.link]
    pieces += [("  ", ""), (link, style)]
    if state.connection.link is Link.LIVE and not state.synced:
        pieces.append((" (reading)", "yellow"))
    if state.connection.link is Link.RECONNECTING and state.containers:
        pieces.append((" (rows shown are stale)", "yellow"))
    if state.connection.message and state.connection.link is not Link.LIVE:
        pieces.append((f": {state.connection.message}", style.replace("bold ", "")))
        if state.connection.attempt:
            pieces.append((f" (attempt {state.connection.attempt}, retrying)", "dim"))
    return pieces


def tab_labels(labels: Sequence[str], view: int | None, one: int) -> dict[str, str]:
    """Every tab's label; with several engines, each tab of one engine says which it shows
    (``one``), and ports and security name the one in view, if one is."""
    if len(labels) < 2:
        return dict(TABS)
    shows = {tab: one for tab in ONE_ENGINE_TABS} | {tab: view for tab in IN_VIEW_TABS}
    return {
        tab: label if shows.get(tab) is None else f"{label} · {labels[shows[tab]]}"
        for tab, label in TABS.items()
    }


def engines_line(
    engines: Sequence[EngineState], view: int | None, read_only: bool = False
) -> list[Piece]:
    """Several engines: each one's link (the one in view underlined, with its reason when
    it is not live)."""
    pieces = [(" netdock ", "bold reverse")]
    if read_only:
        pieces.append((" read-only ", "bold black on yellow"))
    pieces.append((" all engines:" if view is None else " engine:", "dim"))
    for engine in engines:
        connection = engine.state.connection
        link, style = LINK_STYLE[connection.link]
        pieces.append(("  ▸" if engine.index == view else "  ", ""))
        pieces.append((engine.label, "bold underline" if engine.index == view else "bold"))
        live = connection.link is Link.LIVE
        pieces.append((f" {link.split()[0] if live else link}", style))
        if connection.link is Link.RECONNECTING and engine.state.containers:
            pieces.append((" (stale)", "yellow"))
        if engine.index == view and not live and connection.message:
            pieces.append((f": {connection.message}", style.replace("bold ", "")))
    return pieces


def counts(*states: HostState) -> list[Piece]:
    """What is on the engines that answered: running/total, then containers per mode."""
    states = tuple(state for state in states if state.read)
    if not states:
        return [("containers: unknown", "dim")]
    running = sum(c.running for s in states for c in s.containers.values())
    total = sum(len(s.containers) for s in states)
    modes = Counter(mode_of(s, c) for s in states for c in s.containers.values())
    return [
        (f"{running}/{total} running", "bold"),
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
