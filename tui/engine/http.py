"""The engine's HTTP/1.1, spoken over asyncio streams: all netdock asks of an HTTP client.

The Engine API is plain HTTP/1.1 on one host: requests with an optional body, answers
sized by ``Content-Length``, chunked, or ended by the engine closing (an old engine, or
Go's answer to plain HTTP sent to its TLS port). A general client (aiohttp, with yarl,
multidict and the ``email`` package of ``http.client``) was a sixth of the dashboard's
memory; this module imports the standard library only, and nothing asyncio has not
loaded already.

A ``Pool`` holds the idle connections to one engine: a request takes one (else dials
a new one), and gives it back when its answer was read to the end and the engine did
not say ``Connection: close``; any other connection is closed. An idle connection the
engine closed meanwhile is found out at the next request on it: the answer ends before
its status line, and a GET or HEAD is sent once more on a fresh connection (the engine
never saw it). Failures are raised as they come: ``OSError`` (``ConnectError`` when no
connection could be made, ``ProtocolError`` when the answer is not HTTP), and
``TimeoutError`` from the connect timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    import socket
    import ssl

# Idle connections kept per pool: the live pipeline inspects 16 containers at once.
IDLE_LIMIT = 16
_IDEMPOTENT = frozenset({"GET", "HEAD"})
_CHUNK = 65536
# How long closing a pool waits for its connections' TLS shutdown.
CLOSE_SECONDS = 1.0


class ConnectError(OSError):
    """No connection to the engine could be made; the cause is the system's own error
    (``__cause__``: refused, no such socket, permission denied, a TLS handshake refused)."""


class ProtocolError(ConnectionError):
    """The engine's answer is not HTTP as it should be, or ended in its middle."""


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


