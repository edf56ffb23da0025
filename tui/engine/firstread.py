"""The dashboard's first read of a local engine, started before the heavy imports.

Importing Textual and aiodocker takes most of a second; the engine needs a tenth
of one to list 250 containers. This reads ``/version``, ``/info``, the container
list and the network list over the unix socket with the standard library, in
threads, while Python imports: the first frame is drawn from three of them before
Textual is imported (tui.ui.firstpaint). The live pipeline takes the result for its
first round (``Live(first_read=...)``) and goes on through the backend as usual. Any failure
just yields nothing: the pipeline then reads as it always does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VERSION, INFO, CONTAINERS, NETWORKS = PATHS = (
    "/version",
    "/info",
    "/containers/json?all=1",
    "/networks",
)
TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class FirstDocuments:
    version: dict[str, Any]
    info: dict[str, Any]
    containers: list[dict[str, Any]]
    networks: list[dict[str, Any]]


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self._path)


def _get(path: str, url: str) -> Any:
    connection = _UnixConnection(path)
    try:
        connection.request("GET", url, headers={"Host": "docker"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise OSError(f"{url}: HTTP {response.status}")
        return json.loads(body)
    finally:
        connection.close()


@dataclass(frozen=True, slots=True)
class Listing:
    """What the first frame shows: the engine, its containers and networks."""

    version: dict[str, Any]
    containers: list[dict[str, Any]]
    networks: list[dict[str, Any]]


class FirstRead:
    """The four documents, read in background threads from a unix socket.

    ``/info`` is answered before the lists are asked for: its clock starts the event
    stream, so nothing that happens after the lists is missed. The lists are then read
    at once, and ``/version`` beside it all: the first frame waits for ``/info`` and the
    slower list, not for the sum of four.
    """

    def __init__(self, socket_path: str) -> None:
        self._socket = socket_path
        self._answers: dict[str, Any] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._start(VERSION, self._read, VERSION)
        self._start(INFO, self._lists)
        self._taken = False

    @classmethod
    def of(cls, url: str) -> FirstRead | None:
        """Start a first read for a ``unix://`` engine; other transports read as usual."""
        return cls(url.removeprefix("unix://")) if url.startswith("unix://") else None

    def _start(self, url: str, target: Callable[..., None], *args: str) -> None:
        thread = threading.Thread(target=target, args=args, name="netdock-first-read", daemon=True)
        self._threads[url] = thread
        thread.start()

    def _read(self, url: str) -> None:
        with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
            self._answers[url] = _get(self._socket, url)

    def _lists(self) -> None:
        self._read(INFO)
        if INFO in self._answers:
            self._start(NETWORKS, self._read, NETWORKS)
            self._read(CONTAINERS)

    def _wait(self, *urls: str) -> list[Any]:
        deadline = time.monotonic() + TIMEOUT
        for url in (VERSION, INFO, NETWORKS):  # INFO's thread reads the containers too
            if url in self._threads:
                self._threads[url].join(max(0.0, deadline - time.monotonic()))
        return [self._answers.get(url) for url in urls]

    def listing(self) -> Listing | None:
        """Version, containers and networks, for the first frame (``take`` still has them):
        waits for those three (bounded), None when one failed."""
        version, containers, networks = self._wait(VERSION, CONTAINERS, NETWORKS)
        if not (isinstance(version, dict) and isinstance(containers, list)):
            return None
        return Listing(version, containers, networks) if isinstance(networks, list) else None

    def take(self) -> FirstDocuments | None:
        """The documents, once: waits for the threads (bounded), None when one failed."""
        if self._taken:
            return None
        self._taken = True
        version, info, containers, networks = self._wait(*PATHS)
        # Taken, not kept: the list of 1,000 containers is megabytes of JSON.
        self._answers = {}
        if (
            isinstance(version, dict)
            and isinstance(info, dict)
            and isinstance(containers, list)
            and isinstance(networks, list)
        ):
            return FirstDocuments(version, info, containers, networks)
        return None
