"""The kernel's view of a local engine's containers: network namespaces, interfaces, veth
peers, bridges, counters.

Never ``/sys/class/net``: sysfs shows the network namespace of whoever mounted it, and
a dockerd (this project's test engines, a rootless one) may run in another. Everything
here is asked of the namespace concerned:

- the plumbing (ifindex, MAC, veth peer, ``master`` bridge, macvlan parent, addresses)
  by netlink, from a worker thread that enters the namespace (``setns``) only while it
  opens its socket and reads the dump; read again only when a container's process or
  endpoints change (after the engine's events), and from a cache otherwise;
- the counters, each sampling round, with no engine call and no process started: one
  ``RTM_GETSTATS`` dump in dockerd's namespace, on a netlink socket opened there once
  (and again when dockerd's process changes), answers for every container whose
  interfaces all have their veth's other end there (bridge networks) and for host mode.
  A veth's ends count each other's traffic: what the host end sent, the container
  received. Bytes and packets are the container's own counters; drops are those of the
  host end, turned round: ``rx_dropped`` the packets the pair could not deliver to the
  container, ``tx_dropped`` the container's packets dropped as they reached the host
  (the container's own stack's drops, e.g. of a protocol it does not speak, are not
  seen from there); veths count no errors. Any other namespace (macvlan, ipvlan, none)
  is read inside, ``/proc/<pid>/net/dev``, as is a container whose plumbing was not read
  again yet since its process changed.

The host side is the namespace of the dockerd serving the endpoint
(``/proc/<dockerd pid>/ns/net``), which need not be netdock's own.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

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
from tui.core.plumbing import Counted, counted_in_host
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


def _socket_in(pid: int, proc: str) -> tuple[int, socket.socket]:
    """A netlink socket in ``pid``'s network namespace, and that namespace's inode.

    The calling thread enters the namespace only while it opens the socket (which
    belongs to the namespace it was opened in, wherever it is read), and goes back.
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
            return inode, open_route_socket()
        finally:
            if entered:
                _setns(own)  # a thread left in another namespace would poison the pool
    finally:
        os.close(target)
        os.close(own)


def read_namespace(pid: int, proc: str = PROC) -> Netns:
    """The links and addresses of ``pid``'s network namespace, by netlink.

    Call it from a worker thread: it blocks on the kernel, and enters the namespace
    while it opens its socket. Raises as ``_socket_in``.
    """
    inode, sock = _socket_in(pid, proc)
    with sock:
        found, by_index = netlink.links(sock), netlink.addresses(sock)
    interfaces = tuple(sorted((_interface(link, by_index) for link in found),
                              key=lambda i: i.index))  # fmt: skip
    return Netns(inode=inode, interfaces=interfaces)


def _counters(raw: bytes, peer: bool) -> Counters:
    """A link's counters from the dump as ``/proc/<pid>/net/dev`` shows them (rx drops with
    the missed ones), from the interface's side: turned round when ``raw`` is its veth
    peer's."""
    stats = netlink.counters(raw)
    rx_p, tx_p, rx_b, tx_b, rx_e, tx_e, rx_d, tx_d = stats[:8]
    if peer:
        return Counters(tx_b, rx_b, tx_p, rx_p, tx_d, rx_d + stats[15], tx_e, rx_e)
    return Counters(rx_b, tx_b, rx_p, tx_p, rx_d + stats[15], tx_d, rx_e, tx_e)


