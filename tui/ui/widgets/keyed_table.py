"""Where the tabs have always imported their table from: it is now ``table.KeyedTable``."""

from tui.ui.columns import Column
from tui.ui.widgets.table import Cell, KeyedTable

__all__ = ["Cell", "Column", "KeyedTable"]
