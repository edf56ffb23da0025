#!/usr/bin/env python3
"""netdock's benchmark on the real engine (not a test: it asserts nothing, it prints figures).

It grows a fleet of N labelled containers in mixed network modes (70% bridge, 15% bridge
publishing a dynamic port, 5% host, 5% none, 5% container:<an earlier bridge one>), then
measures:

  model   cold start to a complete model (list + every inspect), median of 3;
          event-to-model latency p50/p95, from the engine event's timeNano to the
          moment the pipeline applied it, over --events container starts and removals;
  screen  the real TUI in tmux: launch to the first container row on screen, and event
          to row on screen (the engine's `create` event to the new name being drawn),
          and from the moment the create-and-start call returned (as `docker run -d`);
  idle    over --idle seconds: the dashboard's CPU (% of one core) and RSS, and
          dockerd's CPU with the dashboard running, against a baseline without it.
  rates   (--rates: only this) one sampling round of every container's counters (median
          of 20), how many namespaces one dump in dockerd's namespace counts and how many
          are read inside, the full plumbing read, and the idle CPU of the dashboard (CPU
          seconds over --idle, as % of a core) and of dockerd/containerd with sampling
          every second, then with sampling off, and the difference: what sampling costs.
          With --private, on an engine of its own (tests/private_engine.py: a dockerd in
          another network namespace), which nobody else's containers disturb; with
          --socket, on an engine that already holds the fleet (nothing is removed).

With --screen-only, just the figures a person feels first: launch to the first row
(median of 3), `docker rm -f` returning to the row gone (median over --events removals
of rows on screen), and the dashboard's RSS after --idle seconds. --private runs it all
on a private engine of its own (tests/private_engine.py), so that a fleet of 1,000
disturbs nobody on the shared one.

    .venv/bin/python bench/bench.py --n 250
    .venv/bin/python bench/bench.py --n 1000 --private --screen-only --events 10
    .venv/bin/python bench/bench.py --n 250 --private --screen-only \
        --netdock ../main/.venv/bin/netdock --netdock .venv/bin/netdock   # side by side
    .venv/bin/python bench/bench.py --n 250 --rates --private
    .venv/bin/python bench/bench.py --n 250 --rates --socket /tmp/nd-x/docker.sock \
        --netdock ../main/.venv/bin/netdock --netdock .venv/bin/netdock   # side by side
    .venv/bin/python bench/bench.py --cleanup      # remove every bench container

Fleet containers carry the label netdock.bench=1 and are removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.core.plumbing import counted_in_host  # noqa: E402
from tui.core.state import HostState  # noqa: E402
from tui.engine.daemon import dockerd_pid  # noqa: E402
from tui.engine.docker import DockerBackend  # noqa: E402
from tui.engine.endpoint import resolve_endpoint  # noqa: E402
from tui.engine.kernel import Kernel  # noqa: E402
from tui.engine.live import Live  # noqa: E402

DEFAULT_SOCKET = SOCKET = "/var/run/docker.sock"
LABEL = "netdock.bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# A tmux server of this run's own: another bench at the same time (a shared machine) has
# its own, which this one's kill-server leaves alone.
TMUX = ["tmux", "-L", f"netdock-bench-{os.getpid()}"]


# The engine API over the socket, stdlib only: the fleet must not depend on what we measure.
class _Unix(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCKET)


def endpoint_url() -> str:
    return f"unix://{SOCKET}"


def api(method: str, path: str, body: dict | None = None, query: dict | None = None):
    conn = _Unix("localhost", timeout=120)
    url = "/v1.41" + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, url, body=data, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {payload[:200]!r}")
    return json.loads(payload) if payload else None


def run_container(name: str, image: str, mode: str = "bridge", publish: bool = False) -> str:
    host_config: dict = {"NetworkMode": mode}
    config: dict = {
        "Image": image,
        "Cmd": ["sleep", "1000000"],
        "Labels": {LABEL: "1"},
        "HostConfig": host_config,
    }
    if publish:
        config["ExposedPorts"] = {"80/tcp": {}}
        host_config["PortBindings"] = {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    cid = api("POST", "/containers/create", config, {"name": name})["Id"]
    api("POST", f"/containers/{cid}/start")
    return cid


def remove(ref: str) -> None:
    api("DELETE", f"/containers/{ref}", query={"force": "1"})


def fleet_ids() -> list[str]:
    found = api(
        "GET",
        "/containers/json",
        query={"all": "1", "filters": json.dumps({"label": [f"{LABEL}=1"]})},
    )
    return [c["Id"] for c in found]


def grow_fleet(n: int, image: str) -> None:
    have = len(fleet_ids())
    bridges: list[str] = []

    def one(i: int) -> None:
        slot = i % 20
        name = f"bench-{i:03d}"
        if slot < 14:
            bridges.append(run_container(name, image))
        elif slot < 17:
            run_container(name, image, publish=True)
        elif slot == 17:
            run_container(name, image, mode="host")
        elif slot == 18:
            run_container(name, image, mode="none")
        else:
            run_container(name, image, mode=f"container:{bridges[-1]}")

    # Container-mode ones need an earlier bridge: create in order, in batches of 20.
    with ThreadPoolExecutor(8) as pool:
        for start in range(have, n, 20):
            batch = range(start, min(start + 20, n))
            list(pool.map(one, [i for i in batch if i % 20 != 19]))
            list(pool.map(one, [i for i in batch if i % 20 == 19]))
    print(f"fleet: {len(fleet_ids())} containers", file=sys.stderr)


def cleanup() -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(remove, fleet_ids()))


# ---------------------------------------------------------------------------- model


async def cold_start() -> float:
    backend = DockerBackend(resolve_endpoint(endpoint_url()))
    start = time.perf_counter()
    state = await Live(backend).snapshot()
    took = time.perf_counter() - start
    await backend.close()
    assert state.synced
    return took


async def event_latencies(image: str, count: int) -> list[float]:
    latencies: list[float] = []
    backend = DockerBackend(resolve_endpoint(endpoint_url()))
    watched: set[str] = set()

    def applied(event) -> None:
        if event.actor_id in watched or event.container_id in watched:
            latencies.append((time.time_ns() - event.time_nano) / 1e6)

    live = Live(backend, on_event_applied=applied)
    task = asyncio.create_task(live.run())
    while not (live.state.synced and live.state.connection.link == "live"):
        await asyncio.sleep(0.05)
    for k in range(count):
        cid = await asyncio.to_thread(run_container, f"bench-ev-{k}", image)
        watched.add(cid)
        await asyncio.sleep(0.2)
        await asyncio.to_thread(remove, cid)
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    task.cancel()
    await backend.close()
    return latencies


# ---------------------------------------------------------------------------- screen


def tmux(*args: str) -> str:
    return subprocess.run([*TMUX, *args], capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", "bench")


def wait_screen(predicate, timeout: float = 30.0, poll: float = 0.005) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate(screen()):
            return time.perf_counter()
        time.sleep(poll)
    return None


def new_dashboard(command: str) -> float:
    """``command`` in a fresh 220x50 tmux session; the moment it was started."""
    # A session that outlives the dashboards: killing the last one makes the tmux server
    # exit, and a new session asked for meanwhile goes to the exiting server and is lost.
    tmux("new-session", "-d", "-s", "keep", "sleep infinity")
    tmux("kill-session", "-t", "bench")
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "220", "-y", "50", command)
    return start


def launch_tui(*flags: str, netdock: Path = ROOT / ".venv/bin/netdock") -> tuple[float, int]:
    """Start the dashboard in a fresh tmux session; the time until a fleet row shows."""
    start = new_dashboard(" ".join([str(netdock), "-H", endpoint_url(), *flags]))
    seen = wait_screen(lambda text: "bench-0" in text)
    if seen is None:
        raise RuntimeError("no container row within 30 s:\n" + screen())
    pid = int(tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())
    return seen - start, pid


class EventClock:
    """The engine's own `create` time of each container, from a side event stream."""

    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self._conn = _Unix("localhost", timeout=None)
        filters = json.dumps({"type": ["container"], "event": ["create"]})
        self._conn.request("GET", "/v1.41/events?" + urllib.parse.urlencode({"filters": filters}))
        self._response = self._conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while line := self._response.readline():
            event = json.loads(line)
            name = event.get("Actor", {}).get("Attributes", {}).get("name")
            if name:
                self.created[name] = event["timeNano"]


