"""The HTTP client (tui.engine.http) against a tiny server on a unix socket that answers
with bytes of the test's choosing, split where the test says: how bodies are sized, when a
connection is kept, and what a broken answer becomes. The real engine covers the rest."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.engine.http import ConnectError, Pool, ProtocolError

BODY = json.dumps({"Id": "c1", "Name": "/web", "Ports": list(range(40))}).encode()


class Server:
    """Answers each request on a connection with the next of ``answers`` (a list of byte
    pieces, written one by one with a pause between, so the client reads them apart);
    ``then_close`` closes the connection after that many requests; ``hang_up`` closes it
    without a word on the request of that number (counted from 0 over all connections),
    as an engine closing an idle connection just as the client sends on it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.answers: list[list[bytes]] = []
        self.then_close: int | None = None
        self.hang_up: int | None = None
        self.requests: list[bytes] = []
        self.connections = 0
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_unix_server(self._serve, self.path)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                self.requests.append(head + await reader.readexactly(length))
                if len(self.requests) - 1 == self.hang_up:
                    break
                for piece in self.answers.pop(0):
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.001)
                served += 1
                if self.then_close is not None and served >= self.then_close:
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def server(tmp_path) -> AsyncIterator[Server]:
    async with Server(str(tmp_path / "engine.sock")) as found:
        yield found


