"""The proof that the live model loses nothing when the engine is busy.

`netdock watch --json` follows a private engine while workers create, start, stop,
restart, connect, disconnect and remove containers as fast as the engine allows; after
a settle, SIGINT: the `final` snapshot (the live model, no fresh read) must equal a fresh
`docker inspect` of every container, field by field, and no change may be told twice.
The same with the engine restarted in the middle of the churn (the event stream cut).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine

CHURN_SECONDS = float(os.environ.get("NETDOCK_CHURN_SECONDS", "30"))
WORKERS = 8
MAX_PER_WORKER = 5
SETTLE = 2.0


class Churn:
    """Workers each churning containers of their own on the engine."""

    def __init__(self, engine: PrivateEngine, networks: list[str]) -> None:
        self.engine = engine
        self.networks = networks
        self.done = Counter[str]()
        self.starts = Counter[str]()
        """Per container, the commands that started it (run, start, restart) that succeeded."""
        self.running: set[str] = set()
        self.cutting = False
        """What the workers believe runs. The engine tells nothing when a network is
        connected to a container that is not running (no event: a model fed by events
        cannot know until its next start), so only running containers are connected."""
        self.lock = threading.Lock()
        self.until = 0.0
        """When the workers stop (monotonic clock)."""
        self.joined: dict[str, str] = {}
        """Each ``container:`` joiner's owner, by name, as it was started."""

    def run(self, seconds: float, middle: Any = None) -> None:
        self.until = time.monotonic() + seconds
        threads = [threading.Thread(target=self._worker, args=(w,)) for w in range(WORKERS)]
        for t in threads:
            t.start()
        if middle is not None:
            time.sleep(seconds / 2)
            middle()
            # In the middle: half the churn follows, however long the middle took (an
            # engine stopping on a loaded host may take longer than the churn has left).
            self.until = max(self.until, time.monotonic() + seconds / 2)
        for t in threads:
            t.join()

    def _docker(self, op: str, name: str, *args: str) -> bool:
        ok = self.engine.succeeds(*args)
        if ok:
            with self.lock:
                self.done[op] += 1
                if op in ("run", "start", "restart"):
                    self.starts[name] += 1
                    if not self.cutting:
                        self.running.add(name)
                elif op in ("stop", "rm"):
                    self.running.discard(name)
        return ok

    def _worker(self, w: int) -> None:
        rng = random.Random(w)
        mine: list[str] = []
        count = 0
        while time.monotonic() < self.until:
            op = rng.choice(["run", "run", "stop", "start", "restart", "connect",
                             "disconnect", "rm", "join"])  # fmt: skip
            if op in ("run", "join") or not mine:
                if len(mine) >= MAX_PER_WORKER:
                    op = "rm"
                else:
                    count += 1
                    name = f"churn-{w}-{count}"
                    if op == "join" and mine:
                        owner = rng.choice(mine)
                        self.joined[name] = owner
                        mode = ["--net", f"container:{owner}"]
                    else:
                        mode = ["--net", rng.choice(["bridge", *self.networks]), "-P"]
                    if self._docker("run", name, "run", "-d", "--name", name, "--label", "churn=1",
                                    "--stop-timeout", "0", *mode, TEST_IMAGE, *SLEEP):  # fmt: skip
                        mine.append(name)
                    continue
            name = rng.choice(mine)
            match op:
                case "stop" | "start":
                    self._docker(op, name, op, name)
                case "restart":
                    self._docker(op, name, "restart", "-t", "0", name)
                case "connect":
                    if name in self.running:
                        self._docker(op, name, "network", op, rng.choice(self.networks), name)
                case "disconnect":
                    self._docker(op, name, "network", op, rng.choice(self.networks), name)
                case _:
                    if self._docker("rm", name, "rm", "-f", name):
                        mine.remove(name)


def watch(engine: PrivateEngine, out: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "--host", engine.host, "watch", "--json"],
        stdout=out.open("wb"),
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not out.read_text().strip():
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "no snapshot line"
        time.sleep(0.1)
    return process


