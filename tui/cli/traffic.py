"""``netdock traffic``: each running container's interface rates, one table (or JSON line)
per sample, read from the kernel's counters (no stats call to the engine)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.cli.common import add_engine_args, fail, new_live, print_table, with_engine
from tui.core.document import traffic_document
from tui.core.state import HostState
from tui.core.traffic import format_rate
from tui.engine.kernel import REMOTE

if TYPE_CHECKING:
    from tui.engine.docker import DockerBackend

HEADERS = ("CONTAINER", "INTERFACE", "NETWORK", "HOST_INTERFACE", "RX", "TX", "RX_PPS", "TX_PPS",
           "DROPPED")  # fmt: skip


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("traffic", help="print each container's interface rates per sample")
    add_engine_args(parser)
    parser.add_argument("--interval", metavar="S", type=float, default=1.0,
                        help="seconds between samples (default 1)")  # fmt: skip
    parser.add_argument("--count", metavar="N", type=int, default=None,
                        help="stop after N samples (default: until interrupted)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="one JSON document per line")
    parser.set_defaults(func=run)


def _rows(document: dict[str, object]) -> list[tuple[str, ...]]:
    rows = []
    containers = document["containers"]
    assert isinstance(containers, list)
    for c in containers:
        for i in c["interfaces"]:
            rated = i["rx_bps"] is not None
            rows.append((
                c["name"], i["interface"], i["network"] or "-", i["host_interface"] or "-",
                format_rate(i["rx_bps"]) if rated else "-",
                format_rate(i["tx_bps"]) if rated else "-",
                f"{i['rx_pps']:.0f}" if rated else "-",
                f"{i['tx_pps']:.0f}" if rated else "-",
                f"{i['rx_dropped']}/{i['tx_dropped']}" if rated else "-",
            ))  # fmt: skip
    return rows


def _show(state: HostState, as_json: bool) -> None:
    document = traffic_document(state, datetime.now(UTC))
    if as_json:
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        print(document["time"])
        print_table(HEADERS, _rows(document))
        print()
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        fail("--interval: seconds, more than 0")
    if args.count is not None and args.count < 1:
        fail("--count: 1 or more")

    async def follow(backend: DockerBackend) -> int:
        shown = asyncio.Event()
        printed = 0
        # The first sample is a baseline: rates come from the second one on.
        last = 1

        def publish(state: HostState) -> None:
            nonlocal printed, last
            if state.traffic.samples > last:
                last = state.traffic.samples
                _show(state, args.json)
                printed += 1
                if args.count is not None and printed >= args.count:
                    shown.set()

        live = new_live(backend, publish, sample_interval=args.interval)
        await live.snapshot()
        if not backend.local:
            fail(f"no rates: {REMOTE}", 1)
        # The pipeline follows the engine's events meanwhile: a container started during
        # the run is sampled from its start on.
        following = asyncio.get_running_loop().create_task(live.run())
        try:
            await shown.wait()
        finally:
            following.cancel()
        return 0

    try:
        return with_engine(args, follow)
    except KeyboardInterrupt:
        return 0