def screen_latencies(image: str, count: int) -> tuple[list[float], list[float]]:
    """Per new container: its `create` event to its row on screen, and the moment its
    create-and-start call returned (as `docker run -d` does) to the row (negative: the
    row was there before the call returned)."""
    clock = EventClock()
    time.sleep(0.2)
    from_event, from_return = [], []
    for k in range(count):
        name = f"0ev-{k}"  # sorts first: on screen whatever the fleet size
        returned: list[float] = []

        def run(name: str = name, returned: list[float] = returned) -> None:
            run_container(name, image)
            returned.append(time.perf_counter())

        runner = threading.Thread(target=run, daemon=True)
        runner.start()
        seen = wait_screen(lambda text, name=name: name in text, timeout=10, poll=0.01)
        runner.join(10)
        deadline = time.time() + 5
        while name not in clock.created and time.time() < deadline:
            time.sleep(0.01)
        if seen is not None and name in clock.created:
            seen_ns = time.time_ns() - int((time.perf_counter() - seen) * 1e9)
            from_event.append((seen_ns - clock.created[name]) / 1e6)
        if seen is not None and returned:
            from_return.append((seen - returned[0]) * 1e3)
        time.sleep(0.3)
        remove(name)
        time.sleep(0.3)
    return from_event, from_return