def netns(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def expected(engine: PrivateEngine, joined: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each container as the snapshot document must show it, from a fresh inspect (and, for
    a joiner whose owner is gone, the owner's name as the workers started it)."""
    ids = engine.docker("ps", "-aq", "--no-trunc").split()
    docs = json.loads(engine.docker("inspect", *ids)) if ids else []
    by_id = {d["Id"]: d for d in docs}
    result = {}
    for d in docs:
        running = d["State"]["Status"] in ("running", "paused", "restarting")
        mode = d["HostConfig"]["NetworkMode"]
        root, owner, chain_ok = d, None, True
        if mode.startswith("container:"):
            owner = by_id.get(mode.split(":", 1)[1])
            root = owner
            while root is not None and root["HostConfig"]["NetworkMode"].startswith("container:"):
                root = by_id.get(root["HostConfig"]["NetworkMode"].split(":", 1)[1])
            chain_ok = root is not None
        orphaned = False
        if mode.startswith("container:") and running:
            # The kernel is the judge: is it in its namespace root's network namespace?
            root_running = chain_ok and root["State"]["Running"]
            orphaned = not root_running or netns(d["State"]["Pid"]) != netns(root["State"]["Pid"])
        networks = []
        if not orphaned and root is not None:
            networks = sorted(
                (
                    {"name": name, "ipv4": ep["IPAddress"] or None,
                     "prefix": ep["IPPrefixLen"] or None, "gateway": ep["Gateway"] or None,
                     "ipv6": ep["GlobalIPv6Address"] or None, "mac": ep["MacAddress"] or None}
                    for name, ep in (root["NetworkSettings"]["Networks"] or {}).items()
                ),
                key=lambda e: e["name"],
            )  # fmt: skip
        if running:
            ports = sorted(
                (b["HostIp"], int(b["HostPort"]), int(k.split("/")[0]), k.split("/")[1], True)
                for k, bs in (d["NetworkSettings"]["Ports"] or {}).items()
                for b in bs or ()
            )
        else:
            ports = sorted(
                (b["HostIp"] or "0.0.0.0", int(b["HostPort"]) if b["HostPort"] else None,
                 int(k.split("/")[0]), k.split("/")[1], False)
                for k, bs in (d["HostConfig"]["PortBindings"] or {}).items()
                for b in bs or ()
            )  # fmt: skip
        result[d["Name"].lstrip("/")] = {
            "id": d["Id"],
            "state": d["State"]["Status"],
            "network_mode": mode,
            "shares_namespace_with": owner["Name"].lstrip("/")
            if owner
            else joined.get(d["Name"].lstrip("/")),
            "namespace_orphaned": orphaned,
            "networks": networks,
            "ports": ports,
            "started_at_set": running,
        }
    return result


INSPECTED = ("name", "ipv4", "prefix", "gateway", "ipv6", "mac")


def shown(container: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": container["id"],
        "state": container["state"],
        "network_mode": container["network_mode"],
        "shares_namespace_with": container["shares_namespace_with"],
        "namespace_orphaned": container["namespace_orphaned"],
        # What the engine tells of each endpoint (the kernel's plumbing and counters are
        # not in an inspect).
        "networks": sorted(
            ({k: e[k] for k in INSPECTED} for e in container["networks"]),
            key=lambda e: e["name"],
        ),
        "ports": sorted(
            (p["host_ip"], p["host_port"], p["container_port"], p["proto"], p["bound"])
            for p in container["ports"]
        ),
        "started_at_set": container["started_at"] is not None,
    }


def engine_event_count(engine: PrivateEngine, since: float, until: float) -> int:
    return len(
        engine.docker("events", "--since", f"{since:.3f}", "--until", f"{until:.3f}",
                      "--filter", "type=container", "--filter", "type=network",
                      "--format", "{{.Action}}").splitlines()
    )  # fmt: skip


def check_told_once(changes: list[dict[str, Any]], starts: Counter[str]) -> None:
    """No change told twice: each container created once, removed at most once; starts and
    stops alternate, and no more starts than commands started it (the engine's own event
    log is forgotten when it restarts); connects and disconnects alternate on each network."""
    by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in changes:
        by_subject[c["subject"]].append(c)
    for name, told in by_subject.items():
        if not name.startswith("churn-"):
            continue
        kinds = [c["kind"] for c in told]
        assert kinds.count("container-created") <= 1, (name, kinds)
        assert kinds.count("container-removed") <= 1, (name, kinds)
        runs = [c for c in told if c["kind"] in ("container-started", "container-stopped")]
        for a, b in itertools.pairwise(runs):
            assert not (a["kind"] == b["kind"] == "container-stopped"), (name, runs)
            if a["kind"] == b["kind"] == "container-started":
                assert b["before"] == "running", (name, runs)  # a restart seen as one start
        assert kinds.count("container-started") <= starts[name], (name, kinds, starts[name])
        attached: dict[str, bool] = {}
        for c in told:
            if c["kind"] in ("endpoint-connected", "endpoint-disconnected"):
                network = (c["after"] or c["before"])["name"]
                now = c["kind"] == "endpoint-connected"
                assert attached.get(network, not now) != now, (name, network, kinds)
                attached[network] = now


def run_churn(tmp_path: Path, cut: bool) -> None:
    with PrivateEngine("churn") as engine:
        engine.load_test_image()
        networks = ["churn-a", "churn-b"]
        for n in networks:
            engine.docker("network", "create", "--label", "churn=1", n)
        out = tmp_path / "watch.jsonl"
        process = watch(engine, out)
        # The engine forgets its events when it restarts: count those before the cut.
        before_cut = 0

        def cut_stream() -> None:
            nonlocal before_cut
            before_cut = engine_event_count(engine, begun, time.time())
            # The restart stops them all (no restart policy): believe none runs, across it.
            with churn.lock:
                churn.running.clear()
                churn.cutting = True
            engine.restart()
            with churn.lock:
                churn.running.clear()
                churn.cutting = False

        try:
            begun = time.time()
            churn = Churn(engine, networks)
            churn.run(CHURN_SECONDS, middle=cut_stream if cut else None)
            ended = time.time()
            time.sleep(SETTLE)
            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 0, process.stderr.read() if process.stderr else ""
        finally:
            if process.poll() is None:
                process.kill()
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert lines[0]["kind"] == "snapshot" and lines[-1]["kind"] == "final"
        events = before_cut + engine_event_count(engine, begun, ended)
        print(f"\nchurn{' with the stream cut' if cut else ''}: {sum(churn.done.values())} "
              f"operations {dict(churn.done)}, {events} engine events in "
              f"{ended - begun:.0f} s ({events / (ended - begun):.1f}/s), "
              f"{len(lines) - 2} changes told")  # fmt: skip
        # How many depends on how busy the machine is; a churn it must be.
        assert events >= 20, "a churn"

        final = {c["name"]: shown(c) for c in lines[-1]["snapshot"]["containers"]}
        truth = expected(engine, churn.joined)
        assert sorted(final) == sorted(truth)
        for name in truth:
            assert final[name] == truth[name], name
        networks_now = json.loads(engine.docker("network", "inspect", *engine.docker(
            "network", "ls", "-q").split()))  # fmt: skip
        assert sorted(n["name"] for n in lines[-1]["snapshot"]["networks"]) == sorted(
            n["Name"] for n in networks_now
        )
        check_told_once(lines[1:-1], churn.starts)


@pytest.mark.engine
def test_the_final_snapshot_of_watch_is_exact_after_churn(tmp_path):
    run_churn(tmp_path, cut=False)


@pytest.mark.engine
def test_the_final_snapshot_is_exact_when_the_stream_is_cut_in_the_churn(tmp_path):
    run_churn(tmp_path, cut=True)
