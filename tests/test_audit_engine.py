"""`netdock audit` against real engines: each finding made to happen, and absent when made clean.

Container and network findings come from the shared engine, with one lab of containers and
networks each made for a finding, and one audit run over all of them. Daemon findings come
from two private engines started with other flags (see private_engine), one audit run each.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import SLEEP, TEST_IMAGE, DockerCLI, Lab
from private_engine import PrivateEngine, self_signed_cert

NETDOCK = str(Path(sys.executable).parent / "netdock")
MAIN_ENGINE = "unix:///var/run/docker.sock"
NO_ICC = ("-o", "com.docker.network.bridge.enable_icc=false")

# Real engines, never skipped: they need the shared one and root for the private ones.
pytestmark = pytest.mark.engine


def netdock_audit(host: str, *args: str) -> subprocess.CompletedProcess[str]:
    # No config file: accepted risks of whoever runs the tests must not change the findings.
    env = {**os.environ, "XDG_CONFIG_HOME": "/nonexistent"}
    return subprocess.run(
        [NETDOCK, "audit", "--host", host, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def audit_json(host: str) -> list[dict[str, Any]]:
    done = netdock_audit(host, "--json")
    assert done.returncode == 0, done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    return findings


def about(findings: list[dict[str, Any]], subject: str) -> dict[str, dict[str, Any]]:
    """Check id -> the finding on ``subject``."""
    return {f["id"]: f for f in findings if subject in f["subjects"]}


def free_low_port() -> int:
    """A port below 1024 free on 127.0.0.1 (we run as root, as the engine does)."""
    for port in range(900, 1000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 900-999")


# The shared engine: one lab, one audit -----------------------------------------------------


class Made:
    """The lab's containers and networks, by the finding each was made for."""

    def __init__(self, lab: Lab) -> None:
        run, create = lab.run, lab.create
        self.quiet = lab.network("quiet", *NO_ICC)
        self.open = lab.network("open")
        self.vault = lab.network("vault", "--internal", *NO_ICC)
        self.clean = run("--network", self.quiet, "-p", "127.0.0.1::80", TEST_IMAGE, name="clean")
        self.privileged = create("--privileged", TEST_IMAGE, name="priv")
        self.net_admin = run("--network", self.quiet, "--cap-add", "NET_ADMIN", "--cap-add",
                             "SYS_ADMIN", TEST_IMAGE, *SLEEP, name="netadmin")  # fmt: skip
        self.raw_back = run("--network", self.quiet, "--cap-drop", "ALL", "--cap-add", "NET_RAW",
                            TEST_IMAGE, *SLEEP, name="rawback")  # fmt: skip
        low = free_low_port()
        self.low_port = run("--network", self.quiet, "-p", f"127.0.0.1:{low}:80", TEST_IMAGE,
                            name="lowport")  # fmt: skip
        self.wide = run("--network", self.quiet, "-p", "80", TEST_IMAGE, name="wide")
        self.wide_later = create("--network", self.quiet, "-p", "8080", TEST_IMAGE, name="later")
        self.host_net = run("--network", "host", TEST_IMAGE, *SLEEP, name="hostnet")
        self.joins_host = run("--network", f"container:{self.host_net}", TEST_IMAGE, *SLEEP,
                              name="joinshost")  # fmt: skip
        self.joins_priv = create("--network", f"container:{self.privileged}", TEST_IMAGE,
                                 name="joinspriv")  # fmt: skip
        self.host_ns = run("--network", self.quiet, "--pid", "host", "--ipc", "host", "--uts",
                           "host", TEST_IMAGE, *SLEEP, name="hostns")  # fmt: skip
        self.on_docker0 = run(TEST_IMAGE, *SLEEP, name="docker0")
        self.socket = create("--network", self.quiet, "-v",
                             "/var/run/docker.sock:/var/run/docker.sock", TEST_IMAGE,
                             name="socket")  # fmt: skip
        self.bridging = run("--network", self.quiet, TEST_IMAGE, *SLEEP, name="bridging")
        lab.connect(self.vault, self.bridging)
        self.two_nets = run("--network", self.quiet, TEST_IMAGE, *SLEEP, name="twonets")
        lab.connect(self.open, self.two_nets)


