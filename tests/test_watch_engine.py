"""`netdock watch` and `netdock diff` against the real engine: each kind of change, as a
user makes it happen, and the exit codes."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine_helpers import SLEEP, TEST_IMAGE

NETDOCK = [sys.executable, "-m", "tui"]


class Watch:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.process = subprocess.Popen(
            [*NETDOCK, "watch", "--json"], stdout=out.open("wb"), stderr=subprocess.PIPE
        )
        self.wait_for(lambda lines: lines and lines[0]["kind"] == "snapshot", "the snapshot")

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.read_text().splitlines() if line.strip()]

    def wait_for(self, condition, what: str, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while not condition(lines := self.lines()):
            assert self.process.poll() is None, self.process.stderr.read()
            assert time.monotonic() < deadline, f"never saw {what}"
            time.sleep(0.1)
        return lines

    def told(self, kind: str, subject: str, where=lambda change: True) -> dict[str, Any]:
        """The first change of that kind on that subject (that ``where`` accepts)."""

        def wanted(x: dict[str, Any]) -> bool:
            return x["kind"] == kind and x["subject"] == subject and where(x)

        lines = self.wait_for(lambda lines: any(map(wanted, lines)), f"{kind} of {subject}")
        return next(x for x in lines if wanted(x))

    def stop(self) -> dict[str, Any]:
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(20) == 0
        return self.lines()[-1]


def test_watch_tells_each_kind_of_change_as_it_happens(lab, tmp_path):
    watch = Watch(tmp_path / "watch.jsonl")
    try:
        web = lab.run("-P", TEST_IMAGE, name="web")
        assert watch.told("container-created", web)["after"] == web
        published = watch.told("port-published", web)
        assert published["after"]["container_port"] in (80, 443)
        assert published["engine"].startswith("unix://")

        lab.docker("restart", "-t", "0", web)
        moved = watch.told("port-changed", web)
        assert moved["before"]["host_port"] != moved["after"]["host_port"]
        assert moved["before"]["container_port"] == moved["after"]["container_port"]

        net = lab.network("side")
        assert watch.told("network-created", net)["after"] == net
        lab.connect(net, web)
        watch.told("endpoint-connected", web, lambda x: x["after"]["name"] == net)
        lab.disconnect(net, web)
        watch.told("endpoint-disconnected", web, lambda x: x["before"]["name"] == net)

        own = lab.run("-P", TEST_IMAGE, name="own")
        join = lab.run("--net", f"container:{own}", TEST_IMAGE, *SLEEP, name="join")
        assert watch.told("namespace-joined", join)["after"] == own
        lab.docker("rm", "-f", own)
        lab.run("-P", TEST_IMAGE, name="own")  # recreated under the same name
        assert watch.told("namespace-orphaned", join)["before"] == own
        assert watch.told("container-removed", own)["before"] == own

        port = str(random.randint(42000, 42999))
        holder = lab.run("-p", f"127.0.0.1:{port}:80", TEST_IMAGE, name="holder")
        wanting = lab.create("-p", f"127.0.0.1:{port}:80", TEST_IMAGE, name="wanting")
        # While the engine's answers about the two arrive, another kind may be told for a
        # moment (each answer is shown as it comes): the one that stays is "held".
        held = lambda kind: lambda x: x[kind]["kind"] == "held"  # noqa: E731
        appeared = watch.told("collision-appeared", min(holder, wanting), held("after"))
        assert appeared["after"]["host_port"] == int(port)
        lab.docker("rm", "-f", wanting)
        watch.told("collision-resolved", min(holder, wanting), held("before"))

        # The audit judges containers that are not running too (this host cannot run one).
        root = lab.create("--privileged", TEST_IMAGE, *SLEEP, name="root")
        watch.told("finding-appeared", root, lambda x: x["after"]["id"] == "ND-PRIVILEGED")
        lab.docker("rm", root)
        watch.told("finding-resolved", root, lambda x: x["before"]["id"] == "ND-PRIVILEGED")
        lab.docker("stop", "-t", "0", web)
        assert watch.told("container-stopped", web)["after"] == "exited"
    finally:
        final = watch.stop()
    assert final["kind"] == "final"
    names = {c["name"] for c in final["snapshot"]["containers"]}
    assert {web, join, holder} <= names and root not in names
    shown = {c["name"]: c for c in final["snapshot"]["containers"]}
    assert shown[join]["namespace_orphaned"] is True and shown[join]["networks"] == []


def test_watch_without_an_engine_exits_2_in_one_line():
    done = subprocess.run(
        [*NETDOCK, "--host", "unix:///run/netdock-nothing.sock", "watch", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1


def test_diff_a_saved_snapshot_against_the_engine_and_against_itself(lab, tmp_path):
    web = lab.run("-P", TEST_IMAGE, name="web")
    saved = tmp_path / "monday.json"
    saved.write_text(subprocess.run([*NETDOCK, "snapshot", "--json"], capture_output=True,
                                    text=True, check=True).stdout)  # fmt: skip
    same = subprocess.run([*NETDOCK, "diff", str(saved), str(saved)], capture_output=True)
    assert same.returncode == 0 and same.stdout == b""

    lab.docker("restart", "-t", "0", web)
    added = lab.run(TEST_IMAGE, *SLEEP, name="added")
    done = subprocess.run([*NETDOCK, "diff", "--json", str(saved)], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 1, done.stderr
    mine = [(c["kind"], c["subject"]) for c in json.loads(done.stdout)
            if c["subject"] in (web, added)]  # fmt: skip
    assert ("port-changed", web) in mine and ("container-created", added) in mine
    text = subprocess.run([*NETDOCK, "diff", "-"], input=saved.read_text(),
                          capture_output=True, text=True)  # fmt: skip
    assert text.returncode == 1 and f"port-changed          {web}" in text.stdout

    saved.write_text("{not json")
    broken = subprocess.run([*NETDOCK, "diff", str(saved)], capture_output=True, text=True)
    assert broken.returncode == 2 and broken.stderr.startswith("netdock: cannot read")
