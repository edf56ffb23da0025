"""Writes docs/ports-tab.svg: the ports tab on the hand-made demo host of the tests.

Run from the repository root: ``.venv/bin/python docs/ports_screenshot.py``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from port_states import demo  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402

from tui.ui.tabs.ports import PortsTab  # noqa: E402
from tui.ui.widgets.keyed_table import KeyedTable  # noqa: E402


class PortsDemo(App[None]):
    def compose(self) -> ComposeResult:
        yield PortsTab()

    def on_mount(self) -> None:
        self.query_one(PortsTab).show_state(demo())
        self.query_one(KeyedTable).focus()


async def main() -> None:
    app = PortsDemo()
    async with app.run_test(size=(116, 32)) as pilot:
        await pilot.press("down", "down", "down", "down", "down", "down", "down")
        await pilot.pause()
        app.save_screenshot("ports-tab.svg", str(ROOT / "docs"))


if __name__ == "__main__":
    asyncio.run(main())
