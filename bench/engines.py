#!/usr/bin/env python3
"""netdock with two engines, each of N containers (not a test: it prints figures).

Two private engines of the test suite (tests/private_engine.py, tests/remote_engine.py),
so the shared engine is left alone: A on a unix socket, B reached over TCP with TLS
through a veth pair. Each gets the bench's fleet (bench.py's mix of modes). Then, in
tmux, the real dashboard:

  first row   launch to the first row of A on screen, with A alone and with A and B
              (median of 5 each, alternated): following B must not delay A;
  idle        over --idle seconds, with A alone and with A and B, 30 s after every
              engine is live: the dashboard's CPU (% of one core, the heartbeat's pings
              included) and RSS;
  settled     A and B's idle again, once A's fleet is --settled minutes old.

A fleet just made is not an idle host: each container's host-side veth sends router
solicitations and MLD reports (the kernel's IPv6 autoconfiguration of a bridge port), the
solicitations backing off from 4 s to an hour, so ever fewer as the fleet ages. Each is
real traffic that the rates show, a row that changes. Every idle figure comes with the
fleet's age (A's, at the middle of the window) and how many of A's links moved a second
meanwhile.

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
from concurrent.futures import ThreadPoolExecutor
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
LAUNCHES = 5


def moving_links(dockerd: int, seconds: float) -> float:
    """How many links of dockerd's namespace moved a second (their counters), over
    ``seconds``."""

    def counters() -> dict[str, str]:
        lines = Path(f"/proc/{dockerd}/net/dev").read_text().splitlines()[2:]
        return dict(line.split(":", 1) for line in lines)

    moved, last = 0, counters()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(1.0)
        now = counters()
        moved += sum(1 for name, text in now.items() if last.get(name) != text)
        last = now
    return moved / seconds


def idle(seconds: float, engines: int, dockerd: int) -> tuple[float, float, float]:
    """Once every engine is read, live and settled: the dashboard's CPU (% of a core) and
    RSS, and how many of A's links moved a second meanwhile."""
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
    with ThreadPoolExecutor(1) as pool:
        links = pool.submit(moving_links, dockerd, seconds)
        cpu = bench.cpu_percent(pids, seconds)
        return cpu, bench.rss_mib(pids), links.result()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=250)
    parser.add_argument("--image", default="netlab/busybox:1")
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--sample-interval", type=float, help="the dashboard's own option")
    parser.add_argument("--settled", type=float, default=10.0, metavar="MINUTES",
                        help="the settled measure's fleet age (0: none)")  # fmt: skip
    args = parser.parse_args()
    results: dict[str, float | str] = {"n_per_engine": args.n}
    netdock = f"{ROOT}/.venv/bin/netdock"
    if args.sample_interval is not None:
        netdock += f" --sample-interval {args.sample_interval:g}"
        results["sample_interval_s"] = args.sample_interval
    with PrivateEngine("bench-a") as a, RemoteEngine("bench-b") as b:
        grow(a, args.n, args.image)
        grown = time.monotonic()
        grow(b, args.n, args.image)
        dockerd = bench.dockerd_pid(a.host)
        assert dockerd is not None, "engine A's dockerd is found by its socket"
        tls = " ".join(f"{k}={v}" for k, v in b.tls_env().items())
        one = f"{netdock} -H {a.host}"
        two = f"env {tls} {netdock} -H {a.host} -H {b.tls_url}"

        def measure(name: str, engines: int) -> None:
            cpu, rss, links = idle(args.idle, engines, dockerd)
            age = (time.monotonic() - args.idle / 2 - grown) / 60
            results[f"dashboard_idle_cpu_pct_{name}"] = cpu
            results[f"dashboard_rss_mib_{name}"] = rss
            results[f"fleet_a_age_min_{name}"] = age
            results[f"fleet_a_links_moving_per_s_{name}"] = links

        try:
            # Alternated, so that a drift of the machine weighs on both alike.
            alone, with_b = [], []
            for _ in range(LAUNCHES):
                alone.append(first_row(one))
                with_b.append(first_row(two))
            results["first_row_of_a_alone_s"] = statistics.median(alone)
            results["first_row_of_a_with_b_s"] = statistics.median(with_b)
            bench.new_dashboard(one)
            measure("a_alone", 1)
            bench.new_dashboard(two)
            measure("a_and_b", 2)
            results["rows_on_screen_header"] = bench.screen().splitlines()[1].strip()
            if args.settled:
                time.sleep(max(0.0, grown + 60 * args.settled - time.monotonic()))
                bench.new_dashboard(two)
                measure("a_and_b_settled", 2)
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
