"""The plumbing and the counters, against the real engine and what `ip -o link` says.

Inside a container's namespace and outside it (dockerd's namespace), names, indexes,
veth peers and bridges must be exactly those the kernel reports; a transfer of known size
must show in the sender's tx and the receiver's rx, and not on the receiver's other
network. Also against a private engine whose dockerd runs in a namespace of its own:
there ``/sys/class/net`` would describe the wrong namespace.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine

from tui.core.document import snapshot_document, traffic_document
from tui.core.model import Container, Counters
from tui.core.plumbing import in_host_namespace, plugs
from tui.core.rows import rate_cells
from tui.core.state import ContainerSeen, CountersSampled, HostState, reduce
from tui.engine import kernel as kernel_module
from tui.engine.daemon import dockerd_pid
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.engine.kernel import Kernel, parse_net_dev
from tui.engine.live import Live

MB = 1024 * 1024
_LINK = re.compile(r"^(\d+): ([^:@]+)(?:@if(\d+)|@\S+)?: ")
_MASTER = re.compile(r" master (\S+)")
_MAC = re.compile(r" link/\S+ ([0-9a-f:]{17})")


@dataclass(frozen=True)
class IpLink:
    index: int
    name: str
    peer_index: int | None
    master: str | None
    mac: str | None


def ip_links(netns: str) -> dict[str, IpLink]:
    """`ip -o link` in a namespace (a /proc/<pid>/ns/net or /var/run/netns path), by name."""
    out = subprocess.run(["nsenter", f"--net={netns}", "ip", "-o", "link"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    links = {}
    for line in out.splitlines():
        found = _LINK.match(line)
        assert found, line
        index, name, peer = found.groups()
        master, mac = _MASTER.search(line), _MAC.search(line)
        links[name] = IpLink(int(index), name, int(peer) if peer else None,
                             master.group(1) if master else None,
                             mac.group(1) if mac else None)  # fmt: skip
    return links


async def _read(host: str | None) -> tuple[HostState, Kernel]:
    endpoint = resolve_endpoint(host)
    backend = DockerBackend(endpoint)
    kernel = Kernel(endpoint.url)
    try:
        return await Live(backend, kernel=kernel).snapshot(), kernel
    finally:
        await backend.close()


def read_state(host: str | None = None) -> tuple[HostState, Kernel]:
    return asyncio.run(_read(host))


def by_name(state: HostState, name: str) -> Container:
    found = state.container(name)
    assert found is not None, name
    return found


def check_bridged(state: HostState, name: str, outside: dict[str, IpLink]) -> list[str]:
    """Every endpoint of a bridged container: interface, veth peer and bridge are those
    `ip -o link` shows inside and outside. Returns the container-side names."""
    c = by_name(state, name)
    inside = ip_links(f"/proc/{c.pid}/ns/net")
    names = []
    for ep in c.endpoints:
        plug = next(p for p in plugs(state, c) if p.endpoint == ep)
        mine = inside[plug.interface.name]
        assert mine.mac == ep.mac and mine.index == plug.interface.index
        assert plug.host_interface is not None and plug.bridge is not None
        peer = outside[plug.host_interface.name]
        assert peer.index == mine.peer_index and peer.peer_index == mine.index
        assert peer.master == plug.bridge.name
        names.append(plug.interface.name)
    return names


def test_every_mode_matches_ip_link_inside_and_outside(lab):
    front, back = lab.network("front"), lab.network("back")
    default = lab.run(TEST_IMAGE, *SLEEP)
    user = lab.run("--network", front, TEST_IMAGE, *SLEEP)
    both = lab.run("--network", front, TEST_IMAGE, *SLEEP)
    lab.connect(back, both)
    joiner = lab.run("--network", f"container:{default}", TEST_IMAGE, *SLEEP)
    host = lab.run("--network", "host", TEST_IMAGE, *SLEEP)
    none = lab.run("--network", "none", TEST_IMAGE, *SLEEP)

    dockerd = dockerd_pid(resolve_endpoint(None).url)
    before = ip_links(f"/proc/{dockerd}/ns/net")
    state, _ = read_state()
    outside = ip_links(f"/proc/{dockerd}/ns/net")
    assert check_bridged(state, default, outside) == ["eth0"]
    assert check_bridged(state, user, outside) == ["eth0"]
    assert sorted(check_bridged(state, both, outside)) == ["eth0", "eth1"]
    assert outside[plugs(state, by_name(state, default))[-1].bridge.name].name == "docker0"

    # Container mode: the owner's interfaces and counters, marked shared.
    def view(name: str) -> list[tuple[str, str | None]]:
        return [(p.interface.name, p.host_interface and p.host_interface.name)
                for p in plugs(state, by_name(state, name))]  # fmt: skip

    assert view(joiner) == view(default)
    assert state.traffic.get(by_name(state, joiner).id, "eth0") is not None
    assert rate_cells(state, by_name(state, joiner)).shared

    # Host mode: the host's interfaces (not the containers' veth ends); none: only lo.
    hosted = by_name(state, host)
    assert in_host_namespace(state, hosted)
    # Other tests' interfaces come and go meanwhile: those there before and after the read
    # must be seen (but the host ends of veths), and nothing else.
    seen = {p.interface.name for p in plugs(state, hosted)}
    stable = {n for n in before.keys() & outside.keys() if not outside[n].master}
    assert stable - {n for n in stable if outside[n].peer_index} <= seen <= set(before | outside)
    assert [p.interface.name for p in plugs(state, by_name(state, none))] == ["lo"]

    # The document: the new fields, and the user bridge with both veths of `front`.
    document = snapshot_document(state)
    entries = {c["name"]: c["networks"] for c in document["containers"]}
    eth1 = next(n for n in entries[both] if n["name"] == back)
    assert eth1["interface"] in ("eth0", "eth1") and eth1["bridge"].startswith("br-")
    assert set(eth1["counters"]) == {
        f"{way}_{what}"
        for way in ("rx", "tx")
        for what in ("bytes", "packets", "dropped", "errors")
    }
    assert entries[host][0]["interface"] is None and entries[none][0]["counters"] is None
    front_id = lab.inspect_network(front)["Id"]
    bridge = next(b for b in document["bridges"] if b["network"] == front)
    assert bridge["name"] == f"br-{front_id[:12]}"  # the engine's own naming, checked, not used
    veths = {n["host_interface"] for c in (user, both) for n in entries[c] if n["name"] == front}
    assert veths <= set(bridge["interfaces"])
    ipam = lab.inspect_network(front)["IPAM"]["Config"][0]
    prefix = ipam["Subnet"].split("/")[1]
    assert bridge["addresses"][0] == f"{ipam['Gateway']}/{prefix}"


def _rx_tx(state: HostState, name: str, interface: str) -> tuple[int, int]:
    known = state.traffic.get(by_name(state, name).id, interface)
    assert known is not None
    return known.counters.rx_bytes, known.counters.tx_bytes


def _interface_on(state: HostState, name: str, network: str) -> str:
    c = by_name(state, name)
    return next(p.interface.name for p in plugs(state, c)
                if p.endpoint is not None and p.endpoint.network == network)  # fmt: skip


def test_a_namespace_several_containers_share_is_held_once_and_kept_fresh(lab):
    owner = lab.run(TEST_IMAGE, *SLEEP)
    joiner = lab.run("--network", f"container:{owner}", TEST_IMAGE, *SLEEP)
    hosts = [lab.run("--network", "host", TEST_IMAGE, *SLEEP) for _ in range(2)]
    state, kernel = read_state()
    view = state.kernel
    ids = {name: by_name(state, name).id for name in (owner, joiner, *hosts)}
    # One object per namespace: host mode's is the host's own (a veth per container).
    assert view.namespaces[ids[joiner]] is view.namespaces[ids[owner]]
    assert all(view.namespaces[ids[h]] is view.host for h in hosts)

    # A container that comes later: host mode sees its veth, though host mode's own
    # process and endpoints did not change.
    later = lab.run(TEST_IMAGE, *SLEEP)
    state, _ = read_state()
    veth = ip_links(f"/proc/{by_name(state, later).pid}/ns/net")["eth0"].peer_index
    assert veth not in {i.index for i in view.namespaces[ids[hosts[0]]].interfaces}
    again = kernel.read_view(state)
    assert all(again.namespaces[ids[h]] is again.host for h in hosts)
    assert veth in {i.index for i in again.namespaces[ids[hosts[0]]].interfaces}


def test_a_transfer_of_known_size_shows_where_it_went(lab):
    net, other = lab.network("xfer"), lab.network("other")
    serve = "dd if=/dev/zero of=/tmp/big bs=1M count=20 && httpd -f -p 80 -h /tmp"
    server = lab.run("--network", net, TEST_IMAGE, "sh", "-c", serve)
    client = lab.run("--network", net, TEST_IMAGE, *SLEEP)
    lab.connect(other, client)
    before, _ = read_state()
    served = _interface_on(before, server, net)
    fetched, quiet = _interface_on(before, client, net), _interface_on(before, client, other)
    for _ in range(50):  # httpd starts once dd is done
        done = subprocess.run(["/usr/bin/docker", "exec", client, "wget", "-q", "-O", "/dev/null",
                               f"http://{server}/big"], capture_output=True)  # fmt: skip
        if done.returncode == 0:
            break
        asyncio.run(asyncio.sleep(0.2))
    assert done.returncode == 0, done.stderr
    after, _ = read_state()
    server_tx = _rx_tx(after, server, served)[1] - _rx_tx(before, server, served)[1]
    client_rx = _rx_tx(after, client, fetched)[0] - _rx_tx(before, client, fetched)[0]
    other_rx = _rx_tx(after, client, quiet)[0] - _rx_tx(before, client, quiet)[0]
    assert server_tx >= 20 * MB and client_rx >= 20 * MB
    assert other_rx < MB


def test_exit_and_restart_between_samples_give_a_marker_and_no_spike(lab, docker_cli):
    gone = lab.run(TEST_IMAGE, *SLEEP)
    again = lab.run(TEST_IMAGE, *SLEEP)
    state, kernel = read_state()
    docker_cli("kill", gone)
    # The state still names the killed process: one sample meanwhile.
    stale = reduce(state, CountersSampled(kernel.sample(state)))
    assert "exited" in stale.traffic.missing[by_name(state, gone).id]
    assert rate_cells(stale, by_name(stale, gone)).rx == "exited"
    # Restarted, and read again (its new process): its counters restarted.
    docker_cli("restart", "-t", "0", again)
    fresh = by_name(read_state()[0], again)
    stale = reduce(stale, ContainerSeen(fresh))
    kernel.read_view(stale)
    restarted = reduce(stale, CountersSampled(kernel.sample(stale)))
    known = restarted.traffic.get(fresh.id, "eth0")
    assert known is not None and known.rates is None and known.restarted
    assert rate_cells(restarted, fresh).rx == "reset"
    later = reduce(restarted, CountersSampled(kernel.sample(restarted)))
    rates = later.traffic.get(fresh.id, "eth0").rates
    assert rates is not None and rates.rx_bps >= 0 and rates.tx_bps >= 0


MONOTONIC = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets")


def inside(pid: int) -> dict[str, Counters]:
    """A namespace's counters as its own ``/proc/<pid>/net/dev`` shows them."""
    return parse_net_dev(Path(f"/proc/{pid}/net/dev").read_bytes())


