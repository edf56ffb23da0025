"""The kernel's view of a local engine's containers: network namespaces, interfaces, veth
peers, bridges, counters.

Never ``/sys/class/net``: sysfs shows the network namespace of whoever mounted it, and
a dockerd (this project's test engines, a rootless one) may run in another. Everything
here is asked of the namespace concerned:

- the plumbing (ifindex, MAC, veth peer, ``master`` bridge, macvlan parent, addresses)
  by netlink, from a worker thread that enters the namespace (``setns``) only while it
  opens its socket and reads the dump; read again only when a container's process or
  endpoints change (after the engine's events), and from a cache otherwise;
- the counters from ``/proc/<pid>/net/dev``, which answers for the namespace of the
  process asked: one read per namespace per sampling round, no engine call, no process
  started.

The host side is the namespace of the dockerd serving the endpoint
(``/proc/<dockerd pid>/ns/net``), which need not be netdock's own.
"""

from __future__ import annotations

import ctypes
import errno
import os
import time
from collections.abc import Iterable
from dataclasses import replace
from types import MappingProxyType

from tui.core.model import (
    Container,
    Counters,
    CounterSample,
    Endpoint,
    KernelView,
    NamespaceCounters,
    NetInterface,
    Netns,
)
from tui.core.namespaces import effective_endpoints
from tui.core.state import HostState
from tui.engine import netlink
from tui.engine.daemon import PROC, dockerd_pid
from tui.engine.netlink import RawLink, open_route_socket

CLONE_NEWNET = 0x40000000
REMOTE = "a remote engine: its kernel is not reachable from here"
NOT_ROOT = "entering its network namespace needs root (CAP_SYS_ADMIN)"


class NamespaceGone(Exception):
    """The process (and with it, for all we know, the namespace) is gone."""


def netns_inode(pid: int) -> int | None:
    """The inode of the network namespace process ``pid`` is in; None if unreadable."""
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def with_netns(container: Container) -> Container:
    """The container with its network namespace as the kernel tells it (when it runs)."""
    if container.pid is None:
        return container
    return replace(container, netns=netns_inode(container.pid))


def parse_net_dev(text: bytes, skip: frozenset[bytes] = frozenset()) -> dict[str, Counters]:
    """``/proc/<pid>/net/dev`` -> counters by interface name (rx first, as the file has);
    the interfaces named in ``skip`` are left out before their numbers are read."""
    found = {}
    for line in text.splitlines()[2:]:
        name, sep, rest = line.partition(b":")
        name = name.strip()
        if not sep or name in skip:
            continue
        fields = rest.split()
        if len(fields) < 12:
            continue
        try:
            found[name.decode(errors="replace")] = Counters(
                int(fields[0]), int(fields[8]), int(fields[1]), int(fields[9]),
                int(fields[3]), int(fields[11]), int(fields[2]), int(fields[10]),
            )  # fmt: skip
        except ValueError:
            continue
    return found


def _interface(link: RawLink, addresses: dict[int, list[str]]) -> NetInterface:
    return NetInterface(
        index=link.index,
        name=link.name,
        kind=link.kind,
        mac=link.mac,
        link=link.link if link.link and link.link != link.index else None,
        link_elsewhere=link.link_netnsid is not None,
        master=link.master or None,
        addresses=tuple(addresses.get(link.index, ())),
    )


_LIBC = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    """Move the calling thread (only it) into the network namespace ``fd`` refers to."""
    if _LIBC.setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def read_namespace(pid: int, proc: str = PROC) -> Netns:
    """The links and addresses of ``pid``'s network namespace, by netlink.

    The calling thread enters the namespace only while it opens its socket, and goes back
    before the dumps: call it from a worker thread all the same (it blocks on the kernel).
    Raises ``NamespaceGone`` when the process is gone, ``PermissionError`` when it may
    not be entered.
    """
    path = f"{proc}/{pid}/ns/net"
    try:
        inode = os.stat(path).st_ino
        target = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, ProcessLookupError) as exc:
        raise NamespaceGone(str(pid)) from exc
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        entered = os.fstat(own).st_ino != inode
        if entered:
            try:
                _setns(target)
            except OSError as exc:
                if exc.errno == errno.EPERM:
                    raise PermissionError(exc.errno, NOT_ROOT) from exc
                raise
        try:
            # The socket belongs to the namespace it was opened in, wherever it is read.
            sock = open_route_socket()
        finally:
            if entered:
                _setns(own)  # a thread left in another namespace would poison the pool
    finally:
        os.close(target)
        os.close(own)
    with sock:
        found, by_index = netlink.links(sock), netlink.addresses(sock)
    interfaces = tuple(sorted((_interface(link, by_index) for link in found),
                              key=lambda i: i.index))  # fmt: skip
    return Netns(inode=inode, interfaces=interfaces)


_CHUNK = 16384
_LONGEST_LINE = 512


