"""The dashboard's first read: the same documents as the backend's, or nothing."""

from __future__ import annotations

import contextlib
import socket
import threading

from engine_helpers import TEST_IMAGE

from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.firstread import FirstRead
from tui.engine.live import Live


async def test_the_first_read_feeds_the_pipeline_the_engines_truth(lab):
    name = lab.run("-p", "127.0.0.1:18093:80", TEST_IMAGE, name="first")
    endpoint = resolve_endpoint()
    ahead = FirstRead.of(endpoint.url)
    assert ahead is not None
    documents = ahead.take()
    assert documents is not None, "the read-ahead itself answered"
    assert name in {c["Names"][0].lstrip("/") for c in documents.containers}
    assert documents.version["ApiVersion"] and documents.info["SystemTime"]
    first = FirstRead.of(endpoint.url)
    backend = DockerBackend(endpoint)
    try:
        prefetched = await Live(backend, first_read=first).snapshot()
        plain = await Live(backend).snapshot()
    finally:
        await backend.close()
    # Only what this test made, and the engine's own: others may run containers meanwhile.
    assert prefetched.container(name) == plain.container(name)
    assert prefetched.container(name).ports == plain.container(name).ports
    assert prefetched.network_by_name("bridge") == plain.network_by_name("bridge")
    assert prefetched.engine == plain.engine


def test_no_engine_at_the_socket_yields_nothing(tmp_path):
    first = FirstRead.of(f"unix://{tmp_path}/nothing.sock")
    assert first is not None and first.take() is None


def test_only_unix_sockets_are_read_ahead():
    assert FirstRead.of("tcp://127.0.0.1:2375") is None


def test_an_engine_that_answers_with_an_error_yields_nothing(tmp_path):
    path = tmp_path / "refusing.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)

    def answer() -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = server.accept()
                with client:
                    client.recv(4096)
                    client.sendall(b"HTTP/1.0 500 Internal Server Error\r\n\r\n{}")

    threading.Thread(target=answer, daemon=True).start()
    try:
        first = FirstRead.of(f"unix://{path}")
        assert first is not None and first.take() is None
        assert first.listing() is None
    finally:
        server.close()
