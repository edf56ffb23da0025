"""The main tab: every container's network state, a filter, and the detail pane."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import datetime
from typing import Any, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from tui.core.audit import Finding
from tui.core.describe import describe
from tui.core.model import Container
from tui.core.namespaces import effective_endpoints, sharer_index
from tui.core.ports import Conflict
from tui.core.rows import (
    ContainerRow,
    RateCells,
    container_row,
    format_uptime,
    rate_cells,
    row_inputs,
)
from tui.core.state import HostState
from tui.ui.columns import container_cells, containers_columns, rate_pieces
from tui.ui.engines import Engines, EngineState
from tui.ui.marks import DetailLine, container_notes
from tui.ui.widgets.pane import update_pane
from tui.ui.widgets.table import KeyedTable, signature
from tui.ui.widgets.table_tab import TableTab


def _ip_order(text: str) -> tuple[int, Any]:
    try:
        return (0, ipaddress.ip_address(text.split(" ")[0]))
    except ValueError:
        return (1, text)


def sort_key(field: str, row: ContainerRow, container: Container, traffic: float) -> Any:
    if field == "traffic":  # the busiest first
        return (-traffic, row.name)
    if field == "ipv4":
        return (_ip_order(row.ipv4) if row.ipv4 else (2, ""), row.name)
    if field == "up":
        started = container.started_at.timestamp() if container.started_at else float("inf")
        return (started, row.name)
    return (getattr(row, field), row.name)


def _rate_texts(rates: RateCells) -> tuple[Text, Text]:
    rx, tx = (Text(text, style=style, justify="right") for text, style in rate_pieces(rates))
    return rx, tx


def matches(query: str, state: HostState, container: Container, row: ContainerRow) -> bool:
    """``/`` filter: name, image, state, mode, network, any address (IPv4, IPv6, MAC) or
    any port."""
    if not query:
        return True
    needle = query.lower()
    haystack = [container.name, container.image, row.state, row.ports, row.mode, row.networks]
    for ep in effective_endpoints(state, container):
        haystack.extend(x for x in (ep.ipv4, ep.ipv6, ep.mac) if x)
    haystack.extend(str(p.host_port) for p in container.ports if p.host_port)
    return any(needle in item.lower() for item in haystack)


_Inputs = tuple[object, ...]


class _Built(NamedTuple):
    """A container's row as last built, and what it was built from."""

    engine: int
    made: _Inputs
    """What the row was built from: its container first."""
    mark: Text | str
    row: ContainerRow
    cells: tuple[Text | str, ...]
    """Every cell but the rates."""
    order: Any
    rated: tuple[object, ...]
    """The container, plumbing and counters the rates were read from."""
    rates: RateCells | None
    shown: tuple[Text | str, ...]
    """The cells and the rates: the same object while neither changed, so the table
    passes over it at once."""


def _rate_words(rates: RateCells) -> tuple[str, str, bool]:
    return rates.rx, rates.tx, rates.shared or rates.bps < 0


def _rated(built: _Built, state: HostState, c: Container, sort_field: str) -> _Built:
    """The row with its rates, read again only when what ``rate_cells`` reads changed: the
    container, the plumbing, its own counters (an idle container's are the same object
    from one sample to the next: tui.core.traffic) or why it has none."""
    kernel, traffic = state.kernel, state.traffic
    cid = c.id
    rated = (c, kernel, traffic.interfaces.get(cid), traffic.missing.get(cid), traffic.samples > 0)
    # By identity only: an equality test of a new plumbing against the last one walks every
    # namespace's interfaces, for each row (a second per repaint at 1,000 containers).
    if built.rates is not None and all(a is b for a, b in zip(built.rated, rated, strict=True)):
        return built
    rates = rate_cells(state, c)
    shown = built.shown
    if built.rates is None or _rate_words(rates) != _rate_words(built.rates):
        shown = (*built.cells, *_rate_texts(rates))
    order = built.order
    if sort_field == "traffic":
        order = (sort_key("traffic", built.row, c, rates.bps), order[1])
    b = built
    return _Built(b.engine, b.made, b.mark, b.row, b.cells, order, rated, rates, shown)


def _aged(built: _Built, up: str) -> _Built:
    """The row with other uptime words: UP is the last cell before the rates."""
    cells = (*built.cells[:-1], up)
    shown = (*cells, *built.shown[len(built.cells) :])
    return built._replace(row=built.row._replace(up=up), cells=cells, shown=shown)


