"""The dashboard's first read of a local engine, started before the heavy imports.

Importing Textual and aiodocker takes most of a second; the engine needs a tenth
of one to list 250 containers. This reads ``/version``, ``/info``, the container
list and the network list over the unix socket with the standard library, in a
thread, while those imports run, so the first rows are painted as soon as the
app is up. The live pipeline takes the result for its first round
(``Live(first_read=...)``) and goes on through the backend as usual. Any failure
just yields nothing: the pipeline then reads as it always does.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from dataclasses import dataclass
from typing import Any

PATHS = ("/version", "/info", "/containers/json?all=1", "/networks")
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


class FirstRead:
    """The four documents, read in a background thread from a unix socket."""

    def __init__(self, socket_path: str) -> None:
        self._socket = socket_path
        self._documents: FirstDocuments | None = None
        self._thread = threading.Thread(target=self._read, name="netdock-first-read", daemon=True)
        self._thread.start()

    @classmethod
    def of(cls, url: str) -> FirstRead | None:
        """Start a first read for a ``unix://`` engine; other transports read as usual."""
        return cls(url.removeprefix("unix://")) if url.startswith("unix://") else None

    def _read(self) -> None:
        try:
            version, info, containers, networks = (_get(self._socket, url) for url in PATHS)
        except (OSError, ValueError, http.client.HTTPException):
            return
        if (
            isinstance(version, dict)
            and isinstance(info, dict)
            and isinstance(containers, list)
            and isinstance(networks, list)
        ):
            self._documents = FirstDocuments(version, info, containers, networks)

    def peek(self) -> FirstDocuments | None:
        """The documents, left for ``take``: waits for the thread (bounded)."""
        self._thread.join(TIMEOUT)
        return self._documents

    def take(self) -> FirstDocuments | None:
        """The documents, once: waits for the thread (bounded), None when it failed."""
        self._thread.join(TIMEOUT)
        documents, self._documents = self._documents, None
        return documents
