"""The host's network plumbing as a tree, as the seed article draws it.

host
├── docker0 172.17.0.1/16 (network bridge)
│   └── veth1a2b3c ↔ web eth0 172.17.0.2 02:42:ac:11:00:02
│       └── side (container mode: web's namespace)
├── eth0 (parent of macvlan)
│   └── mac1 eth0 192.168.1.20
├── host network namespace
│   └── monitor
└── isolated
    └── batch

Pure: built from the state (engine facts, the kernel's view, the rates). Keys are stable
paths, so a widget can update the tree in place and keep the cursor where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tui.core.describe import interface_lines
from tui.core.model import Container, Mode
from tui.core.namespaces import direct_owner, mode_of, owner_name, sharer_index
from tui.core.plumbing import Plug, bridges, plugs
from tui.core.state import HostState
from tui.core.traffic import format_rate

Line = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the tree: a stable key, a one-line label, the lines its details show."""

    key: str
    label: str
    detail: tuple[Line, ...] = ()
    children: tuple[Node, ...] = ()
    container_id: str | None = None
    """A container's node: its details are computed when shown (``details``)."""


def _rates(state: HostState, container: Container, plug: Plug) -> str:
    known = state.traffic.get(container.id, plug.interface.name)
    if known is None or known.rates is None:
        return ""
    return f"  rx {format_rate(known.rates.rx_bps)} tx {format_rate(known.rates.tx_bps)}"


def details(state: HostState, node: Node) -> tuple[Line, ...]:
    """What a node's detail pane shows; a container's, from the state of the moment (built
    for the selected node only, not for every node of every sample)."""
    container = state.containers.get(node.container_id or "")
    if container is None:
        return node.detail
    return (
        ("container", f"{container.name}  {container.short_id}"),
        ("mode", mode_of(state, container)),
        *interface_lines(state, container),
    )


def _joiners(
    state: HostState, owner: Container, key: str, index: Mapping[str, tuple[Container, ...]]
) -> tuple[Node, ...]:
    """The running containers that join ``owner``'s namespace, and theirs, down the chain."""
    return tuple(
        Node(
            f"{key}/{c.id}",
            f"{c.name} (container mode: {owner.name}'s namespace)",
            children=_joiners(state, c, f"{key}/{c.id}", index),
            container_id=c.id,
        )
        for c in index.get(owner.id, ())
        if c.running
    )


def _plug_label(state: HostState, container: Container, plug: Plug) -> str:
    iface = plug.interface
    parts = [container.name, iface.name]
    if plug.endpoint is not None:
        parts.extend(x for x in (plug.endpoint.ipv4, plug.endpoint.mac) if x)
    return " ".join(parts) + _rates(state, container, plug)


def topology(state: HostState) -> Node:
    """The tree of the running containers' plumbing, under the host."""
    running = sorted((c for c in state.containers.values() if c.running), key=lambda c: c.name)
    index = sharer_index(state)
    owners = [c for c in running if c.namespace_ref is None]
    kernel = state.kernel
    children: list[Node] = []
    if not kernel.available or kernel.reason:
        children.append(Node("kernel", f"plumbing not shown: {kernel.reason}"))
    by_bridge: dict[int, list[Node]] = {}
    by_parent: dict[str, list[Node]] = {}
    host_mode: list[Node] = []
    isolated: list[Node] = []
    for c in running:
        if c.namespace_ref is not None and direct_owner(state, c) is None:
            # The namespace it joined is gone with its owner: loopback is all it has.
            gone = owner_name(state, c)
            isolated.append(Node(f"container/{c.id}", f"{c.name} (its namespace's owner {gone} "
                                 "is gone)", container_id=c.id))  # fmt: skip
    for c in owners:
        mode = mode_of(state, c)
        key = f"container/{c.id}"
        if mode == Mode.HOST:
            host_mode.append(Node(key, c.name, children=_joiners(state, c, key, index),
                                  container_id=c.id))  # fmt: skip
            continue
        if mode == Mode.NONE:
            joined = _joiners(state, c, key, index)
            isolated.append(Node(key, f"{c.name} (lo only)", children=joined, container_id=c.id))
            continue
        for plug in plugs(state, c):
            if plug.interface.name == "lo":
                continue
            plug_key = f"{key}/{plug.interface.name}"
            joined = _joiners(state, c, plug_key, index)
            label = _plug_label(state, c, plug)
            if plug.bridge is not None and plug.host_interface is not None:
                node = Node(plug_key, f"{plug.host_interface.name} ↔ {label}",
                            children=joined, container_id=c.id)  # fmt: skip
                by_bridge.setdefault(plug.bridge.index, []).append(node)
            elif plug.parent is not None:
                node = Node(plug_key, f"{label} ({plug.interface.kind})",
                            children=joined, container_id=c.id)  # fmt: skip
                by_parent.setdefault(plug.parent.name, []).append(node)
    for bridge in bridges(state):
        iface = bridge.interface
        addresses = " ".join(a for a in iface.addresses if not a.startswith("fe80:"))
        network = f"(network {bridge.network.name})" if bridge.network else "(no docker network)"
        detail: tuple[Line, ...] = (
            ("bridge", f"{iface.name}  ifindex {iface.index}  mac {iface.mac or '-'}"),
            ("addresses", " ".join(iface.addresses) or "none"),
            ("network", bridge.network.name if bridge.network else "none of the engine's"),
            ("ports", ", ".join(p.name for p in bridge.ports) or "none"),
        )
        label = " ".join(x for x in (iface.name, addresses, network) if x)
        children.append(Node(f"bridge/{iface.name}", label, detail,
                             tuple(by_bridge.get(iface.index, ()))))  # fmt: skip
    for parent, nodes in sorted(by_parent.items()):
        children.append(Node(f"parent/{parent}", f"{parent} (parent of macvlan/ipvlan)",
                             (("interface", parent),), tuple(nodes)))  # fmt: skip
    if host_mode:
        children.append(Node("host-namespace", "host network namespace",
                             (("", "containers in host mode: the host's own interfaces"),),
                             tuple(host_mode)))  # fmt: skip
    if isolated:
        children.append(Node("isolated", "isolated",
                             (("", "containers in none mode: loopback only"),),
                             tuple(isolated)))  # fmt: skip
    engine = state.engine
    title = f"host {engine.name}" if engine and engine.name else "host"
    detail = (
        ("engine", engine.endpoint if engine else ""),
        ("running", f"{len(running)} of {len(state.containers)} containers"),
    )
    return Node("host", title, detail, tuple(children))
