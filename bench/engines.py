#!/usr/bin/env python3
"""netdock with two engines, each of N containers (not a test: it prints figures).

Two private engines of the test suite (tests/private_engine.py, tests/remote_engine.py),
so the shared engine is left alone: A on a unix socket, B reached over TCP with TLS
through a veth pair. Each gets the bench's fleet (bench.py's mix of modes). Then, in
tmux, the real dashboard:

  first row   launch to the first row of A on screen, with A alone and with A and B
              (median of 3 each): following B must not delay A;
  idle        over --idle seconds, with A alone and with A and B, 30 s after every
              engine is live: the dashboard's CPU (% of one core, the heartbeat's pings
              included) and RSS.

--sample-interval 0 leaves the rates out (the dashboard's own option): what several
engines cost apart from the counters of the local one.

    .venv/bin/python bench/engines.py --n 250 [--sample-interval 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from private_engine import PrivateEngine  # noqa: E402
from remote_engine import RemoteEngine  # noqa: E402

import bench  # noqa: E402


def grow(engine: PrivateEngine, n: int, image: str) -> None:
    engine.load_test_image()
    bench.SOCKET = str(engine.socket)  # the bench's API client, pointed at this engine
    bench.grow_fleet(n, image)


def first_row(command: str) -> float:
    """Launch the dashboard; the time until a row of A's fleet shows."""
    start = bench.new_dashboard(command)
    seen = bench.wait_screen(lambda text: "bench-0" in text)
    if seen is None:
        raise RuntimeError("no row within 30 s:\n" + bench.screen())
    return seen - start


SETTLE_SECONDS = 30.0


def idle(seconds: float, engines: int) -> tuple[float, float]:
    """Once every engine is read, live and settled: the dashboard's CPU (% of a core) and
    RSS."""
    bench.wait_screen(
        lambda text: (
            text.count("●") >= engines and "reading" not in text and "checking" not in text
        ),
        60,
    )
    # Settled, as bench.py --rates measures: the plumbing read and the first analyses are
    # over, and the selected row's sparkline (which grows for its first 30 samples) full.
    time.sleep(SETTLE_SECONDS)
    pid = int(bench.tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())
    pids = bench.tree(pid)
    return bench.cpu_percent(pids, seconds), bench.rss_mib(pids)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=250)
    parser.add_argument("--image", default="netlab/busybox:1")
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--sample-interval", type=float, help="the dashboard's own option")
    args = parser.parse_args()
    results: dict[str, float | str] = {"n_per_engine": args.n}
    netdock = f"{ROOT}/.venv/bin/netdock"
    if args.sample_interval is not None:
        netdock += f" --sample-interval {args.sample_interval:g}"
        results["sample_interval_s"] = args.sample_interval
    with PrivateEngine("bench-a") as a, RemoteEngine("bench-b") as b:
        grow(a, args.n, args.image)
        grow(b, args.n, args.image)
        tls = " ".join(f"{k}={v}" for k, v in b.tls_env().items())
        one = f"{netdock} -H {a.host}"
        two = f"env {tls} {netdock} -H {a.host} -H {b.tls_url}"
        try:
            results["first_row_of_a_alone_s"] = statistics.median(first_row(one) for _ in range(3))
            results["dashboard_idle_cpu_pct_a_alone"] = idle(args.idle, 1)[0]
            results["first_row_of_a_with_b_s"] = statistics.median(first_row(two) for _ in range(3))
            cpu, rss = idle(args.idle, 2)
            results["dashboard_idle_cpu_pct_a_and_b"] = cpu
            results["dashboard_rss_mib_a_and_b"] = rss
            results["rows_on_screen_header"] = bench.screen().splitlines()[1].strip()
        finally:
            bench.tmux("kill-server")
            # Before the engines' teardown, which can be long on a loaded machine.
            width = max(map(len, results))
            for key, value in results.items():
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                print(f"{key:<{width}}  {shown}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.pop("DOCKER_HOST", None)
    raise SystemExit(main())
