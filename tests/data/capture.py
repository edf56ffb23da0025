#!/usr/bin/env python3
"""Capture engine JSON for the parser tests from the real engine.

Run from anywhere, with an engine up and the test image built (scripts/ensure-engine):

    python3 tests/data/capture.py

It makes containers and networks with the docker CLI (so they are what a user's
`docker run` makes), reads the Engine API over the unix socket (so the files are exactly
what the engine sends), writes the files next to this script along with README.md, and
removes everything it made. Stdlib only. Everything it makes is labelled
netdock.capture=1 and named ndcap-*; a rerun first removes what an interrupted run left.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCKER = "/usr/bin/docker"
API = "/v1.41"
LABEL = "netdock.capture=1"

# {file stem under inspect/: (what it shows, the docker commands that make it)}, in order.
# `run`/`create` commands get `--label netdock.capture=1` added after the verb.
CONTAINERS: dict[str, tuple[str, list[str]]] = {
    "bridge_publish_all": (
        "default bridge, -P: both EXPOSEd ports published on random host ports",
        ["docker run -d --name ndcap-web -P netlab/busybox:1"],
    ),
    "bridge_publish_specific": (
        "default bridge; a host IP, a UDP port, a range; 53/udp and 9000-9001 not EXPOSEd",
        [
            "docker run -d --name ndcap-specific -p 127.0.0.1:8080:80 -p 5353:53/udp"
            " -p 9000-9001:9000-9001 netlab/busybox:1"
        ],
    ),
    "host": (
        "host network mode",
        ["docker run -d --name ndcap-host --network host netlab/busybox:1 sleep 1000000"],
    ),
    "host_publish_ignored": (
        "host mode with -p: the engine keeps HostConfig.PortBindings but publishes nothing",
        [
            "docker run -d --name ndcap-host-published --network host -p 8082:80"
            " netlab/busybox:1 sleep 1000000"
        ],
    ),
    "container_mode": (
        "shares ndcap-web's network namespace",
        [
            "docker run -d --name ndcap-sidecar --network container:ndcap-web"
            " netlab/busybox:1 sleep 1000000"
        ],
    ),
    "container_mode_chained": (
        "shares ndcap-sidecar's namespace, which is ndcap-web's",
        [
            "docker run -d --name ndcap-chained --network container:ndcap-sidecar"
            " netlab/busybox:1 sleep 1000000"
        ],
    ),
    "none": (
        "no network",
        ["docker run -d --name ndcap-none --network none netlab/busybox:1 sleep 1000000"],
    ),
    "two_networks": (
        "on two user bridges (the second internal), with a static IP, aliases and -P",
        [
            "docker network create --subnet 10.231.0.0/24 --gateway 10.231.0.1 ndcap-front",
            "docker network create --internal ndcap-back",
            "docker run -d --name ndcap-multi --network ndcap-front --ip 10.231.0.10"
            " --network-alias web -P netlab/busybox:1",
            "docker network connect --alias api ndcap-back ndcap-multi",
        ],
    ),
    "created_not_started": (
        "created, never started; 127.0.0.1::443 asks for a dynamic host port",
        ["docker create --name ndcap-created -p 8081:80 -p 127.0.0.1::443 netlab/busybox:1"],
    ),
    "exited_publish_all": (
        "had -P, then stopped (httpd as PID 1 ignores SIGTERM: killed, exit code 137)",
        [
            "docker run -d --name ndcap-exited -P netlab/busybox:1",
            "docker stop -t 1 ndcap-exited",
        ],
    ),
    "paused": (
        "running with -P, then paused",
        ["docker run -d --name ndcap-paused -P netlab/busybox:1", "docker pause ndcap-paused"],
    ),
}

# {file stem under networks/: network name}, inspected while all the containers exist.
NETWORKS = {
    "bridge": "bridge",
    "host": "host",
    "none": "none",
    "user_front": "ndcap-front",
    "user_back": "ndcap-back",
}

EVENTS_STORY = [
    "docker network create ndcap-events-net",
    "docker run -d --name ndcap-events -P --network ndcap-events-net netlab/busybox:1",
    "docker network connect bridge ndcap-events",
    "docker network disconnect bridge ndcap-events",
    "docker pause ndcap-events",
    "docker unpause ndcap-events",
    "docker stop -t 1 ndcap-events",
    "docker rm ndcap-events",
    "docker network rm ndcap-events-net",
]


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        sys.exit(f"capture.py talks to a unix socket; DOCKER_HOST is {host}")
    return host.removeprefix("unix://")


def get(path: str, **query: str) -> bytes:
    """GET an Engine API path and return the raw body."""
    url = API + path + ("?" + urllib.parse.urlencode(query) if query else "")
    conn = UnixHTTPConnection(socket_path())
    try:
        conn.request("GET", url)
        reply = conn.getresponse()
        body = reply.read()
    finally:
        conn.close()
    if reply.status != 200:
        sys.exit(f"GET {url}: {reply.status} {body[:300]!r}")
    return body


def get_json(path: str, **query: str) -> Any:
    return json.loads(get(path, **query))


def docker(*args: str) -> str:
    done = subprocess.run([DOCKER, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"docker {shlex.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def run_documented(command: str) -> None:
    """Run a command as written in the tables above, adding the capture label."""
    args = shlex.split(command)[1:]
    verb = 2 if args[0] == "network" else 1
    if args[:verb] in (["run"], ["create"], ["network", "create"]):
        args[verb:verb] = ["--label", LABEL]
    docker(*args)


def save(rel: str, data: Any) -> None:
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote tests/data/{rel}")


def remove_ours() -> None:
    label = ["--filter", f"label={LABEL}"]
    containers = docker("ps", "-aq", *label).split()
    if containers:
        docker("rm", "-f", "-v", *containers)
    networks = docker("network", "ls", "-q", *label).split()
    if networks:
        docker("network", "rm", *networks)


def container_name(commands: list[str]) -> str:
    """The --name of the container that these commands make."""
    args = next(shlex.split(c) for c in commands if "--name" in c)
    return args[args.index("--name") + 1]


def capture_lab() -> None:
    for _, commands in CONTAINERS.values():
        for command in commands:
            run_documented(command)
    ours: set[str] = set()
    for stem, (_, commands) in CONTAINERS.items():
        data = get_json(f"/containers/{container_name(commands)}/json")
        ours.add(data["Id"])
        save(f"inspect/{stem}.json", data)
    filters = json.dumps({"label": [LABEL]})
    save("list_containers.json", get_json("/containers/json", all="1", filters=filters))
    names = set(NETWORKS.values())
    save("networks/list.json", [n for n in get_json("/networks") if n["Name"] in names])
    for stem, name in NETWORKS.items():
        data = get_json(f"/networks/{name}")
        # The engine is shared: other people's containers on bridge or host are noise here.
        data["Containers"] = {k: v for k, v in data["Containers"].items() if k in ours}
        save(f"networks/{stem}.json", data)
    save("version.json", get_json("/version"))
    save("info.json", get_json("/info"))


def capture_events() -> None:
    since = f"{time.time():.9f}"
    for command in EVENTS_STORY:
        run_documented(command)
    until = f"{time.time() + 1:.9f}"
    names = {"ndcap-events", "ndcap-events-net"}
    ids: set[str] = set()
    lines = []
    for line in get("/events", since=since, until=until).decode().splitlines():
        actor = json.loads(line).get("Actor", {})
        attributes = actor.get("Attributes", {})
        # The engine is shared: keep only the story's events. A container's create event
        # comes first and names it; network events name the container by id.
        if attributes.get("name") in names or attributes.get("container") in ids:
            lines.append(line)
            ids.add(actor.get("ID", ""))
    (HERE / "events.jsonl").write_text("".join(line + "\n" for line in lines))
    print("wrote tests/data/events.jsonl")
    save("events.json", [json.loads(line) for line in lines])


def write_readme() -> None:
    def shown(commands: list[str]) -> list[str]:
        return ["  ```", *(f"  {c}" for c in commands), "  ```"]

    rows = [
        "# Engine JSON captured for parser tests",
        "",
        "Made by `python3 tests/data/capture.py` (it also writes this README) against the",
        "real engine, Docker 20.10 with API 1.41, using the offline test image",
        "`netlab/busybox:1` (EXPOSE 80/tcp 443/tcp, default command `httpd -f -p 80`; see",
        "tests/image/). Every object below also carried `--label netdock.capture=1`, and",
        "containers inherit the image's label `netdock.image.inputs`.",
        "",
        "## Containers: `GET /containers/{id}/json`, all existing at once",
        "",
    ]
    for stem, (note, commands) in CONTAINERS.items():
        rows += [f"- `inspect/{stem}.json`: {note}.", *shown(commands)]
    rows += [
        "",
        "## While all of those exist",
        "",
        '- `list_containers.json`: `GET /containers/json?all=1&filters={"label":'
        f'["{LABEL}"]}}`: the same containers in the list endpoint\'s shape, newest first.',
        "- `networks/list.json`: `GET /networks`, kept to " + ", ".join(NETWORKS.values()) + ".",
        *(f"- `networks/{stem}.json`: `GET /networks/{name}`" for stem, name in NETWORKS.items()),
        "  (`Containers` kept to the containers above: the engine is shared).",
        "- `version.json`: `GET /version`; `info.json`: `GET /info`.",
        "",
        "## Events: `GET /events?since=...&until=...`",
        "",
        "- `events.jsonl` (the raw newline-delimited stream) and `events.json` (the same",
        "  events as a JSON array), kept to the objects of this story:",
        *shown(EVENTS_STORY),
    ]
    (HERE / "README.md").write_text("\n".join(rows) + "\n")
    print("wrote tests/data/README.md")


def main() -> None:
    docker("image", "inspect", "netlab/busybox:1")
    remove_ours()
    try:
        capture_lab()
        remove_ours()
        capture_events()
        write_readme()
    finally:
        remove_ours()


if __name__ == "__main__":
    main()
