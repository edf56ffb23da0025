"""The container table's cells, as text: one function for the TUI and the plain table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import humanize

from tui.core.model import Container, Mode, PortBinding, bracketed
from tui.core.namespaces import (
    direct_owner,
    effective_endpoints,
    host_mode_addresses,
    mode_of,
    namespace_chain,
    on_user_network,
    orphaned,
    owner_name,
)
from tui.core.state import HostState
from tui.core.traffic import format_rate, total

COLUMNS = ("NAME", "STATE", "MODE", "NETWORKS", "IPV4", "MAC", "PORTS", "NAMESPACE", "UP")
_WILDCARDS = ("0.0.0.0", "::")


class ContainerRow(NamedTuple):
    name: str
    state: str
    mode: str
    networks: str
    ipv4: str
    mac: str
    ports: str
    namespace: str
    up: str


def _collapse(
    ports: Iterable[PortBinding],
) -> list[tuple[str, int | None, int | None, int, int, str]]:
    """Group runs of consecutive ports, as ``docker ps`` does (9000-9001->9000-9001/tcp)."""
    runs: list[tuple[str, int | None, int | None, int, int, str]] = []
    for p in sorted(ports, key=lambda p: (p.host_ip, p.proto, p.container_port)):
        if runs:
            ip, h0, h1, c0, c1, proto = runs[-1]
            if (
                ip == p.host_ip
                and proto == p.proto
                and c1 + 1 == p.container_port
                and h1 is not None
                and p.host_port == h1 + 1
            ):
                runs[-1] = (ip, h0, p.host_port, c0, p.container_port, proto)
                continue
        runs.append(
            (p.host_ip, p.host_port, p.host_port, p.container_port, p.container_port, p.proto)
        )
    return runs


def _span(a: int | None, b: int | None) -> str:
    if a is None:
        return "auto"
    return str(a) if a == b else f"{a}-{b}"


@lru_cache(maxsize=4096)
def format_ports(container: Container) -> str:
    """Compact bindings: ``0.0.0.0:32769->80/tcp``; the ``::`` twin of a v4 wildcard is folded
    in; configured (not running) bindings end in ``*``; unpublished exposed ports follow."""
    bindings = [
        p
        for p in container.ports
        if not (
            p.host_ip == "::"
            and any(
                q.host_ip == "0.0.0.0"
                and q.host_port == p.host_port
                and q.container_port == p.container_port
                and q.proto == p.proto
                for q in container.ports
            )
        )
    ]
    parts = []
    for ip, h0, h1, c0, c1, proto in _collapse(bindings):
        host = _span(h0, h1)
        parts.append(
            f"{bracketed(ip)}:{host}->{_span(c0, c1)}/{proto}" + ("" if container.running else "*")
        )
    parts.extend(container.unpublished)
    return ", ".join(parts)


def abbreviate(listing: str, width: int) -> str:
    """Keep the items of a ``, ``-separated list that fit in ``width``, then ``+N``."""
    if len(listing) <= width:
        return listing
    items = listing.split(", ")
    for keep in range(len(items) - 1, 0, -1):
        text = ", ".join(items[:keep]) + f" +{len(items) - keep}"
        if len(text) <= width:
            return text
    return items[0] + (f" +{len(items) - 1}" if len(items) > 1 else "")


def format_uptime(container: Container, now: datetime) -> str:
    if container.started_at is None or not container.running:
        return ""
    return humanize.naturaldelta(now - container.started_at)


def namespace_cell(state: HostState, container: Container, sharer_counts: Mapping[str, int]) -> str:
    """``-> owner`` for a container-mode container; ``shared by N`` for an owner."""
    if container.namespace_ref is not None:
        owner = direct_owner(state, container)
        if owner is None:
            return f"-> {owner_name(state, container)} (gone)"
        return f"-> {owner.name}" + (" (orphaned)" if orphaned(state, container) else "")
    count = sharer_counts.get(container.id, 0)
    return f"shared by {count}" if count else ""


def container_row(
    state: HostState, container: Container, now: datetime, sharer_counts: Mapping[str, int]
) -> ContainerRow:
    mode = mode_of(state, container)
    endpoints = effective_endpoints(state, container)
    addresses = [ep.ipv4 for ep in endpoints if ep.ipv4]
    if not addresses and mode in (Mode.HOST, Mode.CONTAINER):
        addresses = [
            a.address
            for a in host_mode_addresses(state, container)
            if a.family == "inet" and not a.address.startswith("127.")
        ]
    macs = [ep.mac for ep in endpoints if ep.mac]
    networks = ", ".join(ep.network for ep in container.endpoints) or (
        ""
        if container.namespace_ref is None
        else "(loopback only)"
        if orphaned(state, container)
        else "(shared)"
    )
    return ContainerRow(
        name=container.name,
        state=container.state,
        mode=mode,
        networks=networks,
        ipv4=addresses[0] + (f" +{len(addresses) - 1}" if len(addresses) > 1 else "")
        if addresses
        else "",
        mac=macs[0] if macs else "",
        ports=format_ports(container),
        namespace=namespace_cell(state, container, sharer_counts),
        up=format_uptime(container, now),
    )


def row_inputs(state: HostState, container: Container) -> tuple[object, ...]:
    """What ``container_row`` reads besides the container, the clock and the sharer count:
    the owners it joins, the networks (a user network's driver is its mode), the host's
    addresses (host mode). The state replaces these parts and never changes them in place,
    so a row built from the very same objects is still true."""
    chain = namespace_chain(state, container)
    root = chain[-1] if chain else container
    return (
        *chain,
        state.networks if on_user_network(root) else None,
        state.host if root.network_mode == "host" else None,
    )


class RateCells(NamedTuple):
    rx: str
    tx: str
    bps: float
    """rx + tx bytes/s, for sorting by traffic (-1 when there is no rate)."""
    shared: bool
    """The rates of another container's namespace (container mode)."""


def rate_cells(state: HostState, container: Container) -> RateCells:
    """RX and TX of a container's interfaces (loopback aside), or a word saying why not:
    ``remote`` engine (but for the one container whose stats the engine is asked for),
    ``n/a`` (not readable), ``exited``, ``reset`` (counters restarted), ``…`` (a second
    sample is needed)."""
    shared = container.namespace_ref is not None
    if not container.running:
        return RateCells("", "", -1.0, shared)
    kernel, traffic = state.kernel, state.traffic
    word = ""
    if not kernel.available and not (kernel.remote and container.id in traffic.interfaces):
        # No reason: not read yet.
        word = "remote" if kernel.remote else ("n/a" if kernel.reason else "")
    elif container.id in kernel.unreadable or (
        container.id in traffic.missing and "exited" not in traffic.missing[container.id]
    ):
        word = "n/a"
    elif container.id in traffic.missing:
        word = "exited"
    else:
        mine = [t for name, t in traffic.of(container.id).items() if name != "lo"]
        summed = total(mine)
        if summed is not None:
            rx, tx = summed
            return RateCells(format_rate(rx), format_rate(tx), rx + tx, shared)
        if not mine and container.id in traffic.interfaces:
            word = "-"  # loopback only (none mode)
        else:
            word = "reset" if any(t.restarted for t in mine) else ("…" if traffic.samples else "")
    return RateCells(word, word, -1.0, shared)
