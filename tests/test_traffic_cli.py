"""`netdock traffic` against the real engine: the documented JSON, one line per sample."""

from __future__ import annotations

import json
import subprocess
import sys

from engine_helpers import SLEEP, TEST_IMAGE

NETDOCK = [sys.executable, "-m", "tui"]
FIELDS = {"interface", "network", "host_interface", "rx_bps", "tx_bps", "rx_pps", "tx_pps",
          "rx_dropped", "tx_dropped"}  # fmt: skip


def netdock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NETDOCK, *args], capture_output=True, text=True, timeout=60)


def test_json_lines_one_per_sample_with_the_plumbing(lab):
    net = lab.network("traffic")
    name = lab.run("--network", net, TEST_IMAGE, *SLEEP)
    done = netdock("traffic", "--json", "--count", "2", "--interval", "0.3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        document = json.loads(line)
        assert set(document) == {"time", "containers"} and document["time"].endswith("Z")
        mine = next(c for c in document["containers"] if c["name"] == name)
        (interface,) = mine["interfaces"]
        assert set(interface) == FIELDS
        assert interface["interface"] == "eth0" and interface["network"] == net
        assert interface["host_interface"].startswith("veth")
        assert interface["rx_bps"] is not None and interface["rx_bps"] >= 0


def test_the_table_and_the_bad_arguments(lab):
    name = lab.run(TEST_IMAGE, *SLEEP)
    done = netdock("traffic", "--count", "1", "--interval", "0.3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split()[:4] == [
        "CONTAINER", "INTERFACE", "NETWORK", "HOST_INTERFACE"
    ]  # fmt: skip
    assert any(line.startswith(name) and " B/s" in line for line in done.stdout.splitlines())
    refused = netdock("traffic", "--interval", "0")
    assert refused.returncode == 2 and refused.stderr.startswith("netdock: --interval")
    assert refused.stdout == ""


def test_no_engine_exits_2_in_one_line():
    done = netdock("traffic", "-H", "unix:///nonexistent.sock", "--count", "1")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no Docker engine" in done.stderr
