"""Helpers for tests against the real Docker engine: the docker CLI and a per-test lab.

Tests import from here (``from engine_helpers import TEST_IMAGE, Lab``); the fixtures that
hand these out live in ``conftest.py``. Every object a lab makes carries the label
``netdock.test=1`` plus the lab's run id, so a teardown (or a later session, after a crash)
finds and removes exactly what the tests made.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field
from typing import Any

# The Debian client matches the Debian engine (20.10, API 1.41); a newer client elsewhere
# on PATH refuses some of its flags.
DOCKER = "/usr/bin/docker"
# Built offline by scripts/ensure-engine from tests/image/: static busybox, EXPOSE 80 443,
# default command `httpd -f -p 80`. Give a command such as `sleep 1000000` to only idle.
TEST_IMAGE = "netlab/busybox:1"
SLEEP = ("sleep", "1000000")

TEST_LABEL = "netdock.test"
RUN_LABEL = "netdock.test.run"
CASE_LABEL = "netdock.test.case"
# The pid of the pytest process that made an object: a new session removes leftovers only
# when that process is gone, so two sessions on one engine do not delete each other's.
OWNER_LABEL = "netdock.test.owner"


class DockerError(RuntimeError):
    """A docker command failed; the message carries the command and its stderr."""


class DockerCLI:
    """Runs /usr/bin/docker and returns its stdout, raising DockerError on failure."""

    def __init__(self, binary: str = DOCKER) -> None:
        self.binary = binary

    def __call__(self, *args: str, check: bool = True, timeout: float = 60) -> str:
        done = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise DockerError(
                f"docker {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}"
            )
        return done.stdout

    def json(self, *args: str) -> Any:
        """Run a command that prints JSON (inspect, `--format '{{json .}}'`) and parse it."""
        return json.loads(self(*args))

    def ids(self, *args: str) -> list[str]:
        """Run a listing command with -q and return the ids it printed."""
        return self(*args).split()

    def succeeds(self, *args: str) -> bool:
        """True when the command exits 0 (its output is dropped)."""
        return subprocess.run([self.binary, *args], capture_output=True).returncode == 0

    def remove_labelled(self, *label_filters: str) -> None:
        """Remove containers (with rm -f), then networks, that match all the label filters."""
        filters = [arg for label in label_filters for arg in ("--filter", f"label={label}")]
        containers = self.ids("ps", "-aq", *filters)
        if containers:
            self("rm", "-f", "-v", *containers)
        networks = self.ids("network", "ls", "-q", *filters)
        if networks:
            self("network", "rm", *networks)

    def remove_leftovers(self) -> None:
        """Remove what earlier test sessions left behind, when the session that made it is gone."""
        owners: set[str] = set()
        for kind in (("ps", "-a"), ("network", "ls")):
            owner = f'{{{{.Label "{OWNER_LABEL}"}}}}'
            out = self(*kind, "--filter", f"label={TEST_LABEL}=1", "--format", owner)
            owners.update(out.split())
        for owner in owners:
            if not _process_alive(owner):
                self.remove_labelled(f"{TEST_LABEL}=1", f"{OWNER_LABEL}={owner}")


def _process_alive(pid: str) -> bool:
    return pid.isdigit() and os.path.exists(f"/proc/{pid}")


@dataclass
class Lab:
    """Containers and networks for one test, all removed at teardown.

    Names passed in are stems: the lab appends its run id so parallel tests and sessions
    never collide, and returns the real name. Arguments are those of the docker command,
    image included: ``lab.run("-P", TEST_IMAGE)``, ``lab.run("--network", "host",
    TEST_IMAGE, *SLEEP)``.
    """

    docker: DockerCLI
    case: str = ""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    owner: str = field(default_factory=lambda: str(os.getpid()))
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    _count: int = 0

    @property
    def labels(self) -> list[str]:
        """The --label arguments every object of this lab carries."""
        pairs = {
            TEST_LABEL: "1",
            RUN_LABEL: self.run_id,
            OWNER_LABEL: self.owner,
            CASE_LABEL: self.case,
        }
        return [arg for key, value in pairs.items() for arg in ("--label", f"{key}={value}")]

    def name(self, stem: str | None = None) -> str:
        """A fresh name unique to this lab: ``<stem>-<run id>`` (``nd<n>`` when no stem)."""
        if stem is None:
            self._count += 1
            stem = f"nd{self._count}"
        return f"{stem}-{self.run_id}"

    def run(self, *args: str, name: str | None = None) -> str:
        """`docker run -d` a container; returns its name."""
        return self._container(("run", "-d"), args, name)

    def create(self, *args: str, name: str | None = None) -> str:
        """`docker create` a container without starting it; returns its name."""
        return self._container(("create",), args, name)

    def network(self, name: str | None = None, *args: str) -> str:
        """`docker network create` (a bridge unless args say otherwise); returns its name."""
        real = self.name(name)
        self.networks.append(real)
        self.docker("network", "create", *self.labels, *args, real)
        return real

    def connect(self, network: str, container: str, *args: str) -> None:
        """`docker network connect` (args such as --alias or --ip go before the names)."""
        self.docker("network", "connect", *args, network, container)

    def disconnect(self, network: str, container: str) -> None:
        self.docker("network", "disconnect", network, container)

    def inspect(self, name: str) -> dict[str, Any]:
        """What the engine reports for a container (`docker container inspect`)."""
        result: dict[str, Any] = self.docker.json("container", "inspect", name)[0]
        return result

    def inspect_network(self, name: str) -> dict[str, Any]:
        """What the engine reports for a network (`docker network inspect`)."""
        result: dict[str, Any] = self.docker.json("network", "inspect", name)[0]
        return result

    def cleanup(self) -> None:
        """Remove every container, then every network, of this lab.

        By label as well as by name, so an object made with ``lab.labels`` through
        ``lab.docker(...)`` goes too; by name as well as by label, so one that failed to get
        its labels does not stay.
        """
        self.docker.remove_labelled(f"{RUN_LABEL}={self.run_id}")
        for container in self.containers:
            self.docker("rm", "-f", "-v", container, check=False)
        for network in self.networks:
            self.docker("network", "rm", network, check=False)
        mine = ("--filter", f"label={RUN_LABEL}={self.run_id}")
        left = self.docker.ids("ps", "-aq", *mine) + self.docker.ids("network", "ls", "-q", *mine)
        if left:
            raise DockerError(f"lab {self.run_id} could not remove {left}")

    def _container(self, verb: tuple[str, ...], args: tuple[str, ...], stem: str | None) -> str:
        real = self.name(stem)
        # Recorded before the command runs: a failed run may still have created it.
        self.containers.append(real)
        self.docker(*verb, "--name", real, *self.labels, *args)
        return real