def removal_latencies(which: range) -> list[float]:
    """Per fleet row on screen: `docker rm -f` (the API call) returning to the row gone."""
    gone = []
    for k in which:
        name = f"bench-{k:03d}"  # sorted by name: the first rows are on screen
        row = re.compile(rf"\b{name}\b")
        if wait_screen(lambda text, row=row: row.search(text) is not None, timeout=10) is None:
            continue
        remove(name)
        returned = time.perf_counter()
        seen = wait_screen(lambda text, row=row: row.search(text) is None, timeout=10, poll=0.002)
        if seen is not None:
            gone.append((seen - returned) * 1e3)
        time.sleep(0.3)
    return gone


def screen_only(args: argparse.Namespace) -> dict[str, float | str]:
    """Each dashboard (--netdock) in turn on the same fleet: launch to first row (median of
    3), rm -f to row gone (the next --events fleet rows), RSS after --idle seconds."""
    results: dict[str, float | str] = {"n": args.n}
    removed = 0
    for netdock in args.netdock or [ROOT / ".venv/bin/netdock"]:
        tag = "" if not args.netdock else f" [{netdock}]"
        firsts = []
        for _ in range(3):
            first, pid = launch_tui(netdock=netdock)
            firsts.append(first)
            time.sleep(1)
        results[f"launch_to_first_row_s{tag}"] = statistics.median(firsts)
        time.sleep(2)
        gone = removal_latencies(range(removed, removed + args.events))
        removed += args.events
        results[f"rm_returned_to_row_gone_p50_ms{tag}"] = pct(gone, 0.5)
        results[f"rm_returned_to_row_gone_max_ms{tag}"] = max(gone)
        time.sleep(args.idle)
        results[f"dashboard_rss_mib{tag}"] = rss_mib(tree(pid))
    return results


