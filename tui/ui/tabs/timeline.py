"""The timeline tab: what changed on the network, newest first, and what the engine did in
the hour before netdock started (lighter: raw events, not derived changes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import humanize
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.core.changes import About, Kind, NetChange
from tui.core.model import Event
from tui.ui.widgets.keyed_table import KeyedTable

COLUMNS = [
    ("ago", "WHEN"),
    ("time", "TIME"),
    ("kind", "KIND"),
    ("subject", "SUBJECT"),
    ("what", "WHAT CHANGED"),
]
# The table shows the newest rows that match; the filter searches the whole ring.
SHOWN = 500
_ADDED = "green"
_GONE = "yellow"
_BAD = "bold red"
KIND_STYLE = {
    Kind.CONTAINER_CREATED: _ADDED,
    Kind.CONTAINER_STARTED: _ADDED,
    Kind.ENDPOINT_CONNECTED: _ADDED,
    Kind.PORT_PUBLISHED: _ADDED,
    Kind.NAMESPACE_JOINED: _ADDED,
    Kind.CONTAINER_STOPPED: _GONE,
    Kind.CONTAINER_REMOVED: _GONE,
    Kind.ENDPOINT_DISCONNECTED: _GONE,
    Kind.PORT_UNPUBLISHED: _GONE,
    Kind.ADDRESS_CHANGED: "cyan",
    Kind.PORT_CHANGED: "cyan",
    Kind.NAMESPACE_ORPHANED: _BAD,
    Kind.NETWORK_CREATED: "blue",
    Kind.NETWORK_REMOVED: "blue",
    Kind.COLLISION_APPEARED: _BAD,
    Kind.FINDING_APPEARED: "red",
    Kind.COLLISION_RESOLVED: "green",
    Kind.FINDING_RESOLVED: "green",
}


def matches(query: str, kind: str, subject: str, what: str) -> bool:
    """``/`` filter: words of the subject or of what changed; ``kind:port`` keeps the
    kinds that start with ``port``."""
    for word in query.lower().split():
        if word.startswith("kind:"):
            if not kind.startswith(word[5:]):
                return False
        elif word not in subject.lower() and word not in what.lower() and word not in kind:
            return False
    return True


def _ago(moment: datetime, now: datetime) -> str:
    return humanize.naturaltime(now - moment)


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def history_row(event: Event) -> tuple[datetime, str, str, str]:
    """An engine event before netdock started: (time, kind, subject, what)."""
    moment = datetime.fromtimestamp(event.time_nano / 1e9, UTC)
    name = event.name or event.actor_id[:12]
    what = ""
    if event.type == "network" and event.container_id:
        what = f"container {event.container_id[:12]}"
    return moment, f"{event.type} {event.action}", name, what


class TimelineTab(Vertical):
    """The change history, newest first, a filter, and Enter to go to the subject."""

    DEFAULT_CSS = """
    TimelineTab #timeline-filter { dock: top; }
    TimelineTab KeyedTable { height: 1fr; }
    TimelineTab #timeline-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    class Jump(Message):
        """Enter on a change: show its container or network (by name)."""

        def __init__(self, about: About, subject: str) -> None:
            super().__init__()
            self.about = about
            self.subject = subject

    def __init__(self, now: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._changes: Sequence[NetChange] = ()
        self._total = 0
        self._history: Sequence[Event] = ()
        self._query = ""
        self._targets: dict[str, tuple[About, str]] = {}

    def compose(self) -> ComposeResult:
        # The table comes first: it is what the keys go to when the tab is shown.
        self.table = KeyedTable(COLUMNS, id="timeline-table")
        yield self.table
        yield Input(
            placeholder="/ filter: words of the subject or change; kind:port for port-* kinds",
            id="timeline-filter",
        )
        yield Static(id="timeline-status")

    # tui.ui.widgets.table_tab.TableControls: newest first always, so no sorting.

    def open_filter(self) -> None:
        self.query_one("#timeline-filter", Input).focus()

    def close_filter(self) -> bool:
        field = self.query_one("#timeline-filter", Input)
        if not field.value and not field.has_focus:
            return False
        field.value = ""  # its change event redraws
        self.table.focus()
        return True

    def to_row(self, index: int) -> None:
        if count := self.table.row_count:
            self.table.move_cursor(index % count)

    def show(self, changes: Sequence[NetChange], total: int, history: Sequence[Event]) -> None:
        """The changes kept (oldest first; ``total`` ever told) and the engine's past."""
        self._changes, self._total, self._history = changes, total, history
        self._redraw()

    def _redraw(self) -> None:
        now = self._now()
        rows: dict[str, tuple[Text | str, ...]] = {}
        order: list[str] = []
        self._targets = {}
        first = self._total - len(self._changes)
        for i in range(len(self._changes) - 1, -1, -1):
            if len(order) >= SHOWN:
                break
            change = self._changes[i]
            what = change.what()
            if not matches(self._query, change.kind, change.subject, what):
                continue
            key = f"n{first + i}"
            style = KIND_STYLE.get(change.kind, "")
            rows[key] = (
                _ago(change.time, now),
                _clock(change.time),
                Text(str(change.kind), style=style),
                change.subject,
                what,
            )
            order.append(key)
            self._targets[key] = change.target
        shown_history = 0
        for j in range(len(self._history) - 1, -1, -1):
            if len(order) >= SHOWN:
                break
            moment, kind, subject, what = history_row(self._history[j])
            if not matches(self._query, kind, subject, what):
                continue
            if shown_history == 0:
                rows["before"] = (Text("── before netdock started", style="dim italic"),
                                  "", "", "", "")  # fmt: skip
                order.append("before")
            shown_history += 1
            key = f"h{j}"
            rows[key] = tuple(
                Text(cell, style="dim") for cell in (_ago(moment, now), _clock(moment), kind,
                                                     subject, what)
            )  # fmt: skip
            order.append(key)
            if self._history[j].type in ("container", "network"):
                about = About.NETWORK if self._history[j].type == "network" else About.CONTAINER
                self._targets[key] = (about, subject)
        self.table.sync(rows, order)
        told = f"{len(self._changes)} changes kept"
        if self._total > len(self._changes):
            told += f" (the {self._total - len(self._changes)} oldest dropped)"
        if len(order) >= SHOWN:
            told += f"; the newest {SHOWN} that match are shown"
        self.query_one("#timeline-status", Static).update(told)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._query = event.value.strip()
        self._redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        target = self._targets.get(event.key or "")
        if target is not None:
            self.post_message(self.Jump(*target))