@dataclass(slots=True)
class Answer:
    """The engine's answer: its status and headers (names in lower case); the body is read
    once, whole (``read``, ``json``) or as it comes (``chunks``, ``lines``)."""

    status: int
    reason: str
    headers: dict[str, str]
    _connection: _Connection
    _remaining: int | None  # Content-Length left to read; None: chunked or to EOF
    _chunked: bool
    _complete: bool = False
    _keep_alive: bool = True

    @property
    def socket(self) -> socket.socket | None:
        """The connection's socket (to set options on), if the transport has one."""
        found: socket.socket | None = self._connection.writer.get_extra_info("socket")
        return found

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def reusable(self) -> bool:
        """Read to its end, on a connection the engine keeps open."""
        return self._complete and self._keep_alive

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body, piece by piece as it arrives, until its end."""
        reader = self._connection.reader
        try:
            if self._chunked:
                while size := await _chunk_size(reader):
                    yield await reader.readexactly(size)
                    if await reader.readexactly(2) != b"\r\n":
                        raise ProtocolError("a chunk of the engine's answer is not ended by CRLF")
                while await _line(reader) not in (b"\r\n", b"\n"):  # the trailers
                    if reader.at_eof():
                        raise ProtocolError("the engine's answer ended in its trailers")
            elif self._remaining is not None:
                while self._remaining:
                    data = await reader.read(min(self._remaining, _CHUNK))
                    if not data:
                        raise ProtocolError(
                            f"the engine's answer ended {self._remaining} bytes short"
                        )
                    self._remaining -= len(data)
                    yield data
            else:
                while data := await reader.read(_CHUNK):
                    yield data
        except asyncio.IncompleteReadError as exc:
            raise ProtocolError("the engine's answer ended in a chunk") from exc
        self._complete = True

    async def read(self) -> bytes:
        return b"".join([data async for data in self.chunks()])

    async def json(self) -> Any:
        body = await self.read()
        try:
            return json.loads(body)
        except ValueError as exc:
            raise ProtocolError(f"the engine's answer is not JSON: {body[:60]!r}") from exc

    async def lines(self) -> AsyncIterator[bytes]:
        """The body line by line (the event stream: one JSON document a line)."""
        pending = b""
        async for data in self.chunks():
            pending += data
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line
        if pending:
            yield pending


async def _line(reader: asyncio.StreamReader) -> bytes:
    """A line of the answer's head or of its chunks' framing, bounded (64 KiB)."""
    try:
        return await reader.readline()
    except ValueError as exc:  # asyncio's LimitOverrunError, as readline reports it
        raise ProtocolError("a line of the engine's answer is too long") from exc


async def _chunk_size(reader: asyncio.StreamReader) -> int:
    line = await _line(reader)
    digits = line.split(b";", 1)[0].strip()
    try:
        return int(digits, 16)
    except ValueError:
        raise ProtocolError(f"a chunk of the engine's answer has no size: {line[:40]!r}") from None


class Pool:
    """HTTP/1.1 to one engine, on connections kept alive between requests.

    ``url`` is ``unix:///path`` or ``tcp://host:port``; with ``ssl`` a TCP connection
    speaks TLS, its certificate checked for the URL's host.
    """

    def __init__(self, url: str, ssl: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        self._unix = parts.scheme == "unix"
        self._path = parts.path
        self._host = parts.hostname or ""
        self._port = parts.port or (2376 if ssl is not None else 2375)
        self._ssl = ssl
        # Go's server ignores it; a proxy in front of a TCP engine may not.
        self._host_header = "docker" if self._unix else (parts.netloc or "docker")
        self._idle: list[_Connection] = []
        self._closed = False

    async def _dial(self, timeout: float | None) -> _Connection:
        try:
            async with asyncio.timeout(timeout):
                if self._unix:
                    reader, writer = await asyncio.open_unix_connection(self._path, limit=_CHUNK)
                else:
                    reader, writer = await asyncio.open_connection(
                        self._host,
                        self._port,
                        ssl=self._ssl,
                        server_hostname=self._host if self._ssl is not None else None,
                        limit=_CHUNK,
                    )
        except TimeoutError:  # an OSError too, but the caller's to tell apart
            raise
        except OSError as exc:
            where = self._path if self._unix else f"{self._host}:{self._port}"
            raise ConnectError(f"cannot connect to {where}: {exc}") from exc
        return _Connection(reader, writer)

    def _take(self) -> _Connection | None:
        # The last given back first: the least likely to have been closed by the engine.
        while self._idle:
            connection = self._idle.pop()
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                connection.reused = True
                return connection
            connection.close()
        return None

    def _give_back(self, connection: _Connection, answer: Answer | None) -> None:
        if answer is None or not answer._complete:
            # In the middle of an answer (a failure, a timeout, a reader that stopped):
            # cut, no TLS goodbye to wait for on a link that may be dead.
            connection.writer.transport.abort()
        elif (
            answer.reusable
            and not self._closed
            and len(self._idle) < IDLE_LIMIT
            and not connection.writer.is_closing()
        ):
            self._idle.append(connection)
        else:
            connection.close()

    @asynccontextmanager
    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float | None = 5.0,
    ) -> AsyncIterator[Answer]:
        """Send a request and yield its answer, whatever its status; the body is the
        caller's to read. ``path`` is the Engine API's, without the leading slash."""
        target = "/" + path + ("?" + urlencode(query) if query else "")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None or method not in _IDEMPOTENT:
            lines.append(f"Content-Length: {len(body or b'')}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

        connection = self._take() or await self._dial(connect_timeout)
        answer: Answer | None = None
        try:
            try:
                answer = await _exchange(connection, method, request)
            except _ClosedWhileIdle:
                connection.close()
                if method not in _IDEMPOTENT:
                    raise ProtocolError(
                        "the engine closed the connection before answering"
                    ) from None
                connection = await self._dial(connect_timeout)
                answer = await _exchange(connection, method, request)
            yield answer
        finally:
            self._give_back(connection, answer)

    async def close(self) -> None:
        """Close the idle connections; those in use are closed when given back.

        A TLS connection waits for the engine's word that it closed too; over a dead
        link that never comes (asyncio would wait 30 s), so the wait is bounded, then
        the connections still open are cut."""
        self._closed = True
        pending, self._idle = self._idle, []
        for connection in pending:
            connection.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_SECONDS):
                while pending:
                    with contextlib.suppress(OSError):  # a shutdown the engine cut short
                        await pending[0].writer.wait_closed()
                    pending.pop(0)
        for connection in pending:
            connection.writer.transport.abort()

    def abort(self) -> None:
        """Cut every idle connection at once, no TLS goodbye: the engine is lost (its
        connections may be half-open), nothing is waited for."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.writer.transport.abort()


class _ClosedWhileIdle(Exception):
    """A reused connection ended before any byte of the answer."""


async def _exchange(connection: _Connection, method: str, request: bytes) -> Answer:
    reader, writer = connection.reader, connection.writer
    try:
        writer.write(request)
        await writer.drain()
        status_line = await _line(reader)
    except (ConnectionResetError, BrokenPipeError):
        if connection.reused:
            raise _ClosedWhileIdle from None
        raise
    if not status_line:
        if connection.reused:
            raise _ClosedWhileIdle
        raise ProtocolError("the engine closed the connection before answering")
    version, _, rest = status_line.decode("latin-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"the engine's answer has no HTTP status line: {status_line[:60]!r}")
    headers: dict[str, str] = {}
    while (line := await _line(reader)) not in (b"\r\n", b"\n"):
        if not line:
            raise ProtocolError("the engine's answer ended in its headers")
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise ProtocolError(f"a header of the engine's answer is malformed: {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
    status = int(code)
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    remaining: int | None = None
    if method == "HEAD" or status in (204, 304) or status < 200:
        remaining = 0
    elif not chunked:
        if "content-length" in headers:
            try:
                remaining = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("the engine's answer has a malformed length") from None
        else:
            keep_alive = False  # its end is the connection's
    answer = Answer(status, reason, headers, connection, remaining, chunked, False, keep_alive)
    if remaining == 0:
        answer._complete = True
    return answer