@contextlib.asynccontextmanager
async def pool_of(server: Server) -> AsyncIterator[Pool]:
    """A client of ``server``, its connections closed after."""
    pool = Pool(f"unix://{server.path}")
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def pool(server) -> AsyncIterator[Pool]:
    async with pool_of(server) as found:
        yield found


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def chunked(body: bytes, cuts: list[int]) -> bytes:
    """``body`` in chunks cut at ``cuts``, with the closing chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in split(body, cuts)) + b"0\r\n\r\n"


async def get(pool: Pool, path: str = "containers/c1/json") -> tuple[int, bytes, bool]:
    async with pool.request("GET", path) as answer:
        body = await answer.read()
    return answer.status, body, answer.reusable


CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunk_cuts=st.lists(st.integers(1, len(BODY) - 1), max_size=6),
    read_cuts=st.lists(st.integers(1, 400), max_size=8),
)
async def test_a_chunked_body_is_whole_however_its_chunks_and_reads_are_cut(
    tmp_path_factory, chunk_cuts, read_cuts
):
    path = str(tmp_path_factory.mktemp("h") / "engine.sock")
    async with Server(path) as server:
        wire = CHUNKED_HEAD + chunked(BODY, chunk_cuts)
        server.answers = [split(wire, read_cuts), split(wire, read_cuts[::-1])]
        async with pool_of(server) as pool:
            assert await get(pool) == (200, BODY, True)
            assert await get(pool) == (200, BODY, True)  # on the same connection
            assert server.connections == 1


async def test_content_length_sizes_the_body_and_the_connection_is_kept(server, pool):
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)
    server.answers = [[answer, BODY[:10], BODY[10:]], [answer + BODY]]
    assert await get(pool) == (200, BODY, True)
    assert await get(pool) == (200, BODY, True)
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /containers/c1/json HTTP/1.1\r\n")


async def test_an_answer_without_length_ends_with_the_connection_which_is_not_kept(server, pool):
    server.answers = [[b"HTTP/1.0 400 Bad Request\r\n\r\n", b"Client sent an HTTP request"]]
    server.then_close = 1
    server.answers.append([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"])
    assert await get(pool) == (400, b"Client sent an HTTP request", False)
    assert await get(pool, "_ping") == (200, b"OK", True)
    assert server.connections == 2


async def test_connection_close_is_obeyed(server, pool):
    ok = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"
    server.answers = [[ok], [ok]]
    assert await get(pool, "_ping") == (200, b"OK", False)
    assert await get(pool, "_ping") == (200, b"OK", False)
    assert server.connections == 2


async def test_an_answer_left_unread_does_not_go_back_to_the_pool(server, pool):
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
    server.answers = [[answer], [answer]]
    async with pool.request("GET", "containers/c1/json") as first:
        assert first.status == 200  # its body is not read
    assert await get(pool) == (200, BODY, True)
    assert server.connections == 2


async def test_a_kept_connection_the_engine_closed_is_retried_once_for_a_get(server, pool):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
    server.answers = [[ok], [ok]]
    server.hang_up = 1  # the second request, on the kept connection
    assert await get(pool, "_ping") == (200, b"OK", True)
    assert await get(pool, "_ping") == (200, b"OK", True)
    assert server.connections == 2
    assert len(server.requests) == 3  # the second was sent twice


async def test_a_kept_connection_the_engine_closed_is_not_retried_for_a_post(server, pool):
    ok = b"HTTP/1.1 204 No Content\r\n\r\n"
    server.answers = [[ok], [ok]]
    server.hang_up = 1
    async with pool.request("POST", "containers/c1/start") as answer:
        assert answer.status == 204 and answer.reusable
    with pytest.raises(ProtocolError, match="closed the connection before answering"):
        async with pool.request("POST", "containers/c1/start"):
            pass
    assert len(server.requests) == 2  # not sent again: it may have been done
    assert server.requests[0].startswith(b"POST /containers/c1/start HTTP/1.1\r\n")
    assert b"Content-Length: 0\r\n" in server.requests[0]


async def test_a_kept_connection_seen_closed_while_idle_is_not_used(server, pool):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
    server.answers = [[ok], [ok]]
    server.then_close = 1  # an engine's idle timeout, after the first answer
    assert await get(pool, "_ping") == (200, b"OK", True)
    await asyncio.sleep(0.05)  # the close reaches the client while the connection is idle
    assert await get(pool, "_ping") == (200, b"OK", True)
    assert server.connections == 2 and len(server.requests) == 2


@pytest.mark.parametrize(
    "status_line",
    [b"SSH-2.0-OpenSSH_9.2\r\n", b"HTTP/1.1 2OO OK\r\n", b"garbage\r\n"],
    ids=["ssh", "letters", "garbage"],
)
async def test_a_malformed_status_line_is_a_clear_error(server, pool, status_line):
    server.answers = [[status_line + b"Content-Length: 0\r\n\r\n"]]
    with pytest.raises(ProtocolError, match="no HTTP status line"):
        await get(pool)


async def test_a_chunk_cut_short_by_the_engine_is_an_error_not_a_short_body(server, pool):
    server.answers = [[CHUNKED_HEAD + b"40\r\n" + BODY[:20]]]
    server.then_close = 1
    with pytest.raises(ProtocolError, match="ended in a chunk"):
        await get(pool)


async def test_the_event_stream_is_read_line_by_line_as_it_comes(server, pool):
    events = [json.dumps({"Action": "start", "id": n}).encode() + b"\n" for n in range(3)]
    # One event split over two chunks, two in one chunk.
    wire = CHUNKED_HEAD + b"".join(
        b"%x\r\n%s\r\n" % (len(c), c) for c in (events[0][:7], events[0][7:], events[1] + events[2])
    )
    server.answers = [[wire]]  # the stream never ends: the client stops reading
    seen: list[object] = []
    async with asyncio.timeout(5), pool.request("GET", "events", query={"since": "1"}) as ans:
        async for line in ans.lines():
            seen.append(json.loads(line)["id"])
            if len(seen) == 3:
                break
    assert seen == [0, 1, 2]
    assert server.requests[0].startswith(b"GET /events?since=1 HTTP/1.1\r\n")


async def test_no_connection_is_a_connect_error_holding_the_system_error(tmp_path):
    pool = Pool(f"unix://{tmp_path / 'absent.sock'}")
    with pytest.raises(ConnectError) as caught:
        await get(pool)
    assert isinstance(caught.value.__cause__, FileNotFoundError)
