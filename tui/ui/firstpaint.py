"""The dashboard's first rows, drawn with plain ANSI before Textual has loaded.

Importing Textual takes about half a second; the engine lists 250 containers in a
tenth of one. So the command reads the engine first (tui.engine.firstread, in a
thread while this module imports) and draws, on the alternate screen, what the
dashboard's first frame will show: the header, the tab bar, the column headers and
the rows of that very list, laid out by the same code (tui.ui.headline,
tui.ui.columns, tui.core.rows). Nothing here imports Textual.

With several engines it draws the "all engines" view the dashboard opens on: every
engine in the header, the ENGINE column, and the rows of each local engine that has
answered by the time the first one did; one that is slow, refuses or hangs is shown
connecting, as the dashboard's first frame shows it, and delays nothing.

The handover: Textual's driver enters the alternate screen itself
(``ESC [?1049h``), which a terminal already on it ignores, and its first frame
rewrites every line, so nothing of this paint is left and the screen never goes
blank. The cursor is put back where the main screen had it before the handover,
since that second ``?1049h`` saves it again and Textual's exit restores it from
there. If the app never starts, ``leave`` restores the terminal.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

from tui.core.namespaces import sharer_index
from tui.core.parse import parse_container_summary, parse_engine, parse_network
from tui.core.rows import container_row, rate_cells
from tui.core.state import EngineSeen, HostState, Resynced, reduce
from tui.engine.firstread import FirstRead, Listing, first_listings
from tui.ui.columns import (
    PADDING,
    Piece,
    container_cells,
    containers_columns,
    fit,
    layout,
    marked,
    natural_width,
    rate_pieces,
)
from tui.ui.engines import EngineState, engine_labels
from tui.ui.headline import UNKNOWN, counts, engine_line, engines_line, tab_labels, wrap

if TYPE_CHECKING:
    from tui.engine.endpoint import EngineEndpoint

ENTER = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"  # alternate screen, cursor hidden, cleared
LEAVE = "\x1b[2J\x1b[?1049l\x1b[?25h"
HANDOVER = "\x1b8"  # the cursor back where ?1049h saved it (see the module's docstring)
SGR = {"bold": "1", "dim": "2", "reverse": "7", "red": "31", "green": "32"}
SGR |= {"yellow": "33", "blue": "34"}
CURSOR_ROW = "\x1b[1;48;2;1;120;212m"  # the table's cursor, on the first row
NO_MARK: Piece = ("", "")  # the marks come from the analyses, once every inspect is in
FIRST_SORT = "name"  # the containers tab's first order
DETAIL_SHARE = 0.45  # of the tab's height, at most, for the detail pane under the table
TERMINAL = 2  # Textual's driver draws on stderr: the same stream, so the same terminal


def _styled(text: str, style: str) -> str:
    codes = [SGR[word] for word in style.split() if word in SGR]
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


def _line(pieces: Sequence[Piece], width: int, cut: str = "…") -> str:
    """One line of pieces, cut at ``width`` (ending with ``cut``)."""
    out, used = [], 0
    for text, style in pieces:
        if used + cell_len(text) > width:
            rest = max(0, width - used - cell_len(cut))
            out.append(_styled(set_cell_size(text, rest) + cut, style))
            break
        out.append(_styled(text, style))
        used += cell_len(text)
    return "".join(out)


def first_state(documents: Listing, endpoint: str) -> HostState:
    """The state the dashboard holds once it has read these documents."""
    engine = parse_engine(documents.version, endpoint, local=True)
    containers = tuple(c for c in map(parse_container_summary, documents.containers) if c)
    networks = tuple(n for n in map(parse_network, documents.networks) if n)
    return reduce(reduce(HostState(), EngineSeen(engine)), Resynced(containers, networks))


def _rows(
    engines: Sequence[EngineState], now: datetime, several: bool
) -> list[tuple[int, list[Piece]]]:
    """Every container's engine and cells, in the containers tab's first order (by name,
    then engine)."""
    rows = []
    for engine in engines:
        state = engine.state
        sharers = {k: len(v) for k, v in sharer_index(state).items()}
        for c in state.containers.values():
            row = container_row(state, c, now, sharers)
            cells = [
                NO_MARK,
                *([(engine.label, "")] if several else []),
                *container_cells(row, c.running, None, c.exit_code),
                *rate_pieces(rate_cells(state, c)),
            ]
            rows.append(((getattr(row, FIRST_SORT), engine.index), cells))
    return [(order[1], cells) for order, cells in sorted(rows, key=lambda pair: pair[0])]


def screen(engines: Sequence[EngineState], now: datetime, width: int, height: int) -> list[str]:
    """The dashboard's first frame as lines of ANSI text, top down (no footer): of one
    engine, or of several in the "all engines" view."""
    several = len(engines) > 1
    top = engines_line(engines, None) if several else engine_line(engines[0].state)
    rows = _rows(engines, now, several)
    lines = [_line(top, width)]
    items = [*counts(*(engine.state for engine in engines)), *UNKNOWN]
    for group in wrap([cell_len(text) for text, _ in items], width):
        pieces: list[Piece] = [(" ", "")]
        for n, i in enumerate(group):
            pieces += [("  ", "")] * bool(n) + [items[i]]
        lines.append(_line(pieces, width))
    # The tabs of one engine show the selected row's (the first), as the dashboard's do.
    one = rows[0][0] if rows else 0
    first, *others = tab_labels([engine.label for engine in engines], None, one).values()
    first = f" {first} "
    tabs = [(first, "bold"), *((f" {label} ", "dim") for label in others)]
    lines.append(_line(tabs, width, cut=""))  # the tab bar scrolls: the others are clipped
    underline = "━" * width
    lines.append(_styled(underline[: len(first)], "blue") + _styled(underline[len(first) :], "dim"))

    cells = [row_cells for _, row_cells in rows]
    tab_height = height - len(lines) - 1  # the footer
    visible = max(0, tab_height - 1 - int(tab_height * DETAIL_SHARE))
    room = width - 2 if len(cells) > visible else width  # the vertical scrollbar
    columns = containers_columns(several)
    widest = [max((cell_len(row[i][0]) for row in cells), default=0) for i in range(len(columns))]
    labels = [marked(c.label, False) if c.key == FIRST_SORT else c.label for c in columns]
    natural = [
        max(natural_width(column, widest[i]), cell_len(labels[i]))
        for i, column in enumerate(columns)
    ]
    shown = layout(columns, natural, room, wide=False)
    pad = " " * PADDING
    header = "".join(pad + fit(columns[i], labels[i], w) + pad for i, w in shown)
    lines.append(_styled(header, "bold"))
    for n, row_cells in enumerate(cells[:visible]):
        text = "".join(
            pad + _styled(fit(columns[i], row_cells[i][0], w), row_cells[i][1]) + pad
            for i, w in shown
        )
        lines.append(f"{CURSOR_ROW}{text}\x1b[0m" if n == 0 else text)
    return lines


def show(
    first_reads: Sequence[FirstRead | None], endpoints: Sequence[EngineEndpoint]
) -> list[HostState | None]:
    """Draw the first frame on the alternate screen, and return the state it shows of each
    engine (None: not drawn). It waits for the first engine that answers (bounded) and
    shows those that answered by then; nothing is drawn when there is no terminal or no
    engine's list came."""
    nothing: list[HostState | None] = [None] * len(endpoints)
    if not os.isatty(TERMINAL) or os.environ.get("TERM", "dumb") == "dumb":
        return nothing
    listings = first_listings(first_reads)
    if not any(listings):
        return nothing
    painted = [
        first_state(listing, endpoint.url) if listing is not None else None
        for listing, endpoint in zip(listings, endpoints, strict=True)
    ]
    labels = engine_labels([(endpoint.name, endpoint.url) for endpoint in endpoints])
    engines = [
        EngineState(i, label, state or HostState())
        for i, (label, state) in enumerate(zip(labels, painted, strict=True))
    ]
    # As Textual's driver measures (COLUMNS and LINES first): the frames must agree.
    width, height = shutil.get_terminal_size()
    lines = screen(engines, datetime.now(UTC), width, height)
    body = "".join(f"\x1b[{y};1H{line}\x1b[K" for y, line in enumerate(lines, 1))
    os.write(TERMINAL, (ENTER + body + HANDOVER).encode())
    return painted


def leave() -> None:
    """Back to the main screen, as it was: for when the app did not take over."""
    os.write(TERMINAL, LEAVE.encode())