def assert_between(before: Counters, got: Counters, after: Counters) -> None:
    """``got`` was read between the two reads inside (traffic may flow meanwhile)."""
    for field in MONOTONIC:
        low, value, high = getattr(before, field), getattr(got, field), getattr(after, field)
        assert low <= value <= high, (field, low, value, high)


@pytest.fixture
def reads_inside(monkeypatch) -> list[str]:
    """The ``/proc/<pid>/net/dev`` files the kernel reads."""
    paths: list[str] = []
    read = kernel_module._read_proc

    def recorded(path: str) -> bytes:
        paths.append(path)
        return read(path)

    monkeypatch.setattr(kernel_module, "_read_proc", recorded)
    return paths


def test_counters_counted_in_dockerds_namespace_are_those_inside(lab, reads_inside):
    """A bridged container's counters come from its veth peers in one dump, none read
    inside, and equal what the container's own net/dev says (rx and tx turned round)."""
    net, other = lab.network("count"), lab.network("count2")
    serve = "dd if=/dev/zero of=/tmp/f bs=1k count=300 && httpd -f -p 80 -h /tmp"
    server = lab.run("--network", net, TEST_IMAGE, "sh", "-c", serve)
    client = lab.run("--network", net, TEST_IMAGE, *SLEEP)
    lab.connect(other, server)
    url = f"http://{server}/f"
    for _ in range(50):  # httpd starts once dd is done
        if lab.docker.succeeds("exec", client, "wget", "-q", "-O", "/dev/null", url):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the file was never served")
    state, kernel = read_state()
    pids = {name: by_name(state, name).pid for name in (server, client)}
    before = {name: inside(pid) for name, pid in pids.items()}
    reads_inside.clear()
    sample = kernel.sample(state)
    after = {name: inside(pid) for name, pid in pids.items()}
    assert not {f"/proc/{pid}/net/dev" for pid in pids.values()} & set(reads_inside)
    for name in (server, client):
        counted = sample.containers[by_name(state, name).id].interfaces
        assert set(counted) == set(before[name]) - {"lo"}  # loopback is not counted outside
        for interface, got in counted.items():
            assert_between(before[name][interface], got, after[name][interface])
    fetched = sample.containers[by_name(state, client).id].interfaces
    received = fetched[_interface_on(state, client, net)]
    assert received.rx_bytes > 300_000 > received.tx_bytes


