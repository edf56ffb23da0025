"""``netdock watch``: the network changes as they happen, one a line (JSON lines with --json).

The first line is the state at the start (``{"kind": "snapshot", ...}`` with --json); on
SIGINT or SIGTERM the last one is the live model as it stood (``{"kind": "final", ...}``),
no fresh read: what the dashboard believed at that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from datetime import UTC, datetime
from typing import Any

from tui.cli.common import add_engine_args, fail, new_live, open_backend, single_endpoint
from tui.core.audit import audit
from tui.core.changes import ChangeLog, NetChange
from tui.core.document import snapshot_document
from tui.core.ports import find_conflicts
from tui.core.state import HostState, Link


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("watch", help="print the network changes as they happen")
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    code, message = asyncio.run(_watch(args))
    if message:
        fail(message, code)
    return code


class _Printer:
    """Turns each new state of the live model into lines on stdout."""

    def __init__(self, engine: str, as_json: bool) -> None:
        self.engine = engine
        self.as_json = as_json
        self.log = ChangeLog(limit=1)
        self.started = asyncio.Event()
        self.refused: str | None = None
        self.ended = False

    def on_state(self, state: HostState) -> None:
        if self.ended:
            return
        if not self.started.is_set():
            if state.connection.link is Link.LIVE:
                self.log.observe(state, _now(), *_analyses(state))
                self.document("snapshot", state)
                self.started.set()
            elif state.connection.link is Link.DOWN:
                self.refused = state.connection.message
                self.started.set()
            return
        for change in self.log.observe(state, _now(), *_analyses(state)):
            self._change(change)

    def final(self, state: HostState) -> None:
        """The last line. The pipeline may still publish while it is being stopped (a
        read that had its answer runs one more step): nothing is printed after this."""
        self.ended = True  # first: a print that fails (a closed pipe) ends it too
        self.document("final", state)

    def _change(self, change: NetChange) -> None:
        self._print(change.to_json(self.engine) if self.as_json else change.line())

    def document(self, kind: str, state: HostState) -> None:
        document = snapshot_document(state)
        if self.as_json:
            self._print({"kind": kind, "snapshot": document})
        else:
            running = sum(c.running for c in state.containers.values())
            self._print(
                f"{_now().astimezone():%H:%M:%S}  {kind}: {len(state.containers)} containers "
                f"({running} running), {len(state.networks)} networks on {self.engine}"
            )

    def _print(self, line: str | dict[str, Any]) -> None:
        text = json.dumps(line) if isinstance(line, dict) else line
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _analyses(state: HostState) -> tuple[Any, Any]:
    """Collisions and findings of a complete state; None (keep the last) while inspects
    are on the way, as the dashboard does."""
    return (find_conflicts(state), audit(state)) if state.synced else (None, None)


def _now() -> datetime:
    return datetime.now(UTC)


async def _watch(args: argparse.Namespace) -> tuple[int, str]:
    backend = open_backend(single_endpoint(args))
    printer = _Printer(backend.endpoint, args.json)
    live = new_live(backend, printer.on_state)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    follow = loop.create_task(live.run())
    try:
        started = loop.create_task(printer.started.wait())
        stopped = loop.create_task(stop.wait())
        await asyncio.wait({started, stopped}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        if printer.refused is not None:
            return 2, printer.refused
        await stopped
        if printer.started.is_set():
            printer.final(live.state)
        return 0, ""
    finally:
        follow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follow
        await backend.close()
