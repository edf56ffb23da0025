"""Everything the model knows of one container, as labelled lines for the detail pane."""

from __future__ import annotations

from datetime import datetime

import humanize

from tui.core.model import Container, Mode, bracketed
from tui.core.namespaces import (
    all_sharers,
    direct_owner,
    effective_endpoints,
    host_mode_addresses,
    mode_of,
    namespace_chain,
    orphaned,
    owner_name,
    sharers,
)
from tui.core.plumbing import in_host_namespace, plugs
from tui.core.rows import format_uptime
from tui.core.state import HostState
from tui.core.traffic import InterfaceTraffic, Traffic, format_bytes, format_rate, sparkline

Line = tuple[str, str]


def _endpoint_lines(state: HostState, container: Container) -> list[Line]:
    lines: list[Line] = []
    for ep in effective_endpoints(state, container):
        parts = []
        if ep.ipv4:
            parts.append(f"{ep.ipv4}/{ep.prefix}" if ep.prefix else ep.ipv4)
        if ep.gateway:
            parts.append(f"gw {ep.gateway}")
        if ep.ipv6:
            parts.append(f"{ep.ipv6}/{ep.ipv6_prefix}" if ep.ipv6_prefix else ep.ipv6)
        if ep.mac:
            parts.append(f"mac {ep.mac}")
        lines.append((f"  {ep.network}", "  ".join(parts) or "no address"))
    for address in host_mode_addresses(state, container):
        lines.append((f"  {address.interface}", f"{address.address}/{address.prefix} (host)"))
    return lines


def _namespace_lines(state: HostState, container: Container) -> list[Line]:
    lines: list[Line] = []
    if container.namespace_ref is not None:
        owner = direct_owner(state, container)
        if owner is None:
            lines.append(("namespace", f"joins {owner_name(state, container)}, which is gone"))
            if container.running:
                lines.append(("", "orphaned: loopback only until it is recreated"))
        else:
            chain = namespace_chain(state, container)
            path = " -> ".join(c.name for c in (container, *chain))
            lines.append(("namespace", f"joins {owner.name}'s ({path})"))
            if not chain[-1].running:
                lines.append(
                    ("", f"{chain[-1].name} is {chain[-1].state}: no network until it runs")
                )
            elif orphaned(state, container):
                lines.append(
                    (
                        "",
                        f"orphaned: {chain[-1].name} was restarted or replaced after "
                        f"{container.name} started, which kept only loopback; restart "
                        f"{container.name} to join again",
                    )
                )
    direct = sharers(state, container)
    if direct:
        everyone = all_sharers(state, container)
        text = ", ".join(c.name for c in direct)
        indirect = len(everyone) - len(direct)
        if indirect:
            text += f" (+{indirect} further down the chain)"
        lines.append(("shared by", text))
    return lines


def _traffic_lines(traffic: Traffic, known: InterfaceTraffic | None) -> list[str]:
    if known is None:
        return []
    c = known.counters
    rates = known.rates
    if rates is not None:
        now = f"rx {format_rate(rates.rx_bps)}  tx {format_rate(rates.tx_bps)}  "
    else:
        now = "counters restarted  " if known.restarted else ""
    lines = [
        f"{now}total rx {format_bytes(c.rx_bytes)} tx {format_bytes(c.tx_bytes)}  "
        f"dropped {c.rx_dropped}/{c.tx_dropped}  errors {c.rx_errors}/{c.tx_errors}"
    ]
    history = traffic.history(known)
    if history:
        rx = sparkline(h[1] for h in history)
        tx = sparkline(h[2] for h in history)
        lines.append(f"last minute rx {rx}  tx {tx}")
    return lines


def _sampled(state: HostState, container_id: str) -> bool:
    return container_id in state.traffic.interfaces or container_id in state.traffic.missing


