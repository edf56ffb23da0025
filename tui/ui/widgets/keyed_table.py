"""Where the tabs have always imported their table from: it is now ``table.KeyedTable``."""

from tui.ui.widgets.table import Cell, Column, KeyedTable

__all__ = ["Cell", "Column", "KeyedTable"]
