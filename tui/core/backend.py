"""The interface the app sees of an engine; the docker adapter implements it.

Methods return the engine's JSON as it came (parsing is ``tui.core.parse``'s
job), so a fake backend serves recorded documents and the real one stays thin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol

JSON = dict[str, Any]


class EngineError(Exception):
    """The engine could not be asked: one line a user can act on."""


class EngineUnavailable(EngineError):
    """Nothing answers at the endpoint (no socket, refused, timed out)."""


class EnginePermissionDenied(EngineError):
    """The socket is there but we may not open it."""


class EngineRefused(EngineError):
    """The engine answered with an error; the message is the engine's own."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class NotFound(EngineRefused):
    """The object is gone (404)."""


class Backend(Protocol):
    """What netdock needs of an engine."""

    @property
    def endpoint(self) -> str:
        """Where the engine is, as a user would write it (``unix:///var/run/docker.sock``)."""
        ...

    @property
    def name(self) -> str:
        """What the user called the engine: its docker context's name, else ``""``."""
        ...

    @property
    def local(self) -> bool:
        """Whether the engine runs on this host (its /proc and ports are ours)."""
        ...

    async def ping(self, timeout: float) -> None:
        """``/_ping``; EngineUnavailable when it is not answered within ``timeout`` seconds."""
        ...

    async def version(self) -> JSON: ...

    async def info(self) -> JSON: ...

    async def list_containers(self, ids: Sequence[str] = ()) -> list[JSON]:
        """Every container (or those ``ids``), as the list endpoint summarizes them. Unlike
        an inspect, it never waits for a container that is being started."""
        ...

    async def inspect_container(self, ref: str) -> JSON | None:
        """None when the container is gone."""
        ...

    async def container_stats(self, ref: str) -> JSON | None:
        """One answer of the engine's stats of a running container (``stream=false``,
        ``one-shot``: no stream, no wait for a second reading); None when it is gone."""
        ...

    async def list_networks(self) -> list[JSON]: ...

    async def inspect_network(self, ref: str) -> JSON | None:
        """None when the network is gone."""
        ...

    def events(
        self, since: str | None, filters: Mapping[str, Sequence[str]], until: str | None = None
    ) -> AsyncIterator[JSON]:
        """The engine's event stream; it ends when the connection drops, or at ``until``
        (then it is the engine's recent past)."""
        ...

    # Actions. Each raises EngineRefused (NotFound when the object is gone) with the
    # engine's own message; the state follows from the events they cause, not from here.

    async def start_container(self, ref: str) -> None: ...

    async def stop_container(self, ref: str, timeout: int | None = None) -> None:
        """``timeout`` None: the container's own stop timeout (``--stop-timeout``)."""
        ...

    async def restart_container(self, ref: str, timeout: int | None = None) -> None: ...

    async def pause_container(self, ref: str) -> None: ...

    async def unpause_container(self, ref: str) -> None: ...

    async def remove_container(
        self, ref: str, *, force: bool = False, volumes: bool = False
    ) -> None:
        """``force`` kills a running container first (``docker rm -f``); ``volumes`` also
        removes its anonymous volumes (``docker rm -v``)."""
        ...

    async def create_container(self, config: JSON, name: str | None = None) -> str:
        """Create from an Engine API create body; the new container's ID."""
        ...

    async def list_images(self) -> list[JSON]: ...

    async def inspect_image(self, ref: str) -> JSON | None:
        """None when the engine has no such image."""
        ...

    async def build_image(self, context: bytes, tag: str, labels: Mapping[str, str]) -> None:
        """Build from a gzipped tar build context (no registry is asked for anything)."""
        ...

    async def remove_image(self, ref: str) -> None: ...

    async def close(self) -> None: ...
