"""A Backend that serves JSON captured from the real engine (tests/data), for pure UI tests.

Tests that need the engine's behaviour use the real one; this is for deterministic
screens and for driving the pipeline through events a test chooses.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from tui.core.backend import JSON, EngineUnavailable

DATA = Path(__file__).parent / "data"


def load(relative: str) -> Any:
    return json.loads((DATA / relative).read_text())


def captured_containers() -> list[JSON]:
    """Every captured container inspect document."""
    return [json.loads(p.read_text()) for p in sorted((DATA / "inspect").glob("*.json"))]


class FakeBackend:
    """Serves documents from dicts; ``push`` feeds the event stream, ``drop`` ends it."""

    def __init__(
        self,
        containers: Sequence[JSON] | None = None,
        networks: Sequence[JSON] | None = None,
        *,
        endpoint: str = "unix:///var/run/docker.sock",
        listing: Sequence[JSON] | None = None,
        past: Sequence[JSON] = (),
    ) -> None:
        self.past = list(past)
        """The engine's recent events, served when asked for a time window."""
        self.containers = {
            c["Id"]: c for c in (captured_containers() if containers is None else containers)
        }
        self.networks = {
            n["Id"]: n for n in (load("networks/list.json") if networks is None else networks)
        }
        if listing is None and containers is None:
            listing = load("list_containers.json")
        self.listing = list(listing) if listing is not None else None
        self._endpoint = endpoint
        self.up = True
        self.inspected: list[str] = []
        self.stats: dict[str, JSON] = {}
        """A container's one-shot stats document, by ID (none: the engine has none)."""
        self._events: asyncio.Queue[JSON | None] = asyncio.Queue()

    @property
    def endpoint(self) -> str:
        return self._endpoint

    @property
    def name(self) -> str:
        return ""

    @property
    def local(self) -> bool:
        return False

    def _check(self) -> None:
        if not self.up:
            raise EngineUnavailable(f"no Docker engine answers at {self._endpoint}")

    async def ping(self, timeout: float) -> None:
        self._check()

    async def version(self) -> JSON:
        self._check()
        return load("version.json")

    async def info(self) -> JSON:
        self._check()
        return load("info.json")

    async def list_containers(self, ids: Sequence[str] = ()) -> list[JSON]:
        self._check()
        listing = self.listing if self.listing is not None else self._summaries()
        return [c for c in listing if not ids or c["Id"] in ids]

    def _summaries(self) -> list[JSON]:
        return [
            {
                "Id": c["Id"],
                "Names": [c["Name"]],
                "Image": c["Config"]["Image"],
                "State": c["State"]["Status"],
                "HostConfig": {"NetworkMode": c["HostConfig"]["NetworkMode"]},
                "NetworkSettings": {"Networks": c["NetworkSettings"]["Networks"]},
            }
            for c in self.containers.values()
        ]

    async def inspect_container(self, ref: str) -> JSON | None:
        self._check()
        self.inspected.append(ref)
        return self.containers.get(ref)

    async def container_stats(self, ref: str) -> JSON | None:
        self._check()
        return self.stats.get(ref)

    async def list_networks(self) -> list[JSON]:
        self._check()
        return list(self.networks.values())

    async def inspect_network(self, ref: str) -> JSON | None:
        self._check()
        return self.networks.get(ref)

    async def events(
        self, since: str | None, filters: Mapping[str, Sequence[str]], until: str | None = None
    ) -> AsyncIterator[JSON]:
        self._check()
        if until is not None:
            for event in self.past:
                yield event
            return
        while (event := await self._events.get()) is not None:
            yield event

    def push(self, event: JSON) -> None:
        self._events.put_nowait(event)

    def drop(self) -> None:
        """End the event stream, as a dying engine does."""
        self._events.put_nowait(None)

    async def close(self) -> None:
        pass


def container_event(action: str, cid: str, time_nano: int = 1) -> JSON:
    return {
        "Type": "container",
        "Action": action,
        "Actor": {"ID": cid, "Attributes": {}},
        "timeNano": time_nano,
    }
