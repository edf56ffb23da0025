#!/usr/bin/env python3
"""The cost of the change history (pure, no engine; prints figures, asserts nothing).

derive  the changes between two states of N containers (default 1,000) where one
        container changed (the live case: states share every unchanged object), and
        where every container is a new object (a resync), median of --repeat runs;
ring    the RSS of a dashboard model (a ChangeLog with the default ring of 10,000)
        after --changes changes (default 100,000), sampled every 10,000: it must level
        off once the ring is full.

  .venv/bin/python bench/changes.py
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.changes import ChangeLog, changes, view_of_state
from tui.core.model import Container, Endpoint, Network, PortBinding
from tui.core.state import Connection, HostState, Link

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BRIDGE = Network("n-bridge", "bridge", "bridge", "local")


def fleet(n: int) -> HostState:
    boxes = []
    for i in range(n):
        joiner = i % 20 == 19
        boxes.append(
            Container(
                id=f"id{i:05d}", name=f"c{i:05d}", image="img", state="running",
                network_mode="container:id00000" if joiner else "default",
                namespace_ref="id00000" if joiner else None,
                endpoints=() if joiner else (
                    Endpoint("bridge", "n-bridge", f"172.17.{i // 250}.{i % 250 + 2}", 16,
                             "172.17.0.1", mac=f"02:42:ac:11:{i // 250:02x}:{i % 250:02x}"),
                ),
                ports=() if joiner or i % 7 else (
                    PortBinding("0.0.0.0", 30000 + i, 80, "tcp", True),
                ),
                started_at=T0,
            )
        )  # fmt: skip
    return HostState(
        connection=Connection(Link.LIVE),
        containers=MappingProxyType({c.id: c for c in boxes}),
        networks=MappingProxyType({BRIDGE.id: BRIDGE}),
    )


def with_restarted(state: HostState, *numbers: int, at: int = 1) -> HostState:
    containers = dict(state.containers)
    for i in numbers:
        old = containers[f"id{i:05d}"]
        containers[old.id] = dataclasses.replace(old, started_at=T0 + timedelta(seconds=at))
    return dataclasses.replace(state, containers=MappingProxyType(containers))


def timed(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--changes", type=int, default=100_000)
    args = parser.parse_args()

    base = fleet(args.n)
    view = view_of_state(base)
    one = with_restarted(base, 3)

    def live() -> None:
        changes(view, view_of_state(one, view), T0)

    fresh = fleet(args.n)

    def resync() -> None:
        changes(view, view_of_state(fresh, view), T0)

    print(f"derive, {args.n} containers, one changed:   {timed(live, args.repeat):.2f} ms")
    print(f"derive, {args.n} containers, all new objects: {timed(resync, args.repeat):.2f} ms")

    log = ChangeLog()
    state = base
    log.observe(state, T0)
    made, i, report = 0, 0, 10_000
    print(f"ring: RSS {rss_mib():.1f} MiB before")
    while made < args.changes:
        i += 1
        # Ten restarts a step (one change each); the joiners (c00019, ...) keep their owner.
        state = with_restarted(state, *(n % args.n for n in range(i * 10, i * 10 + 10)), at=i)
        made += len(log.observe(state, T0))
        if made >= report or made >= args.changes:
            report += 10_000
            print(f"ring: {made:>7} changes, {len(log.changes)} kept, RSS {rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
