"""How a table's columns give way to a narrow screen, and the containers table's columns.

No Textual here (Rich's cell widths only): the table widget and the first paint
(tui.ui.firstpaint, drawn before Textual has loaded) lay out the same columns the
same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, set_cell_size

from tui.core.rows import COLUMNS, ContainerRow, RateCells, abbreviate

PADDING = 1  # cells of space on each side of a column
LAST_RESORT = 10  # columns of this drop rank and higher go only after the folds

Piece = tuple[str, str]  # text, style (Rich's style words)


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key and header; how it gives way when the screen is narrow.

    ``drop``: when the columns do not fit, those with a rank are hidden, lowest rank
    first. ``min_width``: after that, this column may be narrowed down to it (the
    one with the most to give first), its cells folded by ``fold`` (text, width) -> text, or cut
    with an ellipsis. Ranks from ``LAST_RESORT`` on are hidden only if the folds
    were not enough.
    ``max_width``: never wider than this (the full value is in the detail pane).
    ``width``: at least this wide, whatever its cells: a column of a few known words (a
    container's state) keeps the width of the longest, so that none of them shifts every
    column (a container being removed is ``removing`` for a moment).
    ``gives_last``: narrowed only once the other columns are down to their minimum.
    ``steady``: the values change every second (the rates): the column widens at once but
    narrows only once its widest value is long gone, so that the columns do not shift
    (every line drawn again) at every change.
    """

    key: str
    label: str
    drop: int | None = None
    min_width: int | None = None
    max_width: int | None = None
    fold: Callable[[str, int], str] | None = None
    width: int = 0
    steady: bool = False
    gives_last: bool = False


Layout = tuple[tuple[int, int], ...]  # (column index, width) of each column shown


def total(widths: Sequence[int], shown: Iterable[int]) -> int:
    """The cells a line takes: the columns and their padding."""
    return sum(widths[i] + 2 * PADDING for i in shown)


def _folded(
    columns: Sequence[Column], natural: Sequence[int], shown: list[int], room: int
) -> list[int]:
    """The widths once the foldable columns gave way to fit ``room``: a cell at a time
    from the one with the most to give (the rightmost of equals)."""
    widths = list(natural)
    excess = total(widths, shown) - room
    for last in (False, True):  # the columns that give last wait for the others' minimum
        while excess > 0:
            slack, i = max(
                ((widths[i] - (columns[i].min_width or widths[i]), i)
                 for i in shown if columns[i].gives_last == last),
                default=(0, -1),
            )  # fmt: skip
            if slack <= 0:
                break
            widths[i] -= 1
            excess -= 1
    return widths


def layout(columns: Sequence[Column], natural: Sequence[int], room: int, wide: bool) -> Layout:
    """The columns shown and their widths in ``room`` cells (0 or ``wide``: all, in full)."""
    shown = list(range(len(columns)))
    widths = list(natural)
    if not wide and room > 0:
        ranked = sorted((c.drop, i) for i, c in enumerate(columns) if c.drop is not None)
        for rank, i in ranked:
            if rank >= LAST_RESORT or total(natural, shown) <= room:
                break
            shown.remove(i)
        widths = _folded(columns, natural, shown, room)
        for last in sorted({rank for rank, _ in ranked if rank >= LAST_RESORT}):
            if total(widths, shown) <= room:
                break
            # Columns of one rank go together: RX without TX would read as the traffic.
            shown = [i for i in shown if columns[i].drop != last]
            widths = _folded(columns, natural, shown, room)
    return tuple((i, widths[i]) for i in shown)


def natural_width(column: Column, widest: int) -> int:
    """A column's width when there is room: its widest cell or label, up to its maximum."""
    width = max(widest, cell_len(column.label), column.width)
    return min(width, column.max_width) if column.max_width else width


def marked(label: str, reverse: bool) -> str:
    """A header label with the mark of the column the rows are sorted by."""
    return f"{label} {'▼' if reverse else '▲'}"


def fit(column: Column, text: str, width: int) -> str:
    """``text`` exactly ``width`` cells wide: folded, or cut with an ellipsis, or padded."""
    if cell_len(text) > width and column.fold is not None:
        text = column.fold(text, width)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


# The containers table ---------------------------------------------------------

STATE_STYLE = {
    "running": "green",
    "paused": "blue",
    "restarting": "yellow",
    "created": "yellow",
    "exited": "dim",
    "dead": "red",
    "removing": "dim",
}
# As the screen narrows, MAC goes first, then NETWORKS; then PORTS, NAMESPACE and NAME
# fold (the full values are in the detail pane); at last UP goes. `w` shows them all.
GIVING_WAY: dict[str, dict[str, Any]] = {
    "NAME": {"min_width": 12},
    "STATE": {"width": max(map(len, STATE_STYLE)), "min_width": len("running")},
    "NETWORKS": {"drop": 2, "max_width": 24, "fold": abbreviate},
    "MAC": {"drop": 1},
    "PORTS": {"min_width": 10, "max_width": 40, "fold": abbreviate},
    "NAMESPACE": {"min_width": 10},
    "UP": {"drop": LAST_RESORT + 1},  # after the rates
}
CONTAINER_COLUMNS = (
    Column("mark", " "),
    *(Column(label.lower(), label, **GIVING_WAY.get(label, {})) for label in COLUMNS),
)
# Rates last: the other columns keep their places. They give way only when folding the
# wide columns was not enough (who is talking is what a person watches a host for).
RATE_COLUMNS = (
    Column("rx", "RX", drop=LAST_RESORT, steady=True),
    Column("tx", "TX", drop=LAST_RESORT, steady=True),
)
# A long label (an address) is cut short last of all: the header and the detail name it
# in full.
ENGINE_COLUMN = Column("engine", "ENGINE", min_width=8, gives_last=True)


def containers_columns(several: bool) -> list[Column]:
    """The containers table's columns; with several engines, each row's engine after the
    mark."""
    columns = [*CONTAINER_COLUMNS, *RATE_COLUMNS]
    if several:
        columns.insert(1, ENGINE_COLUMN)
    return columns


def container_cells(
    row: ContainerRow, running: bool, busy: str | None = None, exit_code: int | None = None
) -> list[Piece]:
    """A container's cells after the mark, with their styles; ``busy``: a request under way;
    ``exit_code``: shown beside the state of a container that exited (``exited (137)``)."""
    shown = row.state if exit_code is None else f"{row.state} ({exit_code})"
    state: Piece = (busy, "bold yellow") if busy else (shown, STATE_STYLE.get(row.state, ""))
    ports: Piece = (row.ports, "" if running else "dim")
    return [
        (row.name, ""),
        state,
        (row.mode, ""),
        (row.networks, ""),
        (row.ipv4, ""),
        (row.mac, ""),
        ports,
        (row.namespace, ""),
        (row.up, ""),
    ]


def rate_pieces(rates: RateCells) -> tuple[Piece, Piece]:
    """RX and TX, dimmed when they are the owner's (container mode) or a word, not a rate."""
    style = "dim" if rates.shared or rates.bps < 0 else ""
    return (rates.rx, style), (rates.tx, style)
