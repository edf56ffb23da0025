"""A yes/no question before something that cannot be taken back."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True only on an explicit yes (``y`` or the button); Esc is no."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 76; height: auto; max-height: 90%; padding: 1 2;
        border: thick $error; background: $surface;
    }
    ConfirmScreen.safe > Vertical { border: thick $primary; }
    ConfirmScreen #title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", show=False),
    ]

    def __init__(
        self, title: str, message: str, *, yes: str = "Yes", danger: bool = True, no: str = "Cancel"
    ) -> None:
        super().__init__(classes="" if danger else "safe")
        self._title = title
        self._message = message
        self._yes = yes
        self._no = no
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="title", markup=False)
            yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                yield Button(
                    f"{self._yes} (y)", id="yes", variant="error" if self._danger else "primary"
                )
                yield Button(f"{self._no} (n)", id="no")

    def on_mount(self) -> None:
        # The safe answer has the focus: a stray Enter does not destroy anything.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
