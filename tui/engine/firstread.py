"""The dashboard's first read of a local engine, started before the heavy imports.

Importing Textual takes most of a second; the engine needs a tenth
of one to list 250 containers. This reads ``/version``, ``/info``, the container
list and the network list over the unix socket with plain sockets, in
threads, while Python imports: the first frame is drawn from three of them before
Textual is imported (tui.ui.firstpaint). The live pipeline takes the result for its
first round (``Live(first_read=...)``) and goes on through the backend as usual. Any failure
just yields nothing: the pipeline then reads as it always does.

With several local engines each is read so, all at once: the first paint shows those
that answered by the time the first one did (``first_listings``), never waiting on one
that is slow or gone.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

VERSION, INFO, CONTAINERS, NETWORKS = PATHS = (
    "/version",
    "/info",
    "/containers/json?all=1",
    "/networks",
)
LISTING = (VERSION, CONTAINERS, NETWORKS)  # what the first frame shows
TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class FirstDocuments:
    version: dict[str, Any]
    info: dict[str, Any]
    containers: list[dict[str, Any]]
    networks: list[dict[str, Any]]
    info_lag: float
    """Seconds from the lists' request to ``/info``'s answer (see ``FirstRead``)."""


def _get(path: str, url: str) -> Any:
    """One GET over the engine's socket, in HTTP/1.0: the engine answers with the whole
    body and closes, so there is no chunking to undo and no need for ``http.client``,
    whose import (the ``email`` package) costs the first frame more than the read."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(path)
        sock.sendall(f"GET {url} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        raise OSError(f"{url}: {head[:40]!r}")
    if b"transfer-encoding: chunked" in head.lower():
        raise OSError(f"{url}: a chunked answer")  # not HTTP/1.0: read it the usual way
    return json.loads(body)


@dataclass(frozen=True, slots=True)
class Listing:
    """What the first frame shows: the engine, its containers and networks."""

    version: dict[str, Any]
    containers: list[dict[str, Any]]
    networks: list[dict[str, Any]]


class FirstRead:
    """The four documents, read in background threads from a unix socket.

    All four are asked at once: the first frame waits for the slowest, not for the sum.
    ``/info``'s clock starts the event stream; it may be read after the lists were, so
    how long after the lists were asked for it answered is kept (``info_lag``): the
    stream starts that much earlier, and nothing that happened after the lists is
    missed. Each answer, or failure, is told to ``news`` (several first reads may share
    one, to wait for whichever answers first).
    """

    def __init__(self, socket_path: str, news: threading.Condition | None = None) -> None:
        self._socket = socket_path
        self._news = news or threading.Condition()
        self._answers: dict[str, Any] = {}
        self._failed: set[str] = set()
        self._threads: dict[str, threading.Thread] = {}
        self._asked = time.monotonic()
        self._info_answered = self._asked
        for url in PATHS:
            self._start(url)
        self._taken = False

    @classmethod
    def of(cls, url: str, news: threading.Condition | None = None) -> FirstRead | None:
        """Start a first read for a ``unix://`` engine; other transports read as usual."""
        return cls(url.removeprefix("unix://"), news) if url.startswith("unix://") else None

    def _start(self, url: str) -> None:
        thread = threading.Thread(target=self._read, args=(url,), name="netdock-first-read",
                                  daemon=True)  # fmt: skip
        self._threads[url] = thread
        thread.start()

    def _read(self, url: str) -> None:
        answer = None
        with contextlib.suppress(OSError, ValueError):
            answer = _get(self._socket, url)
            if url == INFO:
                self._info_answered = time.monotonic()
        with self._news:
            if answer is None:
                self._failed.add(url)
            else:
                self._answers[url] = answer
            self._news.notify_all()

    def _wait(self, *urls: str) -> list[Any]:
        deadline = time.monotonic() + TIMEOUT
        for url in urls:
            self._threads[url].join(max(0.0, deadline - time.monotonic()))
        return [self._answers.get(url) for url in urls]

    def _listing(self) -> Listing | None:
        """Version, containers and networks if all three are in (holding ``news``)."""
        version, containers, networks = (self._answers.get(u) for u in LISTING)
        if isinstance(version, dict) and isinstance(containers, list):
            return Listing(version, containers, networks) if isinstance(networks, list) else None
        return None

    def _settled(self) -> bool:
        """Every answer the first frame needs is in, or failed (holding ``news``)."""
        return all(url in self._answers or url in self._failed for url in LISTING)

    def listing(self) -> Listing | None:
        """Version, containers and networks, for the first frame (``take`` still has them):
        waits for those three (bounded), None when one failed."""
        return first_listings([self])[0]

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
            lag = self._info_answered - self._asked
            return FirstDocuments(version, info, containers, networks, lag)
        return None


def first_listings(reads: Sequence[FirstRead | None]) -> list[Listing | None]:
    """The listing of each engine that has answered, once one has: waits (bounded) for the
    first engine to answer in full, or for every one to fail, and never for the others
    (None for each engine not in yet, or read otherwise). ``reads`` share one ``news``."""
    started = [read for read in reads if read is not None]
    if not started:
        return [None] * len(reads)
    news = started[0]._news
    with news:
        news.wait_for(
            lambda: any(r._listing() for r in started) or all(r._settled() for r in started),
            TIMEOUT,
        )
        return [read._listing() if read is not None else None for read in reads]