@dataclass(frozen=True, slots=True)
class _Routes:
    """How each running container's counters are read, as the last plumbing read found."""

    dockerd: tuple[int, int] | None = None
    """dockerd's pid and its namespace's inode."""
    from_host: Mapping[str, tuple[int, int, tuple[Counted, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Container ID -> the pid its plumbing was read with, its namespace's inode and its
    interfaces as counted in dockerd's namespace (while the pid is still its process)."""
    host_skip: frozenset[bytes] = frozenset()
    """The host ends of the containers' veths: theirs, not host mode's interfaces."""


class _Plan(NamedTuple):
    """How a round reads the counters, for one set of containers and one plumbing."""

    containers: Mapping[str, Container]
    routes: _Routes
    from_host: tuple[tuple[int, tuple[Counted, ...], tuple[Container, ...]], ...]
    """Per namespace counted in dockerd's: its inode, its interfaces, its containers."""
    inside: tuple[Container, ...]
    """The containers whose counters are read inside their namespace."""
    owners: Mapping[int, tuple[int, ...]]
    """An ifindex of dockerd's namespace -> the inodes of the namespaces it counts in
    (two, where a link is both a host-mode interface and a container's veth peer)."""


class _Round(NamedTuple):
    """What a round read, kept whole for the next one (rounds run in worker threads)."""

    read: Mapping[int, tuple[object, NamespaceCounters]]
    """Namespace inode -> its counters, and what they were made of (raw stats, a file)."""
    plan: _Plan | None = None
    dumped: Mapping[int, bytes] | None = None
    """The dump, for the plan it was made with (ifindexes are dockerd's)."""


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
        self._routes = _Routes()
        # The counters' socket in dockerd's namespace, for dockerd's (pid, inode): kept
        # across rounds (opening it means entering the namespace), closed when dockerd
        # goes. Rounds run in worker threads: the lock keeps two from sharing one dump.
        self._socket: tuple[tuple[int, int], socket.socket, Callable[[], object]] | None = None
        self._socket_lock = threading.Lock()
        self._seq = 0
        self._dump_refused = False
        self._last = _Round({})
        self._plan: _Plan | None = None

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
        self._routes = self._route(cache, host)
        self._view = KernelView(
            available=True,
            reason=reason,
            host=host,
            namespaces=MappingProxyType(namespaces),
            unreadable=MappingProxyType(unreadable),
        )
        return self._view

    def _route(
        self, read: Mapping[str, tuple[tuple[int, tuple[Endpoint, ...]], Netns]], host: Netns | None
    ) -> _Routes:
        if host is None or self._host is None:
            return _Routes()
        from_host = {}
        for cid, ((pid, _), ns) in read.items():
            counted = counted_in_host(host, ns)
            if counted is not None:
                from_host[cid] = (pid, ns.inode, counted)
        skip = frozenset(i.name.encode() for i in host.interfaces
                         if i.kind == "veth" and i.master is not None)  # fmt: skip
        return _Routes((self._host[0], host.inode), MappingProxyType(from_host), skip)

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
        """Every running container's counters: one dump in dockerd's namespace for all
        those whose interfaces are counted there, one ``/proc/<pid>/net/dev`` per other
        namespace. A namespace whose counters did not move since the last round is the
        same ``NamespaceCounters`` object: an idle one costs the rates nothing, and the
        dump's links that moved are found by comparing it with the last one whole (in C),
        so that an idle namespace is not even looked at link by link."""
        containers: dict[str, NamespaceCounters] = {}
        missing: dict[str, str] = {}
        # Inode -> what its counters were made of this round (raw stats, the file's text).
        read: dict[int, tuple[object, NamespaceCounters]] = {}
        plan, last = self._plan_of(state), self._last
        dumped = self._dump(plan.routes.dockerd) if plan.from_host else None
        moved = _moved(plan, dumped, last)
        inside = list(plan.inside)
        for inode, counted, members in plan.from_host:
            before = last.read.get(inode)
            if before is not None and moved is not None and inode not in moved:
                known = read[inode] = before
            else:
                raws = _raws(dumped, counted) if dumped is not None else None
                if raws is None:  # an interface gone since the plumbing was read
                    inside.extend(members)
                    continue
                if before is not None and before[0] == raws:
                    known = read[inode] = before
                else:
                    interfaces = {
                        link.name: _counters(raw, link.peer)
                        for link, raw in zip(counted, raws, strict=True)
                    }
                    known = read[inode] = (raws, NamespaceCounters(inode, interfaces))
            for c in members:
                containers[c.id] = known[1]
        for c in inside:
            try:
                containers[c.id] = self._read_inside(c, plan.routes, read, last.read)
            except (FileNotFoundError, ProcessLookupError):
                missing[c.id] = "exited since the last sample"
            except OSError as exc:
                missing[c.id] = _why(exc, c.pid or 0)
        self._last = _Round(read, plan, dumped)
        return CounterSample(
            time=time.monotonic(),
            containers=MappingProxyType(containers),
            missing=MappingProxyType(missing),
        )

    def _plan_of(self, state: HostState) -> _Plan:
        """How the running containers' counters are read: made again only when the
        containers or the plumbing changed, not every round."""
        plan, routes = self._plan, self._routes
        if plan is not None and plan.containers is state.containers and plan.routes is routes:
            return plan
        groups: dict[int, tuple[tuple[Counted, ...], list[Container]]] = {}
        inside: list[Container] = []
        for c in self._running(state):
            route = routes.from_host.get(c.id)
            # Its plumbing read with this very process. One that has exited since: its
            # veth goes with its network (before `docker kill` returns), and its counters
            # are then read inside, where it is found gone.
            if route is not None and route[0] == c.pid:
                groups.setdefault(route[1], (route[2], []))[1].append(c)
            else:
                inside.append(c)
        from_host = tuple((inode, counted, tuple(cs)) for inode, (counted, cs) in groups.items())
        owners: dict[int, tuple[int, ...]] = {}
        for inode, counted, _ in from_host:
            for link in counted:
                owners[link.ifindex] = (*owners.get(link.ifindex, ()), inode)
        self._plan = _Plan(state.containers, routes, from_host, tuple(inside), owners)
        return self._plan

    def _read_inside(
        self,
        c: Container,
        routes: _Routes,
        read: dict[int, tuple[object, NamespaceCounters]],
        last: Mapping[int, tuple[object, NamespaceCounters]],
    ) -> NamespaceCounters:
        """A namespace's counters as ``/proc/<pid>/net/dev`` shows them, once per round."""
        known = self._namespaces.get(c.id)
        # The namespace read with the plumbing of this very process: no stat per round.
        if known is not None and known[0][0] == c.pid:
            inode = known[1].inode
        else:
            inode = os.stat(f"{self.proc}/{c.pid}/ns/net").st_ino
        found = read.get(inode)
        if found is None:
            text = _read_proc(f"{self.proc}/{c.pid}/net/dev")
            before = last.get(inode)
            if before is not None and before[0] == text:
                found = read[inode] = before
            else:
                hosted = routes.dockerd is not None and routes.dockerd[1] == inode
                interfaces = parse_net_dev(text, routes.host_skip if hosted else frozenset())
                found = read[inode] = (text, NamespaceCounters(inode, interfaces))
        return found[1]

    def _dump(self, dockerd: tuple[int, int] | None) -> dict[int, bytes] | None:
        """Every link's counters in dockerd's namespace; None when they cannot be read
        (dockerd gone, a kernel without ``RTM_GETSTATS``): those containers are read inside."""
        with self._socket_lock:
            if self._socket is not None and self._socket[0] != dockerd:
                self._close()
            if dockerd is None or self._dump_refused:
                return None
            try:
                os.kill(dockerd[0], 0)  # a socket kept open would keep its namespace alive
            except ProcessLookupError:
                self._close()
                return None
            except PermissionError:
                pass
            try:
                if self._socket is None:
                    inode, sock = _socket_in(dockerd[0], self.proc)
                    if inode != dockerd[1]:  # another process by that pid, or moved
                        sock.close()
                        return None
                    # Closed with the Kernel at the latest, not left to the collector.
                    self._socket = (dockerd, sock, weakref.finalize(self, sock.close))
                self._seq += 1
                return netlink.stats(self._socket[1], self._seq)
            except NamespaceGone:  # dockerd went meanwhile
                self._close()
                return None
            except OSError as exc:  # the next round opens a fresh socket, or never
                self._dump_refused = exc.errno in (errno.EOPNOTSUPP, errno.EINVAL)
                self._close()
                return None

    def _close(self) -> None:
        if self._socket is not None:
            self._socket[2]()  # closes it
            self._socket = None


def _moved(plan: _Plan, dumped: Mapping[int, bytes] | None, last: _Round) -> set[int] | None:
    """The namespaces (inodes) with a link whose counters are not as in the last round's
    dump of this plan; None when there is no such dump to compare with (every one is)."""
    if dumped is None or last.dumped is None or last.plan is not plan:
        return None
    links = {index for index, _ in dumped.items() - last.dumped.items()}
    owners = plan.owners
    links.update(owners.keys() - dumped.keys())  # gone: theirs are read inside
    return {inode for index in links for inode in owners.get(index, ())}


def _raws(dumped: Mapping[int, bytes], counted: tuple[Counted, ...]) -> tuple[bytes, ...] | None:
    """A namespace's interfaces' raw counters from the dump; None when one is not in it."""
    raws = []
    for link in counted:
        raw = dumped.get(link.ifindex)
        if raw is None:
            return None
        raws.append(raw)
    return tuple(raws)


def remote_view() -> KernelView:
    return KernelView(available=False, reason=REMOTE, remote=True)