def test_an_interface_gone_since_the_plumbing_was_read_is_counted_inside(lab, reads_inside):
    net, other = lab.network("stay"), lab.network("leave")
    name = lab.run("--network", net, TEST_IMAGE, *SLEEP)
    lab.connect(other, name)
    state, kernel = read_state()
    staying = _interface_on(state, name, net)
    lab.disconnect(other, name)  # its veth pair is gone; the plumbing is not read again
    reads_inside.clear()
    c = by_name(state, name)
    counted = kernel.sample(state).containers[c.id].interfaces
    assert reads_inside == [f"/proc/{c.pid}/net/dev"]
    assert set(counted) == {"lo", staying}


def test_round_after_round_the_counters_follow_the_traffic(lab, reads_inside):
    """With the same containers and plumbing, a round reads again only the namespaces with
    a link whose counters moved in the dump (compared whole with the last round's): a
    container's counters still follow its traffic at every round, and one whose interface
    went is read inside at every round, not at the first only."""
    net, other = lab.network("rounds"), lab.network("went")
    busy, target, peer, quiet = (lab.run("--network", net, TEST_IMAGE, *SLEEP) for _ in range(4))
    lab.connect(other, peer)
    state, kernel = read_state()
    b, p, q = by_name(state, busy), by_name(state, peer), by_name(state, quiet)

    def address(name: str) -> str:
        return next(e.ipv4 for e in by_name(state, name).endpoints if e.network == net)

    eth0 = _interface_on(state, busy, net)
    lab.disconnect(other, peer)  # its veth pair is gone; the plumbing is not read again
    reads_inside.clear()
    quiet_rounds = []
    for _ in range(4):  # peer and quiet idle (but for the first ARP): their links do not move
        before = inside(b.pid)
        lab.docker("exec", busy, "ping", "-c", "2", "-W", "1", address(target))
        sample = kernel.sample(state).containers
        after = inside(b.pid)
        got = sample[b.id].interfaces
        assert_between(before[eth0], got[eth0], after[eth0])
        assert got[eth0].tx_packets >= before[eth0].tx_packets + 2, "a round that missed them"
        quiet_rounds.append(sample[q.id])
    assert reads_inside == [f"/proc/{p.pid}/net/dev"] * 4
    # The idle one was taken as it was, without a look at its links; once it moves, it is read.
    assert any(one is two for one, two in pairwise(quiet_rounds))
    before = inside(q.pid)
    lab.docker("exec", busy, "ping", "-c", "2", "-W", "1", address(quiet))
    counted = kernel.sample(state).containers[q.id].interfaces
    eth0 = _interface_on(state, quiet, net)
    assert counted[eth0].rx_packets >= before[eth0].rx_packets + 2


