"""A minimal rtnetlink reader: the links, addresses and counters of the namespace a socket
was opened in.

Why not pyroute2: it decodes every attribute of every link (statistics, queues, XDP...),
33 ms per namespace here, 8 s for 250 containers; this asks the same two dumps
(``RTM_GETLINK``, ``RTM_GETADDR``) and decodes only the seven attributes netdock reads,
well under a millisecond per namespace. The counters of every link come from one
``RTM_GETSTATS`` dump that asks for the 64-bit counters alone (fixed-size binary, no
text to parse): a fifth of a millisecond for 250 links. The layout is the kernel's uapi
(``linux/netlink.h``, ``linux/rtnetlink.h``, ``linux/if_link.h``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_ROUTE = 0
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
RTM_NEWSTATS, RTM_GETSTATS = 92, 94
IFLA_STATS_LINK_64 = 1
IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_MASTER = 1, 3, 5, 10
IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_LINK_NETNSID = 18, 1, 37
IFA_ADDRESS, IFA_LOCAL = 1, 2
NLA_TYPE_MASK = 0x3FFF  # without the nested / byte-order flags

_HEADER = struct.Struct("=IHHII")  # nlmsghdr: len, type, flags, seq, pid
_IFINFO = struct.Struct("=BxHiII")  # ifinfomsg: family, type, index, flags, change
_IFADDR = struct.Struct("=BBBBI")  # ifaddrmsg: family, prefixlen, flags, scope, index
_ATTR = struct.Struct("=HH")
_IFSTATS = struct.Struct("=BxxxII")  # if_stats_msg: family, pad, ifindex, filter_mask
_STATS64 = struct.Struct("=16Q")  # the first 16 counters of rtnl_link_stats64
# A stats message up to its first attribute's value: header, if_stats_msg, attribute.
_STATS_MESSAGE = struct.Struct("=IHHII" + "BxxxII" + "HH")


@dataclass(frozen=True, slots=True)
class RawLink:
    index: int
    name: str
    kind: str
    mac: str | None
    link: int | None
    link_netnsid: int | None
    master: int | None


def _attributes(data: bytes, offset: int, end: int) -> Iterator[tuple[int, bytes]]:
    while offset + _ATTR.size <= end:
        length, kind = _ATTR.unpack_from(data, offset)
        if length < _ATTR.size:
            return
        yield kind & NLA_TYPE_MASK, data[offset + _ATTR.size : offset + length]
        offset += (length + 3) & ~3


def _dump(sock: socket.socket, kind: int, body: bytes) -> Iterator[tuple[int, bytes]]:
    """Each message of one dump request: (message type, payload after the header)."""
    sock.send(_HEADER.pack(_HEADER.size + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
              + body)  # fmt: skip
    while True:
        data = sock.recv(1 << 16)
        offset = 0
        while offset + _HEADER.size <= len(data):
            length, message, _, _, _ = _HEADER.unpack_from(data, offset)
            if length < _HEADER.size:
                return
            if message == NLMSG_DONE:
                return
            if message == NLMSG_ERROR:
                (code,) = struct.unpack_from("=i", data, offset + _HEADER.size)
                raise OSError(-code, f"netlink dump refused ({-code})")
            yield message, data[offset + _HEADER.size : offset + length]
            offset += (length + 3) & ~3


def _mac(value: bytes) -> str | None:
    if len(value) != 6 or not any(value):
        return None
    return ":".join(f"{b:02x}" for b in value)


def _u32(value: bytes) -> int:
    return int(struct.unpack_from("=I", value)[0])


def links(sock: socket.socket) -> list[RawLink]:
    found = []
    for message, payload in _dump(sock, RTM_GETLINK, _IFINFO.pack(0, 0, 0, 0, 0)):
        if message != RTM_NEWLINK:
            continue
        _, _, index, _, _ = _IFINFO.unpack_from(payload)
        name, kind, mac = "", "", None
        link = netnsid = master = None
        for attr, value in _attributes(payload, _IFINFO.size, len(payload)):
            if attr == IFLA_IFNAME:
                name = value.split(b"\0", 1)[0].decode(errors="replace")
            elif attr == IFLA_ADDRESS:
                mac = _mac(value)
            elif attr == IFLA_LINK:
                link = _u32(value)
            elif attr == IFLA_MASTER:
                master = _u32(value)
            elif attr == IFLA_LINK_NETNSID:
                netnsid = struct.unpack_from("=i", value)[0]
            elif attr == IFLA_LINKINFO:
                for inner, data in _attributes(value, 0, len(value)):
                    if inner == IFLA_INFO_KIND:
                        kind = data.split(b"\0", 1)[0].decode(errors="replace")
        found.append(RawLink(index, name, kind, mac, link, netnsid, master))
    return found


def addresses(sock: socket.socket) -> dict[int, list[str]]:
    """Interface index -> ``172.17.0.1/16``, as ``ip addr`` lists them."""
    found: dict[int, list[str]] = {}
    for message, payload in _dump(sock, RTM_GETADDR, _IFADDR.pack(0, 0, 0, 0, 0)):
        if message != RTM_NEWADDR:
            continue
        family, prefix, _, _, index = _IFADDR.unpack_from(payload)
        values = dict(_attributes(payload, _IFADDR.size, len(payload)))
        raw = values.get(IFA_LOCAL) or values.get(IFA_ADDRESS)
        if raw is None or family not in (socket.AF_INET, socket.AF_INET6):
            continue
        found.setdefault(index, []).append(f"{ipaddress.ip_address(raw)}/{prefix}")
    return found


def stats(sock: socket.socket, seq: int) -> dict[int, bytes]:
    """Interface index -> its ``rtnl_link_stats64`` (the first 16 counters, raw: read them
    with ``counters``; a link whose bytes did not change has nothing new), for every link
    of the socket's namespace, in one dump. ``seq`` tells this dump's answers from any
    that an earlier, interrupted one left in the socket."""
    request = _IFSTATS.pack(0, 0, 1 << (IFLA_STATS_LINK_64 - 1))
    sock.send(_HEADER.pack(_HEADER.size + len(request), RTM_GETSTATS,
                           NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + request)  # fmt: skip
    found: dict[int, bytes] = {}
    unpack_header, unpack_message = _HEADER.unpack_from, _STATS_MESSAGE.unpack_from
    whole = _ATTR.size + _STATS64.size
    while True:
        data = sock.recv(1 << 16)
        offset, end = 0, len(data)
        while offset + _HEADER.size <= end:
            length, message, _, answer, _ = unpack_header(data, offset)
            if length < _HEADER.size:
                raise OSError(errno.EPROTO, "netlink: a truncated message")
            if answer != seq:
                pass
            elif message == RTM_NEWSTATS and length >= _STATS_MESSAGE.size + _STATS64.size:
                # The one attribute asked for comes first: no walk over attributes.
                *_, index, _, size, kind = unpack_message(data, offset)
                if kind == IFLA_STATS_LINK_64 and size >= whole:
                    first = offset + _STATS_MESSAGE.size
                    found[index] = data[first : first + _STATS64.size]
            elif message == NLMSG_DONE:
                return found
            elif message == NLMSG_ERROR:
                (code,) = struct.unpack_from("=i", data, offset + _HEADER.size)
                raise OSError(-code, f"netlink stats dump refused ({-code})")
            offset += (length + 3) & ~3


def counters(raw: bytes) -> tuple[int, ...]:
    """What ``stats`` gives for a link: rx/tx packets, bytes, errors, dropped, then
    multicast, collisions, and six kinds of rx errors, the last one ``rx_missed_errors``."""
    return _STATS64.unpack(raw)


def open_route_socket() -> socket.socket:
    """A NETLINK_ROUTE socket, in the calling thread's current network namespace."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    sock.bind((0, 0))
    return sock
