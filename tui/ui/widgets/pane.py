"""Detail panes: text under a table, updated without re-laying out the screen when it can."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


def update_pane(pane: Static, text: Text, before: Text | None) -> None:
    """Show ``text`` in ``pane`` (which showed ``before``).

    A layout (every widget on screen measured and drawn again, a table of 250 rows with
    them) is needed only when the pane's height may change: another number of lines, or a
    line that may wrap. The rates change the detail every second, its height seldom.
    """
    lines = text.plain.split("\n")
    same_height = (
        before is not None
        and len(lines) == before.plain.count("\n") + 1
        and max(map(cell_len, lines)) <= pane.content_size.width
    )
    pane.update(text, layout=not same_height)
