"""Port collisions against the real engine: each kind built for real, found by
``netdock ports --json`` and in the ports tab with the right parties; where the
engine can tell, its own error on start is the one the finding quoted.

Other sessions may share the engine, so each test looks only at findings that
involve its own lab's containers, on ports it picked free.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest
from engine_helpers import TEST_IMAGE, DockerError, Lab
from rich.text import Text
from textual.app import App, ComposeResult

from tui.cli.common import load_state
from tui.core.state import HostState
from tui.engine.hostfacts import read_host_facts
from tui.ui.tabs.ports import PortsTab
from tui.ui.widgets.table import KeyedTable

NETDOCK = str(Path(sys.executable).with_name("netdock"))
# Below the kernel's dynamic range (32768-60999 here), so fixed picks are not warned about.
FIXED_PORTS = (20000, 32000)


def free_port(span: tuple[int, int] = FIXED_PORTS) -> int:
    """A port nothing on the host listens on, for TCP on every address."""
    for _ in range(200):
        port = random.randint(*span)
        try:
            with socket.socket() as s4, socket.socket(socket.AF_INET6) as s6:
                s4.bind(("0.0.0.0", port))
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s6.bind(("::", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def netdock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NETDOCK, *args], capture_output=True, text=True, timeout=60)


def ports_json() -> dict[str, Any]:
    done = netdock("ports", "--json")
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def mine(conflicts: list[dict[str, Any]], lab: Lab) -> list[dict[str, Any]]:
    return [c for c in conflicts if any(n.endswith(lab.run_id) for n in c["containers"])]


class PortsApp(App[None]):
    def __init__(self, state: HostState) -> None:
        super().__init__()
        self.state = state

    def compose(self) -> ComposeResult:
        yield PortsTab()

    def on_mount(self) -> None:
        self.query_one(PortsTab).show_state(self.state)


def tab_rows(state: HostState) -> list[tuple[str, ...]]:
    """The ports tab's rows as a user reads them (host ip, port, who, collision)."""

    async def read() -> list[tuple[str, ...]]:
        app = PortsApp(state)
        async with app.run_test(size=(160, 60)):
            table = app.query_one(KeyedTable)
            rows = [[Text(str(c)).plain for c in table.get_row(key)] for key in table.order]
            return [(r[1], r[2], r[4], r[8]) for r in rows]

    return asyncio.run(read())


def tab_collisions(lab: Lab, port: int) -> set[tuple[str, str]]:
    """(who, collision kinds) of the tab's rows on ``port``."""
    state = load_state(argparse.Namespace())
    return {(who, kinds) for _, p, who, kinds in tab_rows(state) if p == str(port)}


def engine_start_error(docker_cli: Any, name: str) -> str:
    with pytest.raises(DockerError) as failed:
        docker_cli("start", name)
    return str(failed.value)


