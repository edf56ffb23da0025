"""``n`` with several engines: on which engine to launch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.ui.engines import EngineState
from tui.ui.headline import LINK_STYLE


class EngineChoiceScreen(ModalScreen[int | None]):
    """Dismissed with the chosen engine's index, or None (Esc)."""

    DEFAULT_CSS = """
    EngineChoiceScreen { align: center middle; }
    EngineChoiceScreen > Vertical {
        width: 70; height: auto; max-height: 80%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    EngineChoiceScreen #title { text-style: bold; margin-bottom: 1; }
    EngineChoiceScreen OptionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, engines: Sequence[EngineState], current: int) -> None:
        super().__init__()
        self._engines = engines
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Launch on which engine?", id="title")
            yield OptionList(
                *(
                    Option(f"{e.label}  {LINK_STYLE[e.state.connection.link][0]}", id=str(e.index))
                    for e in self._engines
                ),
                id="engines",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self._current
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
