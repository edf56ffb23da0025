"""What the subcommands share: choosing the engine, reading it once, failing in one line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from tui.core.backend import EngineError
from tui.core.state import HostState
from tui.engine.daemon import daemon_reader
from tui.engine.endpoint import EndpointError, EngineEndpoint, resolve_endpoint
from tui.engine.firstread import FirstRead
from tui.engine.hostfacts import read_host_facts
from tui.engine.kernel import Kernel
from tui.engine.live import SAMPLE_SECONDS, Live

if TYPE_CHECKING:  # imported when a backend is opened: aiodocker is a third of a second
    from tui.engine.docker import DockerBackend

T = TypeVar("T")


def add_engine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-H",
        "--host",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="engine address (unix:///path, tcp://host:port); default: DOCKER_HOST, "
        "else the current docker context",
    )


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"netdock: {message}", file=sys.stderr)
    raise SystemExit(code)


def chosen_endpoint(args: argparse.Namespace) -> EngineEndpoint:
    try:
        return resolve_endpoint(getattr(args, "host", None))
    except EndpointError as exc:
        fail(str(exc))


def open_backend(args: argparse.Namespace, endpoint: EngineEndpoint | None = None) -> DockerBackend:
    from tui.engine.docker import DockerBackend

    try:
        return DockerBackend(endpoint or chosen_endpoint(args))
    except EndpointError as exc:
        fail(str(exc))


def new_live(
    backend: DockerBackend,
    publish: Callable[[HostState], None] | None = None,
    first_read: FirstRead | None = None,
    sample_interval: float = SAMPLE_SECONDS,
) -> Live:
    """The pipeline, wired with the readers of the host's own facts and its kernel."""
    return Live(
        backend,
        publish or (lambda state: None),
        read_daemon=daemon_reader(backend.endpoint, backend.local),
        read_host=read_host_facts,
        first_read=first_read,
        kernel=Kernel(backend.endpoint) if backend.local else None,
        sample_interval=sample_interval,
    )


def with_engine(args: argparse.Namespace, work: Callable[[DockerBackend], Awaitable[T]]) -> T:
    """Run ``work`` against the chosen engine; an unreachable engine exits 2 in one line."""

    async def runner() -> T:
        backend = open_backend(args)
        try:
            return await work(backend)
        finally:
            await backend.close()

    try:
        return asyncio.run(runner())
    except EngineError as exc:
        fail(str(exc))


def load_state(args: argparse.Namespace) -> HostState:
    """The whole engine, read once."""

    async def read(backend: DockerBackend) -> HostState:
        return await new_live(backend).snapshot()

    return with_engine(args, read)


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A plain, aligned table: what ``docker ps`` users expect to read and grep."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for row in [headers, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