def test_a_link_counted_for_two_namespaces_moves_both(monkeypatch):
    """A veth host end with no bridge (a routed plugin's) is both a host-mode interface and
    a container's veth peer: when it moves, both namespaces are read again, round after
    round of one plan (a pure test: the rounds' dumps are made here)."""
    import struct

    from tui.core.plumbing import Counted
    from tui.engine.kernel import _Routes

    def raw(rx_packets: int) -> bytes:
        return struct.pack("=16Q", rx_packets, *[0] * 15)

    running = {"a": 100, "h": 101}
    state = HostState(containers={cid: Container(id=cid, name=cid, image="i", state="running",
                                                 network_mode="default", pid=pid)
                                  for cid, pid in running.items()})  # fmt: skip
    kernel = Kernel("unix:///nowhere")
    kernel._routes = _Routes((1, 99), {"a": (100, 10, (Counted("eth0", 7, True),)),
                                       "h": (101, 20, (Counted("cali1", 7, False),))})  # fmt: skip
    dumps = [{7: raw(n)} for n in (1, 1, 5, 5, 9)]
    monkeypatch.setattr(kernel, "_dump", lambda dockerd: dumps.pop(0))
    rounds = [kernel.sample(state).containers for _ in range(5)]
    for cid, seen in (("a", "tx_packets"), ("h", "rx_packets")):  # the peer's: turned round
        counts = [getattr(r[cid].interfaces[next(iter(r[cid].interfaces))], seen) for r in rounds]
        assert counts == [1, 1, 5, 5, 9], cid
        assert rounds[1][cid] is rounds[0][cid] and rounds[3][cid] is rounds[2][cid]