def _stats_lines(state: HostState, container: Container) -> list[Line]:
    """A remote engine's selected container: its interfaces as the engine's stats name
    them (which network each is on, the engine does not say), their rates and totals."""
    chain = namespace_chain(state, container)
    shared = f"  (shared: {chain[-1].name}'s namespace)" if chain else ""
    lines: list[Line] = [("interfaces", f"from the engine's stats (a remote engine){shared}")]
    missing = state.traffic.missing.get(container.id)
    if missing:
        lines.append(("", f"counters: {missing}"))
    found = state.traffic.of(container.id)
    if not found and not missing:
        host = mode_of(state, container) == Mode.HOST
        lines.append(
            ("", "the host's, which the engine does not report" if host else "none reported")
        )
    for name, known in sorted(found.items()):
        lines.append((f"  {name}", ""))
        lines.extend(("", line) for line in _traffic_lines(state.traffic, known))
    return lines


def interface_lines(state: HostState, container: Container) -> list[Line]:
    """Each interface of a running container's namespace: network, veth peer, bridge,
    rates, totals, drops and the last minute; or why the kernel could not tell."""
    if not container.running:
        return []
    kernel = state.kernel
    if kernel.remote and _sampled(state, container.id):
        return _stats_lines(state, container)
    if not kernel.available:
        return [("interfaces", f"n/a: {kernel.reason}")] if kernel.reason else []
    if container.id in kernel.unreadable:
        return [("interfaces", kernel.unreadable[container.id])]
    found = plugs(state, container)
    if not found:
        return []
    shared = ""
    chain = namespace_chain(state, container)
    if chain:
        shared = f"(shared: {chain[-1].name}'s namespace)"
    elif in_host_namespace(state, container):
        shared = "(the host's)"
    lines: list[Line] = [("interfaces", shared)]
    missing = state.traffic.missing.get(container.id)
    if missing:
        lines.append(("", f"counters: {missing}"))
    if len(found) > 1:  # loopback, unless it is all there is (none mode)
        found = tuple(p for p in found if p.interface.name != "lo")
    for plug in found:
        where = [plug.endpoint.network if plug.endpoint else ""]
        if plug.host_interface is not None:
            where.append(f"veth peer {plug.host_interface.name}")
        if plug.bridge is not None:
            where.append(f"bridge {plug.bridge.name}")
        if plug.parent is not None:
            where.append(f"{plug.interface.kind} on {plug.parent.name}")
        kind = plug.interface.kind or ("loopback" if plug.interface.name == "lo" else "-")
        head = "  ".join(w for w in where if w) or kind
        lines.append((f"  {plug.interface.name}", head))
        known = state.traffic.get(container.id, plug.interface.name)
        lines.extend(("", line) for line in _traffic_lines(state.traffic, known))
    return lines


def state_words(container: Container, now: datetime) -> str:
    """``running, up 5 minutes``; ``exited (137, OOMKilled), 2 hours ago``, as ``docker ps``."""
    status = container.state
    uptime = format_uptime(container, now)
    if uptime:
        return f"{status}, up {uptime}"
    if container.exit_code is not None:
        status += f" ({container.exit_code}{', OOMKilled' if container.oom_killed else ''})"
    if container.finished_at is not None:
        status += f", {humanize.naturaltime(now - container.finished_at)}"
    return status


def describe(state: HostState, container: Container, now: datetime) -> list[Line]:
    mode = mode_of(state, container)
    lines: list[Line] = [
        ("container", f"{container.name}  {container.short_id}"),
        ("image", container.image),
        ("state", state_words(container, now)),
        ("mode", f"{mode}  (NetworkMode: {container.network_mode})"),
    ]
    if container.error:
        lines.append(("error", container.error))
    if container.command or container.entrypoint:
        lines.append(("command", " ".join((*container.entrypoint, *container.command))))
    lines.extend(_namespace_lines(state, container))
    endpoint_lines = _endpoint_lines(state, container)
    if endpoint_lines:
        lines.append(("networks", "" if mode != Mode.CONTAINER else "(those of the namespace)"))
        lines.extend(endpoint_lines)
    if container.ports:
        word = "bound" if container.running else "configured (applies at start)"
        lines.append(("ports", word))
        for p in container.ports:
            host = bracketed(p.host_ip)
            lines.append(
                (
                    "",
                    f"{host}:{p.host_port or 'auto'} -> {p.container_port}/{p.proto}"
                    + ("  (dynamic)" if p.dynamic else "  (fixed)"),
                )
            )
    if container.unpublished:
        lines.append(("exposed", ", ".join(container.unpublished) + "  (not published)"))
    lines.extend(interface_lines(state, container))
    return lines
