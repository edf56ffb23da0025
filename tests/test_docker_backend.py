"""DockerBackend against a fake engine on a unix socket: what its client does when the
engine goes away under an open event stream (the real engine's are in test_engine_restart
and test_churn_engine)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator

import pytest

from tui.core.backend import EngineUnavailable
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint


class FakeEngine:
    """Answers ``/events`` with a stream it feeds on demand, ``/version``, anything else 404."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.server: asyncio.AbstractServer | None = None
        self.stream: asyncio.StreamWriter | None = None
        self.streaming = asyncio.Event()
        self.idle: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_unix_server(self._serve, self.path)

    def stop_listening(self) -> None:
        """What a stopping dockerd does first: no new connections, its idle ones closed,
        the event stream still open (it tells the containers' ends)."""
        assert self.server is not None
        self.server.close()
        for writer in self.idle:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def send(self, event: dict[str, object]) -> None:
        assert self.stream is not None
        data = json.dumps(event).encode() + b"\n"
        self.stream.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        with contextlib.suppress(ConnectionError):  # the client hung up: its to notice
            await self.stream.drain()

    def end_stream(self) -> None:
        assert self.stream is not None
        self.stream.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.idle.add(writer)
        while line := await reader.readline():
            target = line.split()[1].decode() if len(line.split()) > 1 else ""
            while await reader.readline() not in (b"\r\n", b""):
                pass  # the headers
            if "/events" in target:
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                await writer.drain()
                self.stream = writer
                self.idle.discard(writer)
                self.streaming.set()
                return
            if target.endswith("/version"):
                status, body = b"200 OK", b'{"ApiVersion": "1.43", "Version": "24.0.0"}'
            else:
                status, body = b"404 Not Found", b'{"message": "no such container"}'
            writer.write(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()


@pytest.fixture
async def engine(tmp_path) -> AsyncIterator[FakeEngine]:
    fake = FakeEngine(str(tmp_path / "docker.sock"))
    await fake.start()
    yield fake
    if fake.server is not None:
        fake.server.close()


def event(n: int) -> dict[str, object]:
    return {"Type": "container", "Action": "start", "Actor": {"ID": f"c{n}"}, "timeNano": n}


async def test_a_read_that_loses_the_engine_leaves_the_event_stream_to_end_by_itself(engine):
    """A stopping engine refuses new connections while its stream still speaks: the read
    that fails must not close the stream's connection under it (it would hang, neither
    ended nor fed, and a ping on a new connection to the restarted engine would pass)."""
    backend = DockerBackend(resolve_endpoint(f"unix://{engine.path}"))
    stream = backend.events(None, {"type": ["container"]})
    try:
        async with asyncio.timeout(5):
            first = asyncio.ensure_future(anext(stream))
            await engine.streaming.wait()
            await engine.send(event(1))
            assert (await first)["Actor"] == {"ID": "c1"}
            assert await backend.inspect_container("c1") is None  # the client is in use
            second = asyncio.ensure_future(anext(stream))  # as the pump waits, always
            await asyncio.sleep(0.1)
            engine.stop_listening()
            with pytest.raises(EngineUnavailable):
                await backend.inspect_container("c1")
            await engine.send(event(2))
            assert (await second)["Actor"] == {"ID": "c2"}
            engine.end_stream()
            with contextlib.suppress(EngineUnavailable):
                await anext(stream, None)
    finally:
        await stream.aclose()
        await backend.close()