@pytest.fixture(scope="module")
def made(docker_cli: DockerCLI) -> Iterator[tuple[Made, list[dict[str, Any]]]]:
    lab = Lab(docker_cli, case="test_audit_engine")
    try:
        objects = Made(lab)
        yield objects, audit_json(MAIN_ENGINE)
    finally:
        lab.cleanup()


def test_a_clean_container_and_network_have_no_findings(made: tuple[Made, Any]) -> None:
    objects, findings = made
    assert about(findings, objects.clean) == {}
    assert about(findings, objects.quiet) == {}


@pytest.mark.parametrize(
    ("subject", "check", "cis", "severity", "later"),
    [
        ("privileged", "ND-PRIVILEGED", "5.5", "critical", True),
        ("net_admin", "ND-CAP-ADD", "5.4", "high", False),
        ("raw_back", "ND-CAP-ADD", "5.4", "low", False),
        ("low_port", "ND-PORT-PRIVILEGED", "5.8", "low", False),
        ("wide", "ND-PORT-ALL-INTERFACES", "5.14", "medium", False),
        ("wide_later", "ND-PORT-ALL-INTERFACES", "5.14", "medium", True),
        ("host_net", "ND-NET-HOST", "5.10", "high", False),
        ("joins_host", "ND-NETNS-INHERITED", None, "high", False),
        ("joins_priv", "ND-NETNS-INHERITED", None, "medium", True),
        ("host_ns", "ND-PID-HOST", "5.16", "high", False),
        ("host_ns", "ND-IPC-HOST", "5.17", "medium", False),
        ("host_ns", "ND-UTS-HOST", "5.21", "low", False),
        ("on_docker0", "ND-DEFAULT-BRIDGE", "5.30", "low", False),
        ("socket", "ND-DOCKER-SOCKET", "5.32", "critical", True),
        ("bridging", "ND-MULTI-HOMED", None, "medium", False),
        ("two_nets", "ND-MULTI-HOMED", None, "low", False),
        ("open", "ND-ICC-USER-BRIDGE", None, "low", False),
    ],
)
def test_each_container_and_network_finding(
    made: tuple[Made, list[dict[str, Any]]], subject: str, check: str, cis: str | None,
    severity: str, later: bool,
) -> None:  # fmt: skip
    objects, findings = made
    found = about(findings, getattr(objects, subject))
    assert check in found, sorted(found)
    f = found[check]
    assert (f["cis"], f["severity"], f["applies_when_started"]) == (cis, severity, later)
    assert f["why"] and f["fix"]


def test_ipv6_wildcard_binding_is_reported(made: tuple[Made, list[dict[str, Any]]]) -> None:
    """Docker Bench reads only 0.0.0.0; the engine binds :: too."""
    objects, findings = made
    title = about(findings, objects.wide)["ND-PORT-ALL-INTERFACES"]["title"]
    assert "0.0.0.0:" in title and "[::]:" in title


def test_the_shared_engine_s_defaults(made: tuple[Made, list[dict[str, Any]]]) -> None:
    """Started without flags: icc on docker0 and the userland proxy, nothing on TCP."""
    _, findings = made
    ids = {f["id"] for f in findings}
    assert about(findings, "bridge")["ND-ICC-DEFAULT"]["cis"] == "2.2"
    assert "ND-USERLAND-PROXY" in ids
    assert not ids & {"ND-IPTABLES-OFF", "ND-API-TCP-NO-TLS", "ND-API-TLS-NO-VERIFY",
                      "ND-IP-FORWARD-OFF"}  # fmt: skip


# Private engines: the daemon's own flags --------------------------------------------------


@pytest.fixture(scope="module")
def hardened_engine() -> Iterator[PrivateEngine]:
    """icc off, no userland proxy, but the API on TCP without TLS; a swarm for overlays."""
    with PrivateEngine(
        "tcp", "--icc=false", "--userland-proxy=false", "-H", "tcp://127.0.0.1:2375"
    ) as engine:
        # A swarm needs an address to advertise: the engine's own docker0, in its namespace.
        engine.docker("swarm", "init", "--advertise-addr", "172.17.0.1")
        engine.docker("network", "create", "-d", "overlay", "plain")
        engine.docker("network", "create", "-d", "overlay", "--opt", "encrypted", "sealed")
        yield engine


