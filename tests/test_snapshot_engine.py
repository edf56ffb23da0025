"""`netdock snapshot --json` against the real engine says what `docker inspect` says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from engine_helpers import SLEEP, TEST_IMAGE

NETDOCK = [sys.executable, "-m", "tui"]
ENGINE_FIELDS = ("name", "ipv4", "prefix", "gateway", "ipv6", "mac")


def snapshot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NETDOCK, *args, "snapshot", "--json"], capture_output=True, text=True, timeout=60, env=env
    )


def _null(value: str) -> str | None:
    return value or None


def expected_networks(lab, doc: dict[str, Any]) -> list[dict[str, Any]]:
    while doc["HostConfig"]["NetworkMode"].startswith("container:"):
        doc = lab.inspect(doc["HostConfig"]["NetworkMode"].split(":", 1)[1])
    return sorted(
        (
            {
                "name": name,
                "ipv4": _null(ep["IPAddress"]),
                "prefix": ep["IPPrefixLen"] or None,
                "gateway": _null(ep["Gateway"]),
                "ipv6": _null(ep["GlobalIPv6Address"]),
                "mac": _null(ep["MacAddress"]),
            }
            for name, ep in doc["NetworkSettings"]["Networks"].items()
        ),
        key=lambda e: e["name"],
    )


def expected_ports(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    if doc["State"]["Running"]:
        return sorted(
            (b["HostIp"], int(b["HostPort"]), int(key.split("/")[0]), key.split("/")[1], True)
            for key, bindings in doc["NetworkSettings"]["Ports"].items()
            for b in bindings or ()
        )
    return sorted(
        (
            (b["HostIp"] or "0.0.0.0"),
            int(b["HostPort"]) if b["HostPort"] else None,
            int(key.split("/")[0]),
            key.split("/")[1],
            False,
        )
        for key, bindings in doc["HostConfig"]["PortBindings"].items()
        for b in bindings or ()
    )


def expected_mode(lab, doc: dict[str, Any]) -> str:
    raw = doc["HostConfig"]["NetworkMode"]
    if raw.startswith("container:"):
        return "container"
    if raw in ("default", "bridge", "host", "none"):
        return {"default": "bridge"}.get(raw, raw)
    return lab.inspect_network(raw)["Driver"]


def test_snapshot_json_matches_docker_inspect_in_every_mode(lab):
    front = lab.network("front")
    back = lab.network("back", "--subnet", "10.213.7.0/24")
    web = lab.run("-P", TEST_IMAGE, name="web")
    host = lab.run("--network", "host", TEST_IMAGE, *SLEEP, name="host")
    side = lab.run("--network", f"container:{web}", TEST_IMAGE, *SLEEP, name="side")
    chained = lab.run("--network", f"container:{side}", TEST_IMAGE, *SLEEP, name="chained")
    none = lab.run("--network", "none", TEST_IMAGE, *SLEEP, name="none")
    multi = lab.run(
        "--network",
        front,
        "-p",
        "127.0.0.1:18080:80",
        "-p",
        "15353:53/udp",
        "-p",
        "19000-19001:9000-9001",
        TEST_IMAGE,
        name="multi",
    )
    lab.connect(back, multi)
    created = lab.create("-p", "18081:80", "-p", "127.0.0.1::443", TEST_IMAGE, name="created")
    names = [web, host, side, chained, none, multi, created]

    done = snapshot()
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"engine", "containers", "networks", "bridges"}
    api = lab.docker("version", "--format", "{{.Server.APIVersion}}").strip()
    assert document["engine"]["api_version"] == api and document["engine"]["local"] is True
    by_name = {c["name"]: c for c in document["containers"]}
    for name in names:
        doc = lab.inspect(name)
        got = by_name[name]
        assert got["id"] == doc["Id"]
        assert got["image"] == TEST_IMAGE
        assert got["state"] == doc["State"]["Status"]
        assert got["network_mode"] == doc["HostConfig"]["NetworkMode"]
        assert got["mode"] == expected_mode(lab, doc), name
        # The plumbing's fields (interface, bridge, counters) are tests/test_kernel_engine.py's.
        configured = [{k: n[k] for k in ENGINE_FIELDS} for n in got["networks"]]
        assert configured == expected_networks(lab, doc), name
        assert sorted(
            (p["host_ip"], p["host_port"], p["container_port"], p["proto"], p["bound"])
            for p in got["ports"]
        ) == expected_ports(doc), name
        wanted = set(doc["Config"].get("ExposedPorts") or {}) | set(
            doc["NetworkSettings"].get("Ports") or {}
        )
        assert got["exposed"] == sorted(
            wanted, key=lambda k: (int(k.split("/")[0]), k.split("/")[1])
        ), name
        assert (got["started_at"] is None) == (not doc["State"]["Running"])

    assert by_name[side]["shares_namespace_with"] == web
    assert by_name[chained]["shares_namespace_with"] == side
    assert by_name[chained]["networks"] == by_name[web]["networks"]
    assert by_name[web]["shares_namespace_with"] is None
    assert [n["name"] for n in by_name[host]["networks"]] == ["host"]
    assert by_name[host]["networks"][0]["ipv4"] is None
    assert [n["name"] for n in by_name[none]["networks"]] == ["none"]
    assert {p["host_ip"] for p in by_name[web]["ports"]} == {"0.0.0.0", "::"}
    assert ("127.0.0.1", None, 443) in {
        (p["host_ip"], p["host_port"], p["container_port"]) for p in by_name[created]["ports"]
    }
    networks = {n["name"]: n for n in document["networks"]}
    assert multi in networks[front]["containers"] and multi in networks[back]["containers"]
    assert networks[back]["subnets"] == [{"subnet": "10.213.7.0/24", "gateway": "10.213.7.1"}]
    assert networks[back]["driver"] == "bridge" and networks[back]["scope"] == "local"
    assert host in networks["host"]["containers"]


def test_snapshot_table_lists_each_container_with_its_mode(lab):
    web = lab.run("-p", "127.0.0.1:18082:80", TEST_IMAGE, name="tableweb")
    done = subprocess.run([*NETDOCK, "snapshot"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith(web))
    assert "running" in line and "bridge" in line and "127.0.0.1:18082->80/tcp" in line


def test_no_engine_exits_2_with_one_line_and_no_traceback(tmp_path):
    for how in (["--host", f"unix://{tmp_path}/none.sock"], []):
        env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
        done = snapshot(*how, env=env)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert f"{tmp_path}/none.sock" in done.stderr


def test_bad_engine_address_is_one_line_too():
    done = snapshot("--host", "ftp://nowhere")
    assert (
        done.returncode == 2
        and "unknown scheme" in done.stderr
        and "Traceback" not in (done.stderr)
    )
