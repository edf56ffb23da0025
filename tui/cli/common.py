"""What the subcommands share: choosing the engine, reading it once, failing in one line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from tui.core.backend import EngineError
from tui.engine.endpoint import EndpointError, EngineEndpoint, resolve_endpoints

# Imported when used: the dashboard paints its first rows before any of them (asyncio
# alone is a few tens of milliseconds).
if TYPE_CHECKING:
    from tui.core.state import HostState
    from tui.engine.docker import DockerBackend
    from tui.engine.firstread import FirstRead
    from tui.engine.live import Live

T = TypeVar("T")

READ_ONLY_REFUSED = 3
"""Exit status of a command that would change the engine, refused by read-only mode
(2 is "no engine": a script must tell them apart)."""


class _Engine(argparse.Action):
    """``-H`` and ``-c`` append to one list, so the engines keep the order they were given in."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        chosen = [*getattr(namespace, "engines", []), (self.const, str(values))]
        namespace.engines = chosen


def add_engine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-H",
        "--host",
        metavar="URL",
        action=_Engine,
        const="host",
        default=argparse.SUPPRESS,
        help="engine address (unix:///path, tcp://host:port, ssh://[user@]host[:port]); "
        "repeatable; default: DOCKER_HOST, else the current docker context",
    )
    parser.add_argument(
        "-c",
        "--context",
        metavar="NAME",
        action=_Engine,
        const="context",
        default=argparse.SUPPRESS,
        help="a docker context by name (see `docker context ls`); repeatable, and "
        "combines with --host",
    )
    parser.add_argument(
        "--all-contexts",
        action="store_true",
        default=argparse.SUPPRESS,
        help="follow every docker context",
    )


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"netdock: {message}", file=sys.stderr)
    raise SystemExit(code)


def chosen_endpoints(args: argparse.Namespace) -> list[EngineEndpoint]:
    """The engines the options name, in their order; a bad one exits 2 in one line."""
    try:
        return resolve_endpoints(getattr(args, "engines", []), getattr(args, "all_contexts", False))
    except EndpointError as exc:
        fail(str(exc))


def single_endpoint(args: argparse.Namespace) -> EngineEndpoint:
    """The one engine a command that changes an engine acts on."""
    endpoints = chosen_endpoints(args)
    if len(endpoints) > 1:
        fail(f"{args.command} acts on one engine; {len(endpoints)} were named")
    return endpoints[0]


def open_backend(endpoint: EngineEndpoint) -> DockerBackend:
    from tui.engine.docker import DockerBackend

    try:
        return DockerBackend(endpoint)
    except EndpointError as exc:
        fail(str(exc))


def new_live(
    backend: DockerBackend,
    publish: Callable[[HostState], None] | None = None,
    first_read: FirstRead | None = None,
    state: HostState | None = None,
    sample_interval: float | None = None,
) -> Live:
    """The pipeline, wired with the readers of the host's own facts and its kernel
    (``sample_interval``: seconds between counter samples, 0 none; None the default)."""
    from tui.engine.daemon import daemon_reader
    from tui.engine.hostfacts import read_host_facts
    from tui.engine.kernel import Kernel
    from tui.engine.live import SAMPLE_SECONDS, Live

    return Live(
        backend,
        publish or (lambda state: None),
        read_daemon=daemon_reader(backend.endpoint, backend.local),
        read_host=read_host_facts,
        first_read=first_read,
        state=state,
        kernel=Kernel(backend.endpoint) if backend.local else None,
        sample_interval=SAMPLE_SECONDS if sample_interval is None else sample_interval,
    )


def with_engine(args: argparse.Namespace, work: Callable[[DockerBackend], Awaitable[T]]) -> T:
    """Run ``work`` against the one chosen engine; an unreachable engine exits 2 in one line."""
    import asyncio

    async def runner() -> T:
        backend = open_backend(single_endpoint(args))
        try:
            return await work(backend)
        finally:
            await backend.close()

    try:
        return asyncio.run(runner())
    except EngineError as exc:
        fail(str(exc))


@dataclass(frozen=True, slots=True)
class EngineRead:
    """One engine read once: its state, or the one line saying why it could not be read."""

    endpoint: EngineEndpoint
    state: HostState | None = None
    error: str = ""

    def error_document(self) -> dict[str, Any]:
        return {"engine": {"endpoint": self.endpoint.url}, "error": self.error}


async def _read(endpoint: EngineEndpoint) -> EngineRead:
    from tui.engine.docker import DockerBackend

    try:
        backend = DockerBackend(endpoint)
    except EndpointError as exc:
        return EngineRead(endpoint, error=str(exc))
    try:
        return EngineRead(endpoint, await new_live(backend).snapshot())
    except EngineError as exc:
        # One line, naming the engine (the engine's own refusals do not).
        error = " ".join(str(exc).split())
        if endpoint.url not in error:
            error = f"{backend.where}: {error}"
        return EngineRead(endpoint, error=error)
    finally:
        await backend.close()


def load_states(args: argparse.Namespace) -> list[EngineRead]:
    """Every chosen engine, read once and at the same time, in the order given.

    One engine that cannot be read exits 2 in one line, as always; of several, each one
    that cannot be read is a line on stderr, and only when none answered is it exit 2."""
    return _read_all(chosen_endpoints(args))


def _read_all(endpoints: Sequence[EngineEndpoint]) -> list[EngineRead]:
    import asyncio

    async def read_all() -> list[EngineRead]:
        return list(await asyncio.gather(*map(_read, endpoints)))

    reads = asyncio.run(read_all())
    if len(reads) == 1 and reads[0].error:
        fail(reads[0].error)
    for read in reads:
        if read.error:
            print(f"netdock: {read.error}", file=sys.stderr)
    return reads


def load_state(args: argparse.Namespace) -> HostState:
    """The one engine, read once."""
    (read,) = _read_all([single_endpoint(args)])
    assert read.state is not None  # else _read_all exited
    return read.state


def engines_document(reads: Sequence[EngineRead], document: Callable[[HostState], Any]) -> Any:
    """One engine's document as it always was; several: ``{"engines": [...]}`` in order,
    each saying which engine it is (``engine.endpoint``, as the snapshot's own does)."""
    if len(reads) == 1 and reads[0].state is not None:
        return document(reads[0].state)
    return {
        "engines": [
            {"engine": {"endpoint": r.endpoint.url}} | document(r.state)
            if r.state is not None
            else r.error_document()
            for r in reads
        ]
    }


def answered(reads: Sequence[EngineRead]) -> list[HostState]:
    """The states of the engines that answered; none answered is exit 2."""
    states = [r.state for r in reads if r.state is not None]
    if not states:
        raise SystemExit(2)
    return states


def print_engine_heading(reads: Sequence[EngineRead], read: EngineRead) -> bool:
    """Before each engine's text when there are several; False for one that did not answer."""
    if len(reads) > 1:
        print(f"{'' if read is reads[0] else chr(10)}== {read.endpoint.label} ==")
        if read.state is None:
            print(f"error: {read.error}")
    return read.state is not None


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