@pytest.fixture(scope="module")
def loose_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateEngine]:
    """No iptables, no IPv4 forwarding, no docker0; the API on TCP with TLS, unverified."""
    cert, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    with PrivateEngine(
        "tls", "--iptables=false", "--ip-forward=false", "--bridge=none",
        "-H", "tcp://127.0.0.1:2376", "--tls", "--tlscacert", cert, "--tlscert", cert,
        "--tlskey", key,
    ) as engine:  # fmt: skip
        # dockerd --ip-forward=false leaves the sysctl as it finds it: turn it off.
        engine.sysctl("net.ipv4.ip_forward", "0")
        engine.load_test_image()
        engine.docker("network", "create", "pub")
        engine.docker("run", "-d", "--name", "published", "--network", "pub", "-p",
                      "127.0.0.1:8080:80", TEST_IMAGE)  # fmt: skip
        engine.docker("run", "-d", "--name", "unpublished", "--network", "pub", TEST_IMAGE,
                      *SLEEP)  # fmt: skip
        yield engine


def test_api_on_tcp_without_tls_and_a_hardened_bridge(hardened_engine: PrivateEngine) -> None:
    findings = audit_json(hardened_engine.host)
    ids = {f["id"] for f in findings}
    api = about(findings, "tcp://127.0.0.1:2375")["ND-API-TCP-NO-TLS"]
    # Loopback only, in the engine's own namespace: local users, not the network, get in.
    assert (api["cis"], api["severity"]) == ("2.7", "high")
    assert "bridge" not in {s for f in findings for s in f["subjects"]}  # icc=false on docker0
    assert not ids & {"ND-ICC-DEFAULT", "ND-USERLAND-PROXY", "ND-IPTABLES-OFF",
                      "ND-API-TLS-NO-VERIFY", "ND-IP-FORWARD-OFF"}  # fmt: skip


def test_overlay_networks_without_encryption(hardened_engine: PrivateEngine) -> None:
    findings = audit_json(hardened_engine.host)
    assert about(findings, "plain")["ND-OVERLAY-UNENCRYPTED"]["cis"] == "7.3"
    assert about(findings, "sealed") == {}


def test_iptables_off_ip_forward_off_and_tls_without_verification(
    loose_engine: PrivateEngine,
) -> None:
    findings = audit_json(loose_engine.host)
    daemon = {f["id"]: f for f in findings if not f["subjects"]}
    assert daemon["ND-IPTABLES-OFF"]["cis"] == "2.4"
    assert daemon["ND-USERLAND-PROXY"]["cis"] == "2.16"
    api = about(findings, "tcp://127.0.0.1:2376")
    assert set(api) == {"ND-API-TLS-NO-VERIFY"}
    assert about(findings, "published")["ND-IP-FORWARD-OFF"]["severity"] == "low"
    assert "ND-IP-FORWARD-OFF" not in about(findings, "unpublished")
    # --bridge=none: no docker0, so nothing about the default bridge.
    assert not {f["id"] for f in findings} & {"ND-ICC-DEFAULT", "ND-DEFAULT-BRIDGE"}


# The command line ---------------------------------------------------------------------


def test_fail_on_sets_the_exit_code(hardened_engine: PrivateEngine) -> None:
    # This engine's worst finding is the API on loopback TCP: high.
    assert netdock_audit(hardened_engine.host, "--fail-on", "high").returncode == 1
    assert netdock_audit(hardened_engine.host, "--fail-on", "critical").returncode == 0


def test_the_text_report(hardened_engine: PrivateEngine) -> None:
    done = netdock_audit(hardened_engine.host)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # High: the API; medium: one check, the overlays plain and ingress (the swarm's own).
    summary = "0 critical, 1 high, 1 medium (2), 0 low, 0 info"
    assert lines[0] == f"netdock audit of {hardened_engine.host}: checks failed: {summary}"
    assert "HIGH" in lines and "MEDIUM" in lines
    assert any(x.startswith("  ND-API-TCP-NO-TLS [CIS 2.7]") for x in lines)
    assert any(x.strip().startswith("fix: Serve the API on the unix socket only") for x in lines)


def test_no_engine_exits_2_in_one_line(tmp_path: Path) -> None:
    done = netdock_audit(f"unix://{tmp_path}/none.sock", "--fail-on", "info")
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
