"""The ``netdock snapshot --json`` document: the state, in the documented shape."""

from __future__ import annotations

from datetime import datetime
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from tui.core.model import Container, Endpoint, Network, Subnet
from tui.core.namespaces import (
    effective_endpoints,
    mode_of,
    namespace_root,
    orphaned,
    owner_name,
)
from tui.core.plumbing import bridges, plug_of, plugs
from tui.core.state import HostState


def _endpoint(state: HostState, c: Container, ep: Endpoint) -> dict[str, Any]:
    plug = plug_of(state, c, ep)
    known = state.traffic.get(c.id, plug.interface.name) if plug else None
    return {
        "name": ep.network,
        "ipv4": ep.ipv4,
        "prefix": ep.prefix,
        "gateway": ep.gateway,
        "ipv6": ep.ipv6,
        "mac": ep.mac,
        "interface": plug.interface.name if plug else None,
        "host_interface": plug.host_interface.name if plug and plug.host_interface else None,
        "bridge": plug.bridge.name if plug and plug.bridge else None,
        "counters": known.counters._asdict() if known else None,
    }


def container_entry(state: HostState, c: Container) -> dict[str, Any]:
    """One container of the document."""
    root = namespace_root(state, c)
    return {
        "id": c.id,
        "name": c.name,
        "image": c.image,
        "state": c.state,
        "mode": mode_of(state, c),
        "network_mode": c.network_mode,
        "shares_namespace_with": owner_name(state, c),
        "namespace_root": root.name if root is not c else None,
        "namespace_orphaned": orphaned(state, c),
        "networks": [_endpoint(state, c, ep) for ep in effective_endpoints(state, c)],
        "ports": [
            {
                "host_ip": p.host_ip,
                "host_port": p.host_port,
                "container_port": p.container_port,
                "proto": p.proto,
                "bound": p.bound,
            }
            for p in c.ports
        ],
        "exposed": list(c.exposed),
        "started_at": c.started_at.isoformat().replace("+00:00", "Z") if c.started_at else None,
    }


def attachments(state: HostState, network: Network) -> list[tuple[Container, Endpoint]]:
    """Each container with an endpoint of its own on the network (not via a shared
    namespace), by name."""
    return sorted(
        (
            (c, ep)
            for c in state.containers.values()
            for ep in c.endpoints
            if ep.network_id == network.id or ep.network == network.name
        ),
        key=lambda pair: pair[0].name,
    )


def attached_names(state: HostState, network: Network) -> list[str]:
    return [c.name for c, _ in attachments(state, network)]


def gateway_of(state: HostState, network: Network, subnet: Subnet) -> str | None:
    """The subnet's gateway; the default bridge reports none in IPAM, its endpoints do."""
    if subnet.gateway:
        return subnet.gateway
    for c in state.containers.values():
        for ep in c.endpoints:
            if (
                ep.network_id == network.id
                and ep.gateway
                and ep.prefix is not None
                and (found := _net(f"{ep.gateway}/{ep.prefix}")) is not None
                and found == _net(subnet.subnet)
            ):
                return ep.gateway
    return None


def _net(subnet: str) -> IPv4Network | IPv6Network | None:
    try:
        return ip_network(subnet, strict=False)
    except ValueError:
        return None


def _network(state: HostState, n: Network) -> dict[str, Any]:
    return {
        "name": n.name,
        "id": n.id,
        "driver": n.driver,
        "scope": n.scope,
        "subnets": [{"subnet": s.subnet, "gateway": gateway_of(state, n, s)} for s in n.subnets],
        "containers": attached_names(state, n),
    }


def snapshot_document(state: HostState) -> dict[str, Any]:
    engine = state.engine
    return {
        "engine": {
            "endpoint": engine.endpoint if engine else "",
            "version": engine.version if engine else "",
            "api_version": engine.api_version if engine else "",
            "local": engine.local if engine else False,
        },
        "containers": [
            container_entry(state, c)
            for c in sorted(state.containers.values(), key=lambda c: c.name)
        ],
        "networks": [
            _network(state, n) for n in sorted(state.networks.values(), key=lambda n: n.name)
        ],
        "bridges": [
            {
                "name": b.interface.name,
                "network": b.network.name if b.network else None,
                "addresses": list(b.interface.addresses),
                "interfaces": [port.name for port in b.ports],
            }
            for b in bridges(state)
        ],
    }


def traffic_document(state: HostState, time: datetime) -> dict[str, Any]:
    """One sample of ``netdock traffic --json``: each running container's interfaces (not
    loopback) with their rates; null rates before a second sample or after a restart."""
    containers = []
    for c in sorted(state.containers.values(), key=lambda c: c.name):
        if not c.running:
            continue
        interfaces = []
        for plug in plugs(state, c):
            if plug.interface.name == "lo":
                continue
            known = state.traffic.get(c.id, plug.interface.name)
            rates = known.rates if known else None
            interfaces.append(
                {
                    "interface": plug.interface.name,
                    "network": plug.endpoint.network if plug.endpoint else None,
                    "host_interface": plug.host_interface.name if plug.host_interface else None,
                    "rx_bps": round(rates.rx_bps, 1) if rates else None,
                    "tx_bps": round(rates.tx_bps, 1) if rates else None,
                    "rx_pps": round(rates.rx_pps, 1) if rates else None,
                    "tx_pps": round(rates.tx_pps, 1) if rates else None,
                    "rx_dropped": rates.rx_dropped if rates else None,
                    "tx_dropped": rates.tx_dropped if rates else None,
                }
            )
        containers.append({"name": c.name, "interfaces": interfaces})
    return {"time": time.isoformat().replace("+00:00", "Z"), "containers": containers}
