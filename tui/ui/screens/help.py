"""``?``: every binding, from the app's own binding table (so it cannot drift)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def bindings_table(bindings: list[tuple[str, str, bool]]) -> Table:
    """Keys and what they do; as plain text (a preset's description is the user's, and
    ``[`` in it is a bracket, not markup)."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("action")
    for key, description, available in bindings:
        action = Text(description) if available else Text(f"{description} (unavailable)", "dim")
        table.add_row(Text(key), action)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; height: auto; max-height: 90%; border: thick $primary; background: $surface;
        padding: 1 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        self._bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]netdock keys[/b]\n")
            yield Static(bindings_table(self._bindings))