UNPRIVILEGED = """
import sys
from tui.core.model import Container, Counters
from tui.core.state import HostState
from tui.engine import kernel as kernel_module
from tui.engine.kernel import Kernel, parse_net_dev
c = Container(id="c", name="c", image="i", state="running", network_mode="default",
              pid=int(sys.argv[1]))
state = HostState(containers={"c": c})
kernel = Kernel("unix:///var/run/docker.sock")
view = kernel.read_view(state)
print("view:", view.unreadable.get("c"))
print("sample:", kernel.sample(state).missing.get("c", "read"))
"""


def test_an_unreadable_namespace_is_a_marker_not_a_crash(lab):
    name = lab.run(TEST_IMAGE, *SLEEP)
    pid = lab.inspect(name)["State"]["Pid"]
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         sys.executable, "-c", UNPRIVILEGED, str(pid)],
        capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "view: /proc/" in done.stdout and "run as root" in done.stdout


@pytest.fixture(scope="module")
def private_engine():
    with PrivateEngine("kernel") as engine:
        engine.load_test_image()
        yield engine


def test_a_private_engine_in_another_namespace_is_read_in_its_own(private_engine):
    engine = private_engine
    engine.docker("network", "create", "mine")
    engine.docker("run", "-d", "--name", "plain", TEST_IMAGE, *SLEEP)
    engine.docker("run", "-d", "--name", "user", "--network", "mine", TEST_IMAGE, *SLEEP)
    state, _ = read_state(engine.host)
    outside = ip_links(engine.netns_path)
    for name in ("plain", "user"):
        assert check_bridged(state, name, outside) == ["eth0"]
    # /sys/class/net (mounted from our namespace) has a docker0 too, the shared engine's:
    # the private engine's veth is not one of its ports.
    plug = plugs(state, by_name(state, "plain"))[-1]
    assert plug.bridge.name == "docker0"
    brif = Path("/sys/class/net/docker0/brif")
    assert not brif.exists() or plug.host_interface.name not in os.listdir(brif)
    document = traffic_document(state, datetime.now(UTC))
    assert {c["name"] for c in document["containers"]} == {"plain", "user"}


def test_a_private_engines_counters_are_counted_in_its_namespace(private_engine, reads_inside):
    """Its dockerd's namespace is not ours: the dump is asked there. Bridged and host mode
    counted there, none mode inside; each as its own namespace shows it; an idle
    namespace is the same object from one round to the next."""
    engine = private_engine
    for name, mode in (("cb", "bridge"), ("cb2", "bridge"), ("ch", "host"), ("cn", "none")):
        engine.docker("run", "-d", "--name", name, "--network", mode, TEST_IMAGE, *SLEEP)
    address = engine.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "cb2").strip()
    engine.docker("exec", "cb", "ping", "-c", "3", "-i", "0.2", "-q", address)
    engine.docker("exec", "cn", "ping", "-c", "2", "-i", "0.2", "-q", "127.0.0.1")
    state, kernel = read_state(engine.host)
    dockerd = dockerd_pid(engine.host)
    pids = {n: by_name(state, n).pid for n in ("cb", "cb2", "ch", "cn")}
    where = {**pids, "ch": dockerd}  # host mode: dockerd's namespace, the host ends aside
    skip = {n for n, link in ip_links(engine.netns_path).items() if link.master}
    before = {n: inside(pid) for n, pid in where.items()}
    reads_inside.clear()
    sample = kernel.sample(state)
    after = {n: inside(pid) for n, pid in where.items()}
    assert reads_inside == [f"/proc/{pids['cn']}/net/dev"]
    for name in where:
        counted = sample.containers[by_name(state, name).id].interfaces
        expected = set(before[name]) - ({"lo"} if name.startswith("cb") else skip)
        assert set(counted) == expected, name
        for interface, got in counted.items():
            assert_between(before[name][interface], got, after[name][interface])
    assert sample.containers[by_name(state, "cb").id].interfaces["eth0"].tx_packets >= 3
    assert sample.containers[by_name(state, "cn").id].interfaces["lo"].rx_packets >= 2
    # Nothing flows now: some two rounds in a row find every counter where it was.
    cid = by_name(state, "cb2").id
    rounds = [kernel.sample(state).containers[cid] for _ in range(6)]
    assert any(a is b for a, b in pairwise(rounds))