class _Walk(NamedTuple):
    """What an engine's rows were last built from, besides each container's own."""

    containers: Mapping[str, Container]
    parts: tuple[object, ...]
    """The state's parts a row reads (compared by identity)."""
    settings: tuple[object, ...]
    """The sort, the filter, the engine's label (compared by value)."""
    owners: Mapping[str, object]
    """The containers others join (a row shows its count of sharers)."""
    marks: Mapping[str, Text]
    busy: Mapping[str, str]


def _parts(state: HostState) -> tuple[object, ...]:
    # Not the names of the departed: they change as a container goes, which the walk sees
    # (a joiner's owner gone: every row). The counters last: a new sample replaces them
    # alone (ContainersTab.show_rates).
    return (state.networks, state.host, state.kernel, state.traffic)


def _differing(a: Mapping[str, object], b: Mapping[str, object]) -> set[str]:
    """The keys whose values are not the very same object in ``a`` and ``b``."""
    if a is b:
        return set()
    return {k for k in a.keys() | b.keys() if a.get(k) is not b.get(k)}


class ContainersTab(TableTab):
    """Table, filter and detail of the containers."""

    DEFAULT_CSS = """
    ContainersTab KeyedTable { height: 1fr; }
    ContainersTab #detail {
        height: auto; max-height: 45%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    SORTS: tuple[str, ...] = ("name", "state", "mode", "ipv4", "up", "traffic")
    FILTER_HINT = "filter: name, image, state, mode, network, IP, MAC or port  (Esc clears)"

    class Selected(Message):
        """The cursor moved to another container (None: the table is empty)."""

        def __init__(self, container_id: str | None) -> None:
            super().__init__()
            self.container_id = container_id

    def __init__(
        self, now: Callable[[], datetime], engines: Engines | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._now = now
        # Several engines: a column says which engine each row is on, and sorts by it.
        self._engines = engines
        self._several = engines is not None and engines.several
        if self._several:
            self.SORTS = (*ContainersTab.SORTS, "engine")
        self._shown: list[EngineState] = [EngineState(0, "", HostState())]
        # The rows last synced, their sort keys and rate cells: a sample changes only those.
        self._built: dict[str, _Built] = {}
        self._walks: dict[int, _Walk] = {}
        self._matched: Set[str] = set()
        """The keys of the rows the filter lets through."""
        self._marks: Mapping[str, Text] = {}
        self._busy: Mapping[str, str] = {}
        self._analyses: tuple[Sequence[Conflict], Sequence[Finding], Mapping[str, str]] = (
            (),
            (),
            {},
        )
        self._detail_shown: Text | None = None
        self._detail_seen: list[tuple[str, object]] | None = None
        self._notes: tuple[object, object, object, list[DetailLine]] | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_filter()
        self.table = KeyedTable(containers_columns(self._several), id="containers-table")
        yield self.table
        self.detail = Static(id="detail")
        yield self.detail

    def row(self, key: str | None) -> tuple[EngineState, Container] | None:
        """The engine and the container of a row key."""
        if not key:
            return None
        index, cid = self._engines.split(key) if self._engines else (0, key)
        for shown in self._shown:
            if shown.index == index and (c := shown.state.containers.get(cid)) is not None:
                return shown, c
        return None

    @property
    def selected(self) -> Container | None:
        found = self.row(self.table.selected_key)
        return found[1] if found else None

    @property
    def selected_engine(self) -> int | None:
        """The engine of the selected row (None: no row)."""
        found = self.row(self.table.selected_key)
        return found[0].index if found else None

    def row_key(self, index: int, container_id: str) -> str:
        return self._engines.row_key(index, container_id) if self._engines else container_id

    def show_state(
        self,
        state: HostState,
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """Bring the table and the detail up to date with ``state``."""
        self.show_states([EngineState(0, "", state)], marks, busy)

    def show_states(
        self,
        shown: list[EngineState],
        marks: Mapping[str, Text] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """The rows of every engine ``shown``; marks and busy words by container ID."""
        self._shown = shown
        if marks is not None:
            self._marks = marks
        if busy is not None:
            self._busy = busy
        self.refresh_rows()

    def show_marks(self, marks: Mapping[str, Text]) -> None:
        """The marks of the analyses of the state on screen; redrawn only if they changed
        (a mark of a kind is always the same object: tui.ui.marks)."""
        last = self._marks
        if marks.keys() != last.keys() or any(mark is not last[k] for k, mark in marks.items()):
            self._marks = marks
            self.refresh_rows()

    def show_analyses(
        self,
        conflicts: Sequence[Conflict],
        findings: Sequence[Finding],
        refusals: Mapping[str, str],
    ) -> None:
        """What the analyses say (collisions, findings) and the engine's refusals: the
        detail of the container on screen tells its own."""
        analyses = (conflicts, findings, refusals)
        if any(a is not b for a, b in zip(analyses, self._analyses, strict=True)):
            self._analyses = analyses
            self._show_detail()

    def show_rates(self, shown: list[EngineState]) -> None:
        """A new sample of the counters and nothing else (the app sees to that): each row
        stands as built, only the rate cells of the containers whose counters moved are
        read again (an idle one's are the same objects: tui.core.traffic), and the table
        changes only if a row reads differently (an idle host's stay at ``0 B/s``); the
        detail follows every sample."""
        before = {engine.index: engine.state.traffic for engine in self._shown}
        if before.keys() != {engine.index for engine in shown}:
            self.show_states(shown)
            return
        self._shown = shown
        built, sort_field = self._built, self.sort_field
        reordered = False
        updated: dict[str, tuple[Text | str, ...]] = {}
        for engine in shown:
            moved = engine.state.traffic.moved_since(before[engine.index])
            keys = (
                [k for k, b in built.items() if b.engine == engine.index]
                if moved is None
                else [self.row_key(engine.index, cid) for cid in moved]
            )
            for key in keys:
                was = built.get(key)
                if was is None:
                    continue  # not a row (yet): the next repaint builds it
                this = built[key] = _rated(was, engine.state, was.made[0], sort_field)
                if key not in self._matched:
                    continue  # filtered out
                if this.order != was.order:  # only a sort by traffic reads the rates
                    reordered = True
                elif this.shown is not was.shown:
                    updated[key] = this.shown
            # Every row's rates now read this sample: the next repaint's walk starts here.
            walk = self._walks.get(engine.index)
            parts = _parts(engine.state)
            same = walk is not None and all(
                a is b for a, b in zip(parts[:-1], walk.parts[:-1], strict=True)
            )
            if walk is not None and same:
                self._walks[engine.index] = walk._replace(parts=parts)
        if reordered:
            matched = [k for k in self._matched if k in built]
            self._sync({k: built[k].shown for k in matched}, {k: built[k].order for k in matched})
            return
        if updated:  # a few rows' rates, in their places: not a walk of every row
            self.table.update(updated)
        self._show_detail()

    def refresh_rows(self) -> None:
        rows: dict[str, tuple[Text | str, ...]] = {}
        keys: dict[str, Any] = {}
        built: dict[str, _Built] = {}
        for engine in self._shown:
            self._engine_rows(engine, rows, keys, built)
        self._built = built
        self._matched = rows.keys()
        self._sync(rows, keys)

    def _sync(self, rows: dict[str, tuple[Text | str, ...]], keys: dict[str, Any]) -> None:
        self.table.sync(rows, sorted(rows, key=keys.__getitem__, reverse=self.sort_reverse))
        self._show_detail()

    def age_rows(self, now: datetime) -> None:
        """Give the rows whose uptime, in words, has aged by ``now`` (``5 minutes`` for a
        few minutes) their new words, in their places: the UP cell alone, since nothing
        else of a row reads the clock (a fleet started at once ages in step: every row
        at the same tick), and the detail's. No row is built again, nor the table walked."""
        aged: dict[str, tuple[Text | str, ...]] = {}
        built = self._built
        for key, was in built.items():
            up = format_uptime(was.made[0], now)
            if up != was.row.up:
                this = built[key] = _aged(was, up)
                if key in self._matched:
                    aged[key] = this.shown
        if aged:
            self.table.update(aged)
        self._show_detail()

    def _engine_rows(
        self,
        engine: EngineState,
        rows: dict[str, tuple[Text | str, ...]],
        keys: dict[str, Any],
        built: dict[str, _Built],
    ) -> None:
        """Each row from what it was built from last time, when none of that changed: an
        event touches one or two containers, and only their rows are built again (the
        state's parts never change in place, so identity says "unchanged" at once)."""
        state = engine.state
        owners = sharer_index(state)
        counts = {k: len(v) for k, v in owners.items()}
        label = engine.label.lower()
        query = self.filter_text
        last, sort_field = self._built, self.sort_field
        walk = _Walk(
            state.containers,
            _parts(state),
            (sort_field, query, engine.label),
            owners,
            self._marks,
            self._busy,
        )
        fresh = self._touched(self._walks.get(engine.index), walk)
        self._walks[engine.index] = walk
        for c in state.containers.values():
            key = self.row_key(engine.index, c.id)
            known = last.get(key)
            if fresh is not None and known is not None and c.id not in fresh:
                built[key] = known
                rows[key] = known.shown
                keys[key] = known.order
                continue
            busy, mark = self._busy.get(c.id), self._marks.get(c.id, "")
            made = (c, *row_inputs(state, c), counts.get(c.id), busy, sort_field)
            # Tuples compare their items by identity first: the state's unchanged parts
            # at once. The mark by identity only (one Text per kind: tui.ui.marks), since
            # Text equality ignores the style.
            if known is None or known.mark is not mark or known.made != made:
                known = self._build(engine, c, counts, busy, mark, made)
            this = _rated(known, state, c, sort_field)
            built[key] = this
            if (
                query
                and not matches(query, state, c, this.row)
                and not (self._several and query.lower() in label)
            ):
                continue
            rows[key] = this.shown
            keys[key] = this.order

    @staticmethod
    def _touched(last: _Walk | None, now: _Walk) -> set[str] | None:
        """The containers whose rows may read differently since ``last`` (an event touches
        one or two); None when any row may (a new plumbing, another sort or filter, a
        change to a container others join or that joins one)."""
        if (
            last is None
            or now.settings != last.settings
            or now.settings[1]  # a filter matches on the state's parts: each row again
            or any(a is not b for a, b in zip(now.parts, last.parts, strict=True))
        ):
            return None
        touched = _differing(now.containers, last.containers)
        for cid in touched:
            c = now.containers.get(cid) or last.containers[cid]
            if c.namespace_ref is not None or cid in now.owners or cid in last.owners:
                return None
        return touched | _differing(now.marks, last.marks) | _differing(now.busy, last.busy)

    def _build(
        self,
        engine: EngineState,
        c: Container,
        counts: Mapping[str, int],
        busy: str | None,
        mark: Text | str,
        made: _Inputs,
    ) -> _Built:
        row = container_row(engine.state, c, self._now(), counts)
        cells = (
            mark,
            *([engine.label] if self._several else []),
            *(
                Text(text, style=style) if style else text
                for text, style in container_cells(row, c.running, busy, c.exit_code)
            ),
        )
        if self.sort_field == "engine":
            order: Any = (engine.index, row.name)
        else:
            order = (sort_key(self.sort_field, row, c, 0.0), engine.index)
        return _Built(engine.index, made, mark, row, cells, order, (), None, cells)

    def _notes_of(self, cid: str) -> list[DetailLine]:
        """The container's collisions, findings and refusal: walked again only when the
        selection or what the analyses say changed, not at every sample of the rates
        (the findings are O(containers))."""
        conflicts, findings, refusals = self._analyses
        said = (cid, refusals.get(cid))
        known = self._notes
        if known is None or known[:3] != (said, conflicts, findings):  # identical: at once
            notes = container_notes(cid, *self._analyses)
        else:
            notes = known[3]
        # Kept with the analyses of now: analyses found again equal (not the same objects)
        # would otherwise be compared finding by finding at every sample.
        self._notes = (said, conflicts, findings, notes)
        return notes

    def _show_detail(self) -> None:
        found = self.row(self.table.selected_key)
        empty = "No container matches." if self.filter_text else "No containers."
        if found is None:
            lines: list[DetailLine] = [("", empty)]
        else:
            engine, container = found
            lines = [
                *([("engine", engine.label)] if self._several else []),
                *describe(engine.state, container, self._now()),
                *self._notes_of(container.id),
            ]
        # What the lines show, styles too (Rich's Text equality ignores a text's own
        # style): the same (an idle container at a new sample), nothing to build or show.
        seen = [(label, signature(value)) for label, value in lines]
        if seen == self._detail_seen:
            return
        self._detail_seen = seen
        if found is None:
            text = Text(empty, style="dim")
        else:
            text = Text()
            for label, value in lines:
                # At least one space: an interface name may be longer than the column.
                text.append(f"{label:<10} ", style="bold")
                text.append(value)
                text.append("\n")
            text.rstrip()
        update_pane(self.detail, text, self._detail_shown)
        self._detail_shown = text

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
        self.post_message(self.Selected(event.key))
