"""Plumbing, topology and the documents, from a kernel view built by hand (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from tui.core.describe import interface_lines
from tui.core.document import snapshot_document, traffic_document
from tui.core.model import (
    Container,
    Counters,
    CounterSample,
    Endpoint,
    KernelView,
    NamespaceCounters,
    NetInterface,
    Netns,
    Network,
    Subnet,
)
from tui.core.plumbing import Counted, bridges, counted_in_host, plugs
from tui.core.state import ContainerSeen, CountersSampled, HostState, KernelSeen, reduce
from tui.core.topology import Node, details, topology

LO = NetInterface(1, "lo")


def veth(index: int, name: str, peer: int, mac: str, master: int | None = None) -> NetInterface:
    return NetInterface(index, name, "veth", mac, peer, True, master)


HOST = Netns(1, (
    LO,
    NetInterface(2, "eth0", "", "52:54:00:00:00:01", addresses=("192.0.2.10/24",)),
    NetInterface(3, "docker0", "bridge", "02:42:00:00:00:03", addresses=("172.17.0.1/16",)),
    NetInterface(4, "br-front", "bridge", "02:42:00:00:00:04", addresses=("10.1.0.1/24",)),
    NetInterface(5, "br-back", "bridge", "02:42:00:00:00:05", addresses=("10.2.0.1/24",)),
    veth(20, "vethA", 10, "aa:00:00:00:00:20", master=3),
    veth(21, "vethB", 11, "aa:00:00:00:00:21", master=4),
    veth(22, "vethC", 12, "aa:00:00:00:00:22", master=5),
    veth(23, "vethX", 77, "aa:00:00:00:00:23", master=3),
))  # fmt: skip
WEB_NS = Netns(100, (LO, veth(10, "eth0", 20, "02:42:ac:11:00:02")))
TWO_NS = Netns(101, (LO, veth(11, "eth0", 21, "02:42:0a:01:00:02"),
                     veth(12, "eth1", 22, "02:42:0a:02:00:02")))  # fmt: skip
MAC_NS = Netns(102, (LO, NetInterface(13, "eth0", "macvlan", "02:42:c0:00:02:63", 2, True)))
# A veth whose index names a host interface that does not point back: no peer, no bridge.
STRAY_NS = Netns(104, (LO, veth(14, "eth0", 21, "02:42:ac:11:00:09")))
NONE_NS = Netns(103, (LO,))


def container(cid: str, mode: str, *endpoints: Endpoint, ref: str | None = None) -> Container:
    return Container(id=cid, name=cid, image="i", state="running", network_mode=mode,
                     endpoints=endpoints, namespace_ref=ref, pid=1000 + len(cid))  # fmt: skip


def ep(network: str, ipv4: str, mac: str) -> Endpoint:
    return Endpoint(network, network_id=network, ipv4=ipv4, prefix=24, mac=mac)


CONTAINERS = (
    container("web", "default", ep("bridge", "172.17.0.2", "02:42:ac:11:00:02")),
    container("side", "container:web", ref="web"),
    container(
        "two",
        "front",
        ep("front", "10.1.0.2", "02:42:0a:01:00:02"),
        ep("back", "10.2.0.2", "02:42:0a:02:00:02"),
    ),
    container("mac", "lan", ep("lan", "192.0.2.99", "02:42:c0:00:02:63")),
    container("hostc", "host", Endpoint("host", network_id="host")),
    container("nonec", "none", Endpoint("none", network_id="none")),
    container("stray", "default", ep("bridge", "172.17.0.9", "02:42:ac:11:00:09")),
)
NETWORKS = (
    Network("bridge", "bridge", "bridge", "local", (Subnet("172.17.0.0/16"),)),
    Network("front", "front", "bridge", "local", (Subnet("10.1.0.0/24", "10.1.0.1"),)),
    Network("back", "back", "bridge", "local", (Subnet("10.2.0.0/24", "10.2.0.1"),)),
    Network("lan", "lan", "macvlan", "local", (Subnet("192.0.2.0/24", "192.0.2.1"),)),
    Network("host", "host", "host", "local"),
    Network("none", "none", "null", "local"),
)
NAMESPACES = {"web": WEB_NS, "side": WEB_NS, "two": TWO_NS, "mac": MAC_NS, "hostc": HOST,
              "nonec": NONE_NS, "stray": STRAY_NS}  # fmt: skip


def counters(rx: int, tx: int) -> dict[str, Counters]:
    return {"lo": Counters(), "eth0": Counters(rx_bytes=rx, tx_bytes=tx)}


def the_state() -> HostState:
    state = HostState(
        containers=MappingProxyType({c.id: c for c in CONTAINERS}),
        networks=MappingProxyType({n.id: n for n in NETWORKS}),
    )
    view = KernelView(available=True, host=HOST, namespaces=MappingProxyType(NAMESPACES))
    state = reduce(state, KernelSeen(view))
    for t, rx in ((1.0, 1000), (2.0, 1_201_000)):
        web = NamespaceCounters(100, counters(rx, rx // 2))
        sample = CounterSample(t, MappingProxyType({"web": web, "side": web}))
        state = reduce(state, CountersSampled(sample))
    return state


def names(state: HostState, cid: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return [
        (p.interface.name, p.endpoint.network if p.endpoint else None,
         p.host_interface.name if p.host_interface else None,
         (p.bridge or p.parent).name if (p.bridge or p.parent) else None)
        for p in plugs(state, state.containers[cid])
    ]  # fmt: skip


def test_each_interface_leads_where_the_kernel_says():
    state = the_state()
    assert names(state, "web") == [("lo", None, None, None), ("eth0", "bridge", "vethA", "docker0")]
    assert names(state, "side") == names(state, "web")
    assert names(state, "two")[1:] == [("eth0", "front", "vethB", "br-front"),
                                       ("eth1", "back", "vethC", "br-back")]  # fmt: skip
    assert names(state, "mac")[1:] == [("eth0", "lan", None, "eth0")]
    assert [n[0] for n in names(state, "hostc")] == ["lo", "eth0", "docker0", "br-front",
                                                     "br-back"]  # fmt: skip
    assert names(state, "nonec") == [("lo", None, None, None)]
    # vethB is two's peer, not stray's: an index alone is not enough.
    assert names(state, "stray")[1] == ("eth0", "bridge", None, None)


def test_what_one_dump_in_dockerds_namespace_counts():
    # A veth's interface by its host end, turned round; loopback aside.
    assert counted_in_host(HOST, WEB_NS) == (Counted("eth0", 20, True),)
    assert counted_in_host(HOST, TWO_NS) == (Counted("eth0", 21, True), Counted("eth1", 22, True))
    # Host mode: the host's own interfaces, not the containers' veth ends.
    assert [c.name for c in counted_in_host(HOST, HOST)] == ["lo", "eth0", "docker0", "br-front",
                                                             "br-back"]  # fmt: skip
    assert not any(c.peer for c in counted_in_host(HOST, HOST))
    # No host end to count from: read inside (a macvlan, loopback alone, a stray index).
    assert counted_in_host(HOST, MAC_NS) is None
    assert counted_in_host(HOST, NONE_NS) is None
    assert counted_in_host(HOST, STRAY_NS) is None
    # One interface without a host end is enough: the namespace is read inside, whole.
    mixed = Netns(105, (*TWO_NS.interfaces, NetInterface(30, "dummy0", "dummy")))
    assert counted_in_host(HOST, mixed) is None


def test_bridges_name_their_network_and_ports():
    found = {b.interface.name: b for b in bridges(the_state())}
    assert found["docker0"].network.name == "bridge"
    assert [p.name for p in found["docker0"].ports] == ["vethA", "vethX"]
    assert found["br-front"].network.name == "front"
    assert found["br-back"].network.name == "back"  # by its address: no endpoint needed


def test_the_snapshot_document_gains_the_plumbing():
    document = snapshot_document(the_state())
    entries = {c["name"]: c["networks"] for c in document["containers"]}
    web = entries["web"][0]
    assert (web["interface"], web["host_interface"], web["bridge"]) == ("eth0", "vethA", "docker0")
    assert web["counters"]["rx_bytes"] == 1_201_000
    assert entries["side"][0]["interface"] == "eth0"  # the namespace it joins
    assert entries["two"][1]["bridge"] == "br-back"
    assert entries["mac"][0]["host_interface"] is None and entries["mac"][0]["bridge"] is None
    assert entries["two"][0]["counters"] is None  # not sampled
    assert document["bridges"][0] == {
        "name": "br-back", "network": "back", "addresses": ["10.2.0.1/24"], "interfaces": ["vethC"]
    }  # fmt: skip


def test_the_traffic_document():
    document = traffic_document(the_state(), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert document["time"] == "2026-01-02T03:04:05Z"
    web = next(c for c in document["containers"] if c["name"] == "web")
    assert web["interfaces"] == [{
        "interface": "eth0", "network": "bridge", "host_interface": "vethA",
        "rx_bps": 1_200_000.0, "tx_bps": 600_000.0, "rx_pps": 0.0, "tx_pps": 0.0,
        "rx_dropped": 0, "tx_dropped": 0,
    }]  # fmt: skip
    two = next(c for c in document["containers"] if c["name"] == "two")
    assert [i["rx_bps"] for i in two["interfaces"]] == [None, None]


def test_the_detail_lists_interfaces_rates_and_sharing():
    state = the_state()
    lines = interface_lines(state, state.containers["side"])
    assert lines[0] == ("interfaces", "(shared: web's namespace)")
    assert lines[1] == ("  eth0", "bridge  veth peer vethA  bridge docker0")
    assert lines[2][1].startswith("rx 1.2 MB/s  tx 600.0 kB/s  total rx 1.2 MB")
    assert lines[3][1].startswith("last minute rx ")
    assert interface_lines(state, state.containers["nonec"]) == [
        ("interfaces", ""), ("  lo", "loopback")
    ]  # fmt: skip


def _find(node: Node, key: str) -> Node:
    if node.key == key:
        return node
    for child in node.children:
        try:
            return _find(child, key)
        except KeyError:
            continue
    raise KeyError(key)


def test_the_topology_tree():
    root = topology(the_state())
    assert [c.label for c in root.children] == [
        "br-back 10.2.0.1/24 (network back)",
        "br-front 10.1.0.1/24 (network front)",
        "docker0 172.17.0.1/16 (network bridge)",
        "eth0 (parent of macvlan/ipvlan)",
        "host network namespace",
        "isolated",
    ]
    docker0 = _find(root, "bridge/docker0")
    assert docker0.children[0].label == (
        "vethA ↔ web eth0 172.17.0.2 02:42:ac:11:00:02  rx 1.2 MB/s tx 600.0 kB/s"
    )
    assert [c.label for c in docker0.children[0].children] == [
        "side (container mode: web's namespace)"
    ]
    assert [c.label for c in _find(root, "parent/eth0").children] == [
        "mac eth0 192.0.2.99 02:42:c0:00:02:63 (macvlan)"
    ]
    assert [c.label for c in _find(root, "host-namespace").children] == ["hostc"]
    assert [c.label for c in _find(root, "isolated").children] == ["nonec (lo only)"]


def test_a_nodes_details_are_those_of_the_moment():
    state = the_state()
    node = _find(topology(state), "container/web/eth0")
    lines = details(state, node)
    assert lines[:2] == (("container", "web  web"), ("mode", "bridge"))
    assert ("  eth0", "bridge  veth peer vethA  bridge docker0") in lines
    assert details(state, _find(topology(state), "isolated"))[0][1].startswith("containers in none")


def test_a_joiner_whose_owner_is_gone_still_has_a_detail():
    state = the_state()
    orphan = container("orphan", "container:ghost", ref="ghost")
    containers = {**state.containers, "orphan": orphan}
    kernel = KernelView(available=True, host=HOST,
                        namespaces=MappingProxyType({**NAMESPACES, "orphan": NONE_NS}))  # fmt: skip
    state = reduce(reduce(state, KernelSeen(kernel)), ContainerSeen(orphan))
    assert state.containers.keys() == containers.keys()
    assert interface_lines(state, orphan) == [("interfaces", ""), ("  lo", "loopback")]
    isolated = _find(topology(state), "isolated")
    assert [c.label for c in isolated.children] == [
        "orphan (its namespace's owner ghost is gone)", "nonec (lo only)"
    ]  # fmt: skip
