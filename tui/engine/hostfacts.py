"""The local host's own facts: addresses, listening sockets and their owners, sysctls.

Only meaningful when the engine runs on this host. The live app calls a reader every
few seconds on a worker thread, so the common path is cheap: four socket tables read
and filtered line by line. The scan of ``/proc/*/fd`` that finds a socket's process
runs only for sockets not seen before, and the ``ip`` call only when the interfaces
change or its answer is old.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.model import HostAddress, HostFacts, Listener

TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"  # TCP_CLOSE: a bound UDP socket with no peer
TABLES = (("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp"))
ADDRESSES_MAX_AGE = 30.0
_CONTAINER_ID = re.compile(r"(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])")
_SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class Socket:
    """One line of a /proc/net socket table that we keep."""

    proto: str
    address: str
    port: int
    inode: int


@dataclass(frozen=True, slots=True)
class Owner:
    pid: int | None = None
    process: str | None = None
    container_id: str | None = None


NOBODY = Owner()


def hex_address(text: str) -> str:
    """A /proc/net address (hex, in the kernel's 32-bit word order) as text."""
    raw = bytes.fromhex(text)
    if sys.byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    return str(ipaddress.IPv6Address(raw))


def parse_socket_table(text: str, proto: str) -> Iterator[Socket]:
    """Listening TCP sockets, or bound unconnected UDP ones, from /proc/net/{tcp,udp}[6]."""
    wanted = TCP_LISTEN if proto == "tcp" else UDP_UNCONNECTED
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        local, _, port_hex = fields[1].partition(":")
        try:
            port = int(port_hex, 16)
            if port == 0:
                continue
            yield Socket(proto, hex_address(local), port, int(fields[9]))
        except ValueError:
            continue


def parse_port_range(text: str) -> tuple[int, int] | None:
    """``net.ipv4.ip_local_port_range`` ("32768\\t60999")."""
    parts = text.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def container_id_of(cgroup: str) -> str | None:
    """The 64-hex container ID in a /proc/PID/cgroup, when the process runs in one."""
    found = _CONTAINER_ID.search(cgroup)
    return found.group(1) if found else None


def parse_ip_addr(doc: Any) -> tuple[HostAddress, ...]:
    """``ip -j addr`` -> the host's addresses."""
    found = []
    for link in doc if isinstance(doc, list) else []:
        if not isinstance(link, dict):
            continue
        name = link.get("ifname")
        for info in link.get("addr_info") or []:
            if not isinstance(info, dict):
                continue
            address, prefix, fam = info.get("local"), info.get("prefixlen"), info.get("family")
            if isinstance(address, str) and isinstance(prefix, int) and fam in ("inet", "inet6"):
                found.append(HostAddress(str(name or ""), address, prefix, fam))
    return tuple(found)


class HostFactsReader:
    """Reads ``HostFacts``, remembering socket owners and addresses between calls.

    Call it (``reader()``) from a worker thread; calls on one reader take turns.
    """

    def __init__(self, proc: str | Path = "/proc") -> None:
        self.proc = Path(proc)
        self._owners: dict[int, Owner] = {}
        self._addresses: tuple[HostAddress, ...] = ()
        self._addresses_read = -ADDRESSES_MAX_AGE
        self._interfaces: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self.scans = 0
        """How many /proc/*/fd scans ran (tests check the cache holds)."""

    def __call__(self) -> HostFacts:
        with self._lock:
            return self._read_facts()

    def _read_facts(self) -> HostFacts:
        sockets = self.sockets()
        self._learn_owners({s.inode for s in sockets if s.inode})
        return HostFacts(
            addresses=self.addresses(),
            listeners=self.listeners(sockets),
            dynamic_port_range=parse_port_range(
                self._read("sys/net/ipv4/ip_local_port_range") or ""
            ),
            ip_forward=_flag(self._read("sys/net/ipv4/ip_forward")),
        )

    # sockets ------------------------------------------------------------------------

    def sockets(self) -> list[Socket]:
        found: list[Socket] = []
        for table, proto in TABLES:
            text = self._read(f"net/{table}")
            if text:
                found.extend(parse_socket_table(text, proto))
        return found

    def listeners(self, sockets: Iterable[Socket]) -> tuple[Listener, ...]:
        unique = {}
        for s in sockets:
            owner = self._owners.get(s.inode, NOBODY)
            listener = Listener(
                s.proto, s.address, s.port, owner.pid, owner.process, owner.container_id
            )
            # SO_REUSEPORT workers open one socket each: one listener is enough.
            unique[(s.proto, s.address, s.port, owner.pid)] = listener
        return tuple(sorted(unique.values(), key=lambda ln: (ln.port, ln.proto, ln.address)))

    def _learn_owners(self, inodes: set[int]) -> None:
        """Find the process of sockets not seen before; forget the ones that closed."""
        self._owners = {i: o for i, o in self._owners.items() if i in inodes}
        missing = inodes - self._owners.keys()
        if not missing:
            return
        self.scans += 1
        found = self._scan_fds(missing)
        for inode in missing:
            pid = found.get(inode)
            # Unfound (no permission, another PID namespace) is remembered too, so a
            # socket we cannot attribute does not cost a scan on every call.
            self._owners[inode] = self._owner(pid) if pid is not None else NOBODY

    def _scan_fds(self, missing: set[int]) -> dict[int, int]:
        """socket inode -> the lowest PID holding it (forked workers share the parent's)."""
        found: dict[int, int] = {}
        try:
            pids = sorted(int(e.name) for e in os.scandir(self.proc) if e.name.isdigit())
        except OSError:
            return found
        for pid in pids:
            try:
                with os.scandir(self.proc / str(pid) / "fd") as fds:
                    for fd in fds:
                        try:
                            link = os.readlink(fd.path)
                        except OSError:
                            continue
                        match = _SOCKET_LINK.fullmatch(link)
                        if match and int(match.group(1)) in missing:
                            found.setdefault(int(match.group(1)), pid)
            except OSError:
                continue
            if len(found) == len(missing):
                break
        return found

    def _owner(self, pid: int) -> Owner:
        comm = self._read(f"{pid}/comm")
        cgroup = self._read(f"{pid}/cgroup") or ""
        return Owner(pid, comm.strip() if comm else None, container_id_of(cgroup))

    # addresses -----------------------------------------------------------------------

    def addresses(self) -> tuple[HostAddress, ...]:
        interfaces = _interfaces()
        now = time.monotonic()
        if interfaces == self._interfaces and now - self._addresses_read < ADDRESSES_MAX_AGE:
            return self._addresses
        self._interfaces, self._addresses_read = interfaces, now
        self._addresses = _ip_addresses() or self._proc_addresses(interfaces)
        return self._addresses

    def _proc_addresses(self, interfaces: tuple[str, ...]) -> tuple[HostAddress, ...]:
        """Without ``ip``: each interface's primary IPv4 address, and every IPv6 one."""
        found = [a for name in interfaces if (a := _ipv4_of(name)) is not None]
        for line in (self._read("net/if_inet6") or "").splitlines():
            fields = line.split()
            if len(fields) == 6:
                address = str(ipaddress.IPv6Address(bytes.fromhex(fields[0])))
                found.append(HostAddress(fields[5], address, int(fields[2], 16), "inet6"))
        return tuple(found)

    def _read(self, relative: str) -> str | None:
        try:
            return (self.proc / relative).read_text()
        except OSError:
            return None


def _flag(text: str | None) -> bool | None:
    return None if text is None or not text.strip().isdigit() else text.strip() != "0"


def _interfaces() -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir("/sys/class/net")))
    except OSError:
        return ()


def _ip_addresses() -> tuple[HostAddress, ...]:
    try:
        done = subprocess.run(
            ["ip", "-j", "addr"], capture_output=True, text=True, timeout=5, check=True
        )
        return parse_ip_addr(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError):
        return ()


def _ipv4_of(interface: str) -> HostAddress | None:
    siocgifaddr, siocgifnetmask = 0x8915, 0x891B
    request = struct.pack("256s", interface.encode()[:15])
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            address = socket.inet_ntoa(fcntl.ioctl(s.fileno(), siocgifaddr, request)[20:24])
            mask = socket.inet_ntoa(fcntl.ioctl(s.fileno(), siocgifnetmask, request)[20:24])
    except OSError:
        return None
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    return HostAddress(interface, address, prefix, "inet")


_default = HostFactsReader()


def read_host_facts() -> HostFacts:
    """The local host's facts, through one shared reader (and its cache)."""
    return _default()
