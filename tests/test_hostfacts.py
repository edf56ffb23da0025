"""The host's facts: parsers on recorded /proc text, then the real host and engine."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator

import pytest
from engine_helpers import TEST_IMAGE, Lab

from tui.core.model import HostFacts, Listener
from tui.engine.hostfacts import (
    HostFactsReader,
    Socket,
    container_id_of,
    hex_address,
    parse_ip_addr,
    parse_port_range,
    parse_socket_table,
    read_host_facts,
)

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"


def table(*rows: tuple[str, str, str, int]) -> str:
    """A /proc/net table as the kernel writes it: (local, remote, state, inode) per row."""
    lines = [HEADER]
    for n, (local, remote, state, inode) in enumerate(rows):
        lines.append(
            f"{n:4}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000"
            f"     0        0 {inode} 1 0000000030402e06 100 0 0 10 0"
        )
    return "\n".join(lines) + "\n"


V6_ANY = "0" * 32
# Recorded on the dev host (x86_64): a listener, a connection, and IPv6 listeners.
TCP = table(
    ("00000000:07E8", "00000000:0000", "0A", 131),
    ("0100007F:8001", "0100007F:8AC0", "06", 0),
)
TCP6 = table(
    (f"{V6_ANY}:42E3", f"{V6_ANY}:0000", "0A", 12134),
    ("00000000000000000000000001000000:1F90", f"{V6_ANY}:0000", "0A", 12135),
)
UDP = table(
    ("0100007F:42E5", "00000000:0000", "07", 12505),
    ("0100007F:A000", "0100007F:0035", "01", 12506),
    ("00000000:0000", "00000000:0000", "07", 12507),
)
CGROUP_V1 = "9:name=systemd:/docker/{id}\n0::/docker/{id}\n"
CGROUP_V2 = "0::/system.slice/docker-{id}.scope\n"
CID = "89e0234cd67fdd7b27347ef074715a051984b435dd54fdd1e9a0b240773506f3"


@pytest.mark.skipif(sys.byteorder != "little", reason="recorded on a little-endian host")
def test_addresses_in_kernel_word_order() -> None:
    assert hex_address("0100007F") == "127.0.0.1"
    assert hex_address("00000000000000000000000001000000") == "::1"
    assert (
        hex_address("0000000000000000FFFF00000100007F") == "::ffff:7f00:1"
    )  # v4-mapped: ports reads it as v4


def test_only_listening_tcp_and_unconnected_bound_udp_are_kept() -> None:
    assert list(parse_socket_table(TCP, "tcp")) == [Socket("tcp", "0.0.0.0", 2024, 131)]
    assert list(parse_socket_table(TCP6, "tcp")) == [
        Socket("tcp", "::", 17123, 12134),
        Socket("tcp", "::1", 8080, 12135),
    ]
    assert list(parse_socket_table(UDP, "udp")) == [Socket("udp", "127.0.0.1", 17125, 12505)]
    assert list(parse_socket_table("garbage\nmore garbage here\n", "tcp")) == []


def test_sysctls_and_cgroups() -> None:
    assert parse_port_range("32768\t60999\n") == (32768, 60999)
    assert parse_port_range("") is None
    assert container_id_of(CGROUP_V1.format(id=CID)) == CID
    assert container_id_of(CGROUP_V2.format(id=CID)) == CID
    assert container_id_of("4:memory:/process_api/35f2d70ff0491e7858ceb95f582f42cc\n0::/\n") is None


def test_ip_json() -> None:
    doc = [
        {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
        {"ifname": "eth0", "addr_info": [{"family": "inet6", "local": "fd00::2", "prefixlen": 64}]},
        {"ifname": "bad", "addr_info": [{"family": "inet"}]},
        "junk",
    ]
    assert [(a.interface, a.address, a.prefix, a.family) for a in parse_ip_addr(doc)] == [
        ("lo", "127.0.0.1", 8, "inet"),
        ("eth0", "fd00::2", 64, "inet6"),
    ]
    assert parse_ip_addr({"not": "a list"}) == ()


# The real host ------------------------------------------------------------------------


@pytest.fixture
def tcp_listener() -> Iterator[socket.socket]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s
    s.close()


def _mine(facts: HostFacts, proto: str, port: int) -> list[Listener]:
    return [ln for ln in facts.listeners if ln.proto == proto and ln.port == port]


def test_a_listener_on_this_host_shows_up_with_its_process(tcp_listener: socket.socket) -> None:
    port = tcp_listener.getsockname()[1]
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as udp:
        udp.bind(("::1", 0))
        udp_port = udp.getsockname()[1]
        facts = HostFactsReader()()
    with open(f"/proc/{os.getpid()}/comm") as f:
        comm = f.read().strip()
    assert _mine(facts, "tcp", port) == [Listener("tcp", "127.0.0.1", port, os.getpid(), comm)]
    assert _mine(facts, "udp", udp_port) == [Listener("udp", "::1", udp_port, os.getpid(), comm)]
    assert any(a.address == "127.0.0.1" and a.interface == "lo" for a in facts.addresses)
    low, high = facts.dynamic_port_range or (0, 0)
    assert 1024 <= low < high <= 65535
    assert facts.ip_forward is not None


def test_the_process_scan_runs_only_when_listeners_change(tcp_listener: socket.socket) -> None:
    reader = HostFactsReader()
    reader()
    scans = reader.scans
    reader()
    assert reader.scans == scans
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        facts = reader()
        assert reader.scans == scans + 1
        assert _mine(facts, "tcp", other.getsockname()[1])[0].pid == os.getpid()
    # A socket that closed costs nothing.
    reader()
    assert reader.scans == scans + 1


def test_a_host_mode_containers_listener_is_attributed_to_it(lab: Lab) -> None:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        port = probe.getsockname()[1]
    name = lab.run("--network", "host", TEST_IMAGE, "httpd", "-f", "-p", str(port))
    cid = lab.inspect(name)["Id"]
    deadline = time.monotonic() + 10
    while not (found := _mine(read_host_facts(), "tcp", port)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(found) == 1
    assert found[0].container_id == cid
    assert found[0].process == "httpd"
    assert found[0].pid == lab.inspect(name)["State"]["Pid"]