# ---------------------------------------------------------------------------- idle


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total / 2**20


def engine_pids() -> list[int]:
    if SOCKET != DEFAULT_SOCKET:  # a private engine: its dockerd and what it started
        pid = dockerd_pid(endpoint_url())
        return tree(pid) if pid is not None else []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                name = Path(f"/proc/{entry}/comm").read_text().strip()
            except OSError:
                continue
            if name in ("dockerd", "containerd"):
                found.append(int(entry))
    return found


def cpu_percent(pids: list[int], seconds: float) -> float:
    before = ticks(pids)
    time.sleep(seconds)
    return 100.0 * (ticks(pids) - before) / CLK_TCK / seconds


# ---------------------------------------------------------------------------- rates


async def engine_state() -> HostState:
    backend = DockerBackend(resolve_endpoint(endpoint_url()))
    try:
        return await Live(backend).snapshot()
    finally:
        await backend.close()


def sampling_costs() -> tuple[float, float, float, int, int]:
    """The full plumbing read (s), one sampling round (median of 20: wall-clock ms, and
    CPU ms, user and kernel, which a busy machine inflates less), the namespaces counted
    in dockerd's namespace (one dump for all) and those read inside (one file each).
    Outside the event loop, as the dashboard does (in a worker thread)."""
    state = asyncio.run(engine_state())
    kernel = Kernel(resolve_endpoint(endpoint_url()).url)
    start = time.perf_counter()
    view = kernel.read_view(state)
    plumbing = time.perf_counter() - start
    rounds, cpu = [], []
    for _ in range(20):
        start, start_cpu = time.perf_counter(), time.thread_time()
        kernel.sample(state)
        rounds.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.thread_time() - start_cpu) * 1e3)
        time.sleep(0.05)
    namespaces = {ns.inode: ns for ns in view.namespaces.values()}.values()
    host = view.host
    dumped = sum(host is not None and counted_in_host(host, ns) is not None for ns in namespaces)
    return (plumbing, statistics.median(rounds), statistics.median(cpu), dumped,
            len(namespaces) - dumped)  # fmt: skip


# The selected row's sparkline grows with each of its first 30 samples, and the detail is
# drawn again each time: a settled dashboard is measured after that.
SETTLED_SECONDS = 40


def rates(results: dict[str, float | str], idle: float, netdocks: list[Path]) -> None:
    plumbing, round_ms, round_cpu_ms, dumped, inside = sampling_costs()
    results["plumbing_read_all_s"] = plumbing
    results["sampling_round_ms"] = round_ms
    results["sampling_round_cpu_ms"] = round_cpu_ms
    results["namespaces_counted_in_one_dump"] = str(dumped)
    results["namespaces_read_inside"] = str(inside)
    results["dockerd_idle_cpu_pct_without_dashboard"] = cpu_percent(engine_pids(), idle)
    for netdock in netdocks:
        tag = f" [{netdock}]" if len(netdocks) > 1 else ""
        cpu: dict[str, float] = {}
        for label, flags in (("sampling_1s", ()), ("sampling_off", ("--sample-interval", "0"))):
            _, pid = launch_tui(*flags, netdock=netdock)
            time.sleep(SETTLED_SECONDS)
            pids, engine = tree(pid), engine_pids()
            before_tui, before_engine = ticks(pids), ticks(engine)
            time.sleep(idle)
            seconds = (ticks(pids) - before_tui) / CLK_TCK
            cpu[label] = 100.0 * seconds / idle
            results[f"dashboard_cpu_s_over_{idle:.0f}s_{label}{tag}"] = seconds
            results[f"dashboard_idle_cpu_pct_{label}{tag}"] = cpu[label]
            results[f"dockerd_idle_cpu_pct_{label}{tag}"] = (
                100.0 * (ticks(engine) - before_engine) / CLK_TCK / idle
            )
            results[f"dashboard_rss_mib_{label}{tag}"] = rss_mib(pids)
        results[f"sampling_cost_cpu_pct{tag}"] = cpu["sampling_1s"] - cpu["sampling_off"]


