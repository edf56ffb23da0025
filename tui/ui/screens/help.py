"""``?``: every binding, from the binding tables themselves (so it cannot drift)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One line of ``?``: the keys as the user types them, and the ID ``[keys]`` rebinds."""

    keys: str
    description: str
    binding_id: str
    unavailable: str = ""
    """Why it does not apply now (``read-only``, ``not now``); empty when it does."""


def bindings_table(rows: Sequence[KeyRow]) -> Table:
    """Keys, what they do and their IDs; as plain text (a preset's description is the
    user's, and ``[`` in it is a bracket, not markup)."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("action")
    table.add_column(Text("id, for [keys]"), style="dim", no_wrap=True)
    for row in rows:
        action = (
            Text(f"{row.description} ({row.unavailable})", "dim")
            if row.unavailable
            else Text(row.description)
        )
        table.add_row(Text(row.keys), action, Text(row.binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 78; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help_close"),
    ]

    def __init__(self, rows: Sequence[KeyRow]) -> None:
        super().__init__()
        # Not ``_bindings``: that is Screen's own binding map (tests/test_subclasses.py).
        self.key_rows = tuple(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]netdock keys[/b]  (Esc closes)\n")
            yield Static(bindings_table(self.key_rows))