def _read_proc(path: str) -> bytes:
    """A procfs file whole, in as few reads as it takes (one for a container's net/dev).

    A seq_file read stops early only where its next line would not fit: a read that
    leaves room for any line was the last one.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = [os.read(fd, _CHUNK)]
        while len(chunks[-1]) > _CHUNK - _LONGEST_LINE:
            chunks.append(os.read(fd, _CHUNK))
    finally:
        os.close(fd)
    return b"".join(chunks)


def _why(exc: OSError, pid: int) -> str:
    if isinstance(exc, PermissionError):
        return f"/proc/{pid} is not readable: {exc.strerror or 'permission denied'} (run as root)"
    return f"/proc/{pid}: {exc.strerror or exc}"


class Kernel:
    """Reads the plumbing (on changes) and the counters (each round) of a local engine."""

    def __init__(self, endpoint: str, proc: str = PROC) -> None:
        self.endpoint = endpoint
        self.proc = proc
        # Container ID -> (its pid and endpoints when read, its namespace).
        self._namespaces: dict[str, tuple[tuple[int, tuple[Endpoint, ...]], Netns]] = {}
        self._host: tuple[int, Netns] | None = None
        self._view = KernelView(available=True)

    def _running(self, state: HostState) -> Iterable[Container]:
        return (c for c in state.containers.values() if c.running and c.pid)

    def read_view(self, state: HostState) -> KernelView:
        """The plumbing of every running container; a namespace is read again only when
        its container's process or endpoints changed, the host's when any one was.

        A namespace several containers are in (container mode; host mode, whose namespace
        is dockerd's) is read once per round and held once: host mode's is the host's,
        which has a veth per container, so one copy per host-mode container grew as
        containers squared (45,000 interfaces held at 1,000 containers, 50 in host mode).
        """
        namespaces: dict[str, Netns] = {}
        unreadable: dict[str, str] = {}
        cache: dict[str, tuple[tuple[int, tuple[Endpoint, ...]], Netns]] = {}
        fresh: dict[int, Netns] = {}  # by inode: the namespaces read in this round
        changed = self._namespaces.keys() != {c.id for c in self._running(state)}
        for c in self._running(state):
            assert c.pid is not None
            key = (c.pid, effective_endpoints(state, c))
            known = self._namespaces.get(c.id)
            if known is not None and known[0] == key:
                cache[c.id] = known
                namespaces[c.id] = known[1]
                continue
            changed = True
            try:
                ns = self._read_once(c.pid, fresh)
            except NamespaceGone:
                continue  # its die event follows
            except OSError as exc:
                unreadable[c.id] = _why(exc, c.pid)
                continue
            cache[c.id] = (key, ns)
            namespaces[c.id] = ns
        host, reason = self._read_host(changed, fresh)
        # One object per namespace: the host's for host mode, else the freshest read.
        shared = dict(fresh)
        if host is not None:
            shared[host.inode] = host
        for cid, ns in namespaces.items():
            one = shared.setdefault(ns.inode, ns)
            if one is not ns:
                namespaces[cid] = one
                cache[cid] = (cache[cid][0], one)
        self._namespaces = cache
        self._view = KernelView(
            available=True,
            reason=reason,
            host=host,
            namespaces=MappingProxyType(namespaces),
            unreadable=MappingProxyType(unreadable),
        )
        return self._view

    def _read_once(self, pid: int, fresh: dict[int, Netns]) -> Netns:
        """``pid``'s namespace: the one read this round if it is in one, else read now."""
        try:
            inode = os.stat(f"{self.proc}/{pid}/ns/net").st_ino
        except OSError:
            inode = None  # read_namespace tells why
        ns = fresh.get(inode) if inode is not None else None
        if ns is None:
            ns = read_namespace(pid, self.proc)
            fresh[ns.inode] = ns
        return ns

    def _read_host(self, changed: bool, fresh: dict[int, Netns]) -> tuple[Netns | None, str]:
        pid = self._host[0] if self._host is not None else None
        if pid is None or not os.path.exists(f"{self.proc}/{pid}"):
            pid, changed = dockerd_pid(self.endpoint, self.proc), True
        if pid is None:
            self._host = None
            return None, "dockerd's process was not found: no bridges nor veth peers"
        if self._host is not None and not changed:
            return self._host[1], ""
        try:
            host = self._read_once(pid, fresh)
        except NamespaceGone:
            self._host = None
            return None, "dockerd's process is gone"
        except OSError as exc:
            self._host = None
            return None, f"dockerd's namespace: {_why(exc, pid)}"
        self._host = (pid, host)
        return host, ""

    def sample(self, state: HostState) -> CounterSample:
        """Every running container's counters, one ``/proc/<pid>/net/dev`` per namespace."""
        containers: dict[str, NamespaceCounters] = {}
        missing: dict[str, str] = {}
        by_inode: dict[int, NamespaceCounters] = {}
        view, read = self._view, self._namespaces
        # The host ends of the containers' veths are theirs, not host mode's interfaces.
        host_skip = frozenset(
            i.name.encode() for i in (view.host.interfaces if view.host else ())
            if i.kind == "veth" and i.master is not None
        )  # fmt: skip
        for c in self._running(state):
            pid = c.pid
            known = read.get(c.id)
            try:
                # The namespace read with the plumbing of this very process: no stat per
                # container and round.
                if known is not None and known[0][0] == pid:
                    inode = known[1].inode
                else:
                    inode = os.stat(f"{self.proc}/{pid}/ns/net").st_ino
                found = by_inode.get(inode)
                if found is None:
                    text = _read_proc(f"{self.proc}/{pid}/net/dev")
                    hosted = view.host is not None and view.host.inode == inode
                    interfaces = parse_net_dev(text, host_skip if hosted else frozenset())
                    found = by_inode[inode] = NamespaceCounters(inode, interfaces)
            except (FileNotFoundError, ProcessLookupError):
                missing[c.id] = "exited since the last sample"
                continue
            except OSError as exc:
                missing[c.id] = _why(exc, pid or 0)
                continue
            containers[c.id] = found
        return CounterSample(
            time=time.monotonic(),
            containers=MappingProxyType(containers),
            missing=MappingProxyType(missing),
        )


def remote_view() -> KernelView:
    return KernelView(available=False, reason=REMOTE, remote=True)