# ---------------------------------------------------------------------------- main


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def on_private_engine(args: argparse.Namespace) -> int:
    global SOCKET
    sys.path.insert(0, str(ROOT / "tests"))
    from private_engine import PrivateEngine

    with PrivateEngine("bench") as engine:
        engine.load_test_image()
        SOCKET = str(engine.socket)
        args.private, args.keep = False, True  # the engine goes, and its containers with it
        return run(args)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=250)
    parser.add_argument("--image", default="netlab/busybox:1")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="leave the fleet in place")
    parser.add_argument("--cleanup", action="store_true", help="only remove bench containers")
    parser.add_argument("--private", action="store_true", help="on a private engine of its own")
    parser.add_argument(
        "--screen-only", action="store_true", help="first row, row gone and RSS only"
    )
    parser.add_argument(
        "--netdock",
        type=Path,
        action="append",
        help="with --screen-only or --rates: a dashboard to measure (repeat to compare "
        "several on one fleet); default: this checkout's",
    )
    parser.add_argument("--rates", action="store_true", help="only the cost of the rates")
    parser.add_argument(
        "--socket",
        help="an engine that already holds the fleet (as bench.py --keep left it): measured "
        "as it is, nothing of it removed",
    )
    args = parser.parse_args()
    if args.socket:
        global SOCKET
        SOCKET, args.keep = args.socket, True
    return on_private_engine(args) if args.private else run(args)


def run(args: argparse.Namespace) -> int:
    if args.socket:  # someone else's fleet: measured as it is
        print(f"fleet: {len(fleet_ids())} containers", file=sys.stderr)
    else:
        grow_fleet(args.n, args.image)
    results: dict[str, float | str] = {"n": args.n}
    try:
        if args.screen_only:
            results = screen_only(args)
            return 0
        if args.rates:
            rates(results, args.idle, args.netdock or [ROOT / ".venv/bin/netdock"])
            return 0
        colds = [asyncio.run(cold_start()) for _ in range(3)]
        results["cold_start_model_s"] = statistics.median(colds)
        model = asyncio.run(event_latencies(args.image, args.events))
        results["event_to_model_p50_ms"] = pct(model, 0.5)
        results["event_to_model_p95_ms"] = pct(model, 0.95)

        results["dockerd_idle_cpu_pct_without_dashboard"] = cpu_percent(engine_pids(), args.idle)
        firsts = []
        for _ in range(3):
            first, pid = launch_tui()
            firsts.append(first)
        results["launch_to_first_row_s"] = statistics.median(firsts)
        time.sleep(2)
        on_screen, after_return = screen_latencies(args.image, args.events)
        results["event_to_row_on_screen_p50_ms"] = pct(on_screen, 0.5)
        results["event_to_row_on_screen_p95_ms"] = pct(on_screen, 0.95)
        results["run_returned_to_row_on_screen_p50_ms"] = pct(after_return, 0.5)
        results["run_returned_to_row_on_screen_p95_ms"] = pct(after_return, 0.95)
        time.sleep(2)
        pids = tree(pid)
        engine = engine_pids()
        before_tui, before_engine = ticks(pids), ticks(engine)
        time.sleep(args.idle)
        results["dashboard_idle_cpu_pct"] = 100.0 * (ticks(pids) - before_tui) / CLK_TCK / args.idle
        results["dockerd_idle_cpu_pct_with_dashboard"] = (
            100.0 * (ticks(engine) - before_engine) / CLK_TCK / args.idle
        )
        results["dashboard_rss_mib"] = rss_mib(pids)
    finally:
        tmux("kill-server")
        if not args.keep:
            cleanup()
        width = max(map(len, results))
        for key, value in results.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"{key:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