def wait_for_listener(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(ln.port == port for ln in read_host_facts().listeners):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def listening() -> Iterator[Any]:
    """Listen on a host address and port from this test process."""
    opened: list[socket.socket] = []

    def listen(address: str, port: int) -> None:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        s.listen()
        opened.append(s)

    yield listen
    for s in opened:
        s.close()


def _this_process() -> str:
    with open(f"/proc/{os.getpid()}/comm") as f:
        return f"{f.read().strip()} (pid {os.getpid()})"


# Each kind -------------------------------------------------------------------------------


def test_held(lab: Lab) -> None:
    port = free_port()
    holder = lab.run("-p", f"{port}:80", TEST_IMAGE, name="holder")
    waiting = lab.create("-p", f"{port}:80", TEST_IMAGE, name="waiting")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "held"
    assert (found["proto"], found["host_port"], found["host_ips"]) == ("tcp", port, ["0.0.0.0"])
    assert found["containers"] == sorted([holder, waiting]) and found["processes"] == []
    assert tab_collisions(lab, port) == {(holder, ""), (holder, "held"), (waiting, "held")}
    quoted = found["message"].split('"')[1]
    assert quoted == f"Bind for 0.0.0.0:{port} failed: port is already allocated"
    assert quoted in engine_start_error(lab.docker, waiting)


def test_wildcard_overlap_with_a_container(lab: Lab) -> None:
    port = free_port()
    local = lab.run("-p", f"127.0.0.1:{port}:80", TEST_IMAGE, name="local")
    public = lab.create("-p", f"{port}:80", TEST_IMAGE, name="public")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "wildcard-overlap"
    assert found["host_ips"] == ["0.0.0.0", "127.0.0.1"]
    assert found["containers"] == sorted([local, public])
    assert tab_collisions(lab, port) == {(local, "wildcard-overlap"), (public, "wildcard-overlap")}
    quoted = found["message"].split('"')[1]
    assert quoted == (
        f"Error starting userland proxy: listen tcp4 0.0.0.0:{port}: bind: address already in use"
    )
    assert quoted in engine_start_error(lab.docker, public)


def test_wildcard_overlap_with_a_host_process(lab: Lab, listening: Any) -> None:
    port = free_port()
    listening("127.0.0.1", port)
    web = lab.create("-p", f"{port}:80", TEST_IMAGE, name="web")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "wildcard-overlap"
    assert found["containers"] == [web] and found["processes"] == [_this_process()]
    assert tab_collisions(lab, port) == {
        (web, "wildcard-overlap"),
        (_this_process(), "wildcard-overlap"),
    }
    assert found["message"].split('"')[1] in engine_start_error(lab.docker, web)


def test_host_process(lab: Lab, listening: Any) -> None:
    port = free_port()
    listening("0.0.0.0", port)
    web = lab.create("-p", f"{port}:80", TEST_IMAGE, name="web")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "host-process"
    assert found["containers"] == [web] and found["processes"] == [_this_process()]
    assert found["host_ips"] == ["0.0.0.0"]
    assert tab_collisions(lab, port) == {(web, "host-process"), (_this_process(), "host-process")}
    assert found["message"].split('"')[1] in engine_start_error(lab.docker, web)


def test_host_mode(lab: Lab) -> None:
    port = free_port()
    hosted = lab.run("--network", "host", TEST_IMAGE, "httpd", "-f", "-p", str(port), name="hosted")
    web = lab.create("-p", f"{port}:80", TEST_IMAGE, name="web")
    wait_for_listener(port)
    doc = ports_json()
    (listener,) = [ln for ln in doc["listeners"] if ln["port"] == port]
    assert (listener["container"], listener["process"]) == (hosted, "httpd")
    (found,) = mine(doc["conflicts"], lab)
    assert found["kind"] == "host-mode"
    assert found["containers"] == sorted([hosted, web]) and found["processes"] == []
    kinds = tab_collisions(lab, port)
    assert kinds == {(web, "host-mode"), (f"{hosted} (host mode, httpd)", "host-mode")}
    assert found["message"].split('"')[1] in engine_start_error(lab.docker, web)


def test_same_intent(lab: Lab) -> None:
    port = free_port()
    first = lab.create("-p", f"{port}:80", TEST_IMAGE, name="first")
    second = lab.create("-p", f"{port}:80", TEST_IMAGE, name="second")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "same-intent"
    assert found["containers"] == sorted([first, second])
    assert tab_collisions(lab, port) == {(first, "same-intent"), (second, "same-intent")}
    # Only one can start; the other then fails as the finding said.
    lab.docker("start", first)
    assert found["message"].split('"')[1] in engine_start_error(lab.docker, second)


def test_in_dynamic_range(lab: Lab) -> None:
    low, high = read_host_facts().dynamic_port_range or (32768, 60999)
    port = free_port((low + 1000, high))
    web = lab.create("-p", f"{port}:80", TEST_IMAGE, name="web")
    (found,) = mine(ports_json()["conflicts"], lab)
    assert found["kind"] == "in-dynamic-range"
    assert found["containers"] == [web]
    assert f"{low}-{high}" in found["message"]
    assert tab_collisions(lab, port) == {(web, "in-dynamic-range")}


# Exit codes ----------------------------------------------------------------------------


def test_check_fails_on_a_collision_and_names_it(lab: Lab) -> None:
    port = free_port()
    lab.create("-p", f"{port}:80", TEST_IMAGE, name="first")
    lab.create("-p", f"{port}:80", TEST_IMAGE, name="second")
    done = netdock("ports", "--check")
    assert done.returncode == 1
    assert f"conflict: same-intent {port}/tcp" in done.stdout


def test_check_exits_2_without_an_engine(tmp_path: Path) -> None:
    done = netdock("ports", "--check", "--host", f"unix://{tmp_path}/none.sock")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


# No false positives --------------------------------------------------------------------


def test_fifty_dynamic_containers_are_clean(lab: Lab) -> None:
    labels = dict(pair.split("=", 1) for pair in lab.labels[1::2])
    client = docker.DockerClient(base_url="unix:///var/run/docker.sock", timeout=120)
    names = [lab.name(f"dyn{i}") for i in range(50)]
    lab.containers.extend(names)

    def start(name: str) -> None:
        client.containers.run(
            TEST_IMAGE, detach=True, name=name, labels=labels, publish_all_ports=True
        )

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(start, names))
    finally:
        client.close()
    doc = ports_json()
    bindings = [b for b in doc["bindings"] if b["container"] in names]
    # 80 and 443, each on 0.0.0.0 and ::
    assert len(bindings) == 200
    assert all(b["bound"] and b["dynamic"] and b["state"] == "running" for b in bindings)
    assert mine(doc["conflicts"], lab) == []
    ours = {b["host_port"] for b in bindings}
    assert {ln["container"] for ln in doc["listeners"] if ln["port"] in ours} <= set(names)
    state = load_state(argparse.Namespace())
    assert {kinds for _, _, who, kinds in tab_rows(state) if who in names} == {""}
