"""Several engines side by side: one ``Live`` and one ``HostState`` each, read together.

The core stays one-engine (every analysis runs on one engine's state); this module
only says which engines are in view and names rows across them. With one engine
a row's key is its container ID, as always; with several, ``<engine>:<container ID>``
(the same container may be reached by two addresses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from tui.core.state import HostState
from tui.engine.endpoint import DEFAULT_SOCKET

# Only a type here: the first paint names the engines before the pipeline is imported.
if TYPE_CHECKING:
    from tui.engine.live import Live


class EngineState(NamedTuple):
    """One engine's place in the dashboard, its name and what it last reported."""

    index: int
    label: str
    state: HostState


def short_label(endpoint: str) -> str:
    """A name for a column: ``local`` for the default socket, else the host (and port), or
    the socket's path."""
    if endpoint == DEFAULT_SOCKET:
        return "local"
    parts = urlsplit(endpoint)
    if parts.scheme == "unix":
        return parts.path
    try:
        port = f":{parts.port}" if parts.port and parts.scheme != "ssh" else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or endpoint}{port}"


def engine_labels(named: Sequence[tuple[str, str]]) -> list[str]:
    """Each engine's name, of its (context name, address): the context's, else
    ``short_label``; the address where two agree."""
    labels = [name or short_label(address) for name, address in named]
    return [
        label if labels.count(label) == 1 else address
        for label, (_, address) in zip(labels, named, strict=True)
    ]


class Engines:
    """The engines followed, their latest states, and which of them are in view."""

    def __init__(self, lives: Sequence[Live]) -> None:
        self.lives = list(lives)
        self.labels = engine_labels([(live.backend.name, live.backend.endpoint) for live in lives])
        # What each pipeline holds already (the first paint's rows, if any).
        self.states = [live.state for live in self.lives]
        # None: every engine; else the index of the one in view.
        self.view: int | None = None

    @property
    def several(self) -> bool:
        return len(self.lives) > 1

    def every(self) -> list[EngineState]:
        return [
            EngineState(i, label, s)
            for i, (label, s) in enumerate(zip(self.labels, self.states, strict=True))
        ]

    def in_view(self) -> list[EngineState]:
        every = self.every()
        return every if self.view is None else [every[self.view]]

    def next_view(self) -> None:
        """All engines, then each one in turn, then all again."""
        if self.view is None:
            self.view = 0
        elif self.view + 1 < len(self.lives):
            self.view += 1
        else:
            self.view = None

    def view_label(self) -> str:
        return "all engines" if self.view is None else self.labels[self.view]

    def row_key(self, index: int, container_id: str) -> str:
        return f"{index}:{container_id}" if self.several else container_id

    def split(self, key: str) -> tuple[int, str]:
        """The engine index and container ID of a row key."""
        if not self.several:
            return 0, key
        index, _, container_id = key.partition(":")
        return int(index), container_id
