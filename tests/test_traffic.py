"""Rates from counter samples (pure), the /proc/<pid>/net/dev parser, and the rate cells."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from fakes import FakeBackend, load
from hypothesis import given
from hypothesis import strategies as st

from tui.core.backend import JSON, EngineRefused
from tui.core.config import ConfigError, parse_config
from tui.core.describe import describe
from tui.core.model import (
    Container,
    Counters,
    CounterSample,
    KernelView,
    NamespaceCounters,
    NetInterface,
    Netns,
    Network,
)
from tui.core.parse import parse_stats
from tui.core.rows import rate_cells
from tui.core.state import (
    ContainerSeen,
    CountersSampled,
    HostState,
    KernelSeen,
    Link,
    NetworkSeen,
    only_traffic_changed,
    reduce,
)
from tui.core.traffic import HISTORY_SECONDS, Traffic, advance, format_rate, sparkline
from tui.engine.kernel import REMOTE, parse_net_dev
from tui.engine.live import Live

NET_DEV = b"""\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     120       2    0    0    0     0          0         0      120       2    0    0    0     0       0          0
  eth0: 21004711   14563    1    3    0     0          0         0   861540   12842    0    2    0     0       0          0
"""  # noqa: E501


def sample(t: float, rx: int, tx: int = 0, inode: int = 7, cid: str = "c") -> CounterSample:
    counters = Counters(rx_bytes=rx, tx_bytes=tx, rx_packets=rx // 100, tx_packets=tx // 100)
    return CounterSample(t, MappingProxyType({cid: NamespaceCounters(inode, {"eth0": counters})}))


def test_net_dev_is_read_from_the_containers_side():
    found = parse_net_dev(NET_DEV)
    assert found["eth0"] == Counters(21004711, 861540, 14563, 12842, 3, 2, 1, 0)
    assert set(found) == {"lo", "eth0"}


def test_rates_are_the_difference_over_the_elapsed_time():
    traffic = advance(advance(Traffic(), sample(10.0, 1000, 500)), sample(12.0, 5000, 900))
    rates = traffic.get("c", "eth0").rates
    assert rates is not None
    assert (rates.rx_bps, rates.tx_bps, rates.rx_pps) == (2000.0, 200.0, 20.0)


def test_the_first_sample_is_a_baseline():
    known = advance(Traffic(), sample(1.0, 1000)).get("c", "eth0")
    assert known.rates is None and not known.restarted


def test_a_counter_that_goes_backwards_restarts_the_rate_without_a_spike():
    traffic = advance(advance(Traffic(), sample(1.0, 10_000_000)), sample(2.0, 300))
    known = traffic.get("c", "eth0")
    assert known.rates is None and known.restarted
    after = advance(traffic, sample(3.0, 1300)).get("c", "eth0")
    assert after.rates is not None and after.rates.rx_bps == 1000.0


def test_a_new_namespace_restarts_the_rate_even_when_counters_grew():
    traffic = advance(advance(Traffic(), sample(1.0, 100)), sample(2.0, 900, inode=8))
    known = traffic.get("c", "eth0")
    assert known.rates is None and known.restarted


def test_a_container_missing_from_a_sample_says_why_and_comes_back_as_a_baseline():
    gone = CounterSample(2.0, missing=MappingProxyType({"c": "exited since the last sample"}))
    traffic = advance(advance(Traffic(), sample(1.0, 100)), gone)
    assert traffic.get("c", "eth0") is None and traffic.missing["c"].startswith("exited")
    back = advance(traffic, sample(3.0, 50)).get("c", "eth0")
    assert back.rates is None


def test_the_history_keeps_the_last_minute():
    traffic = Traffic()
    for second in range(100):
        traffic = advance(traffic, sample(float(second), second * 1000))
    history = traffic.history(traffic.get("c", "eth0"))
    assert history[-1] == (99.0, 1000.0, 0.0)
    assert all(99.0 - t < HISTORY_SECONDS for t, _, _ in history)
    assert len(history) == 60


def test_an_idle_interface_is_the_same_object_and_its_history_still_grows():
    traffic = advance(advance(Traffic(), sample(0.0, 500)), sample(1.0, 700))
    busy = traffic.get("c", "eth0")
    idle = advance(traffic, sample(2.0, 700))
    first = idle.get("c", "eth0")
    assert first.rates is not None and first.rates.rx_bps == 0.0
    # Counters that did not move: the container's interfaces are carried as they were.
    later = advance(advance(idle, sample(3.0, 700)), sample(4.0, 700))
    assert later.get("c", "eth0") is first and later.of("c") is not busy
    assert later.history(first) == ((1.0, 200.0, 0.0), (2.0, 0.0, 0.0), (3.0, 0.0, 0.0),
                                     (4.0, 0.0, 0.0))  # fmt: skip
    # The very same counters object (the kernel's for an idle namespace): the same mapping.
    same = NamespaceCounters(7, {"eth0": Counters(rx_bytes=700, rx_packets=7)})
    kept = advance(later, CounterSample(5.0, MappingProxyType({"c": same})))
    again = advance(kept, CounterSample(6.0, MappingProxyType({"c": same})))
    assert again.of("c") is kept.of("c")
    assert [h[0] for h in again.history(again.get("c", "eth0"))][-3:] == [4.0, 5.0, 6.0]


@given(st.lists(st.one_of(st.just("idle"), st.just("restart"), st.integers(1, 10**9)),
                min_size=1, max_size=140))  # fmt: skip
def test_the_history_is_each_samples_rate_over_the_last_minute(steps):
    """Idle stretches are kept implicit (tui.core.traffic): read whole, the history must
    be every sample's rate, one by one, as for busy ones; none across a restart."""
    traffic, inode, count, expected = Traffic(), 7, 0, []
    for second, step in enumerate(steps):
        if step == "restart":  # a new namespace, its counters from 0
            inode, count = inode + 1, 0
        elif step != "idle":
            count += step
        traffic = advance(traffic, sample(float(second), count, inode=inode))
        if second > 0 and step != "restart":
            expected.append((float(second), 0.0 if step == "idle" else float(step), 0.0))
    last = len(steps) - 1
    expected = [h for h in expected if last - h[0] < HISTORY_SECONDS]
    assert list(traffic.history(traffic.get("c", "eth0"))) == expected


def test_the_containers_whose_rates_may_read_otherwise():
    """What the containers tab reads again after a sample: none of the idle ones."""

    def two(t: float, rx_a: int, rx_b: int, missing: dict[str, str] | None = None) -> CounterSample:
        both = {**sample(t, rx_a, cid="a").containers, **sample(t, rx_b, cid="b").containers}
        return CounterSample(t, MappingProxyType(both), MappingProxyType(missing or {}))

    first = advance(Traffic(), two(1.0, 100, 100))
    assert first.moved_since(Traffic()) is None  # the first sample: every row
    second = advance(first, two(2.0, 100, 500))
    assert second.moved_since(first) == {"a", "b"}  # a's first rate, b's too
    third = advance(second, two(3.0, 100, 900))
    assert third.moved_since(second) == {"b"}  # a idle: the same objects
    exited = MappingProxyType({"b": "exited since the last sample"})
    gone = advance(third, CounterSample(4.0, sample(4.0, 100, cid="a").containers, exited))
    assert gone.moved_since(third) == {"b"}


def test_a_sample_changes_only_the_traffic_of_the_state():
    """The app redraws only the rate cells after such a change: it must be told apart,
    with networks in the state (whose by-name index is new with every state)."""
    c = Container(id="c", name="web", image="i", state="running", network_mode="default", pid=42)
    state = reduce(HostState(containers=MappingProxyType({"c": c})),
                   NetworkSeen(Network("n", "front", "bridge", "local")))  # fmt: skip
    sampled = reduce(state, CountersSampled(sample(1.0, 100)))
    assert only_traffic_changed(state, sampled)
    assert not only_traffic_changed(sampled, sampled)
    exited = Container(id="c", name="web", image="i", state="exited", network_mode="default")
    stopped = reduce(sampled, ContainerSeen(exited))
    assert not only_traffic_changed(state, reduce(stopped, CountersSampled(sample(2.0, 100))))


@given(st.lists(st.integers(min_value=0, max_value=2**64), min_size=2, max_size=20))
def test_no_rate_is_ever_negative(counts):
    traffic = Traffic()
    for i, count in enumerate(counts):
        traffic = advance(traffic, sample(float(i), count, count))
        rates = traffic.get("c", "eth0").rates
        assert rates is None or (rates.rx_bps >= 0 and rates.tx_bps >= 0)


def test_rates_read_as_people_read_them():
    assert format_rate(0) == "0 B/s"
    assert format_rate(999) == "999 B/s"
    assert format_rate(1234) == "1.2 kB/s"
    assert format_rate(1_200_000) == "1.2 MB/s"
    assert format_rate(3e12) == "3000.0 GB/s"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([0, 5, 10]) == "▁▅█"


def _state(kernel: KernelView, *samples: CounterSample) -> tuple[HostState, Container]:
    c = Container(id="c", name="web", image="i", state="running", network_mode="default", pid=42)
    state = reduce(HostState(containers=MappingProxyType({"c": c})), KernelSeen(kernel))
    for s in samples:
        state = reduce(state, CountersSampled(s))
    return state, c


def test_rate_cells_say_why_there_is_no_rate():
    remote, c = _state(KernelView(available=False, reason=REMOTE, remote=True))
    assert rate_cells(remote, c).rx == "remote"
    unreadable, c = _state(KernelView(available=True, unreadable=MappingProxyType({"c": "no"})))
    assert rate_cells(unreadable, c).rx == "n/a"
    waiting, c = _state(KernelView(available=True), sample(1.0, 0))
    assert rate_cells(waiting, c).rx == "…"
    busy, c = _state(KernelView(available=True), sample(1.0, 0), sample(2.0, 1_500_000, 2000))
    cells = rate_cells(busy, c)
    assert (cells.rx, cells.tx, cells.bps) == ("1.5 MB/s", "2.0 kB/s", 1_502_000.0)


def test_the_sample_interval_setting():
    assert parse_config("sample_interval = 2.5", "f").sample_interval == 2.5
    assert parse_config("sample_interval = 0", "f").sample_interval == 0.0
    with pytest.raises(ConfigError, match="line 1: sample_interval: expected seconds"):
        parse_config("sample_interval = -1", "f")
    with pytest.raises(ConfigError, match="sample_interval"):
        parse_config('sample_interval = "fast"', "f")


async def test_a_remote_engine_says_so_where_the_rates_would_be():
    state = await Live(FakeBackend()).snapshot()
    assert state.kernel.reason == REMOTE and not state.traffic.samples
    running = next(c for c in state.containers.values() if c.running)
    assert rate_cells(state, running)[:2] == ("remote", "remote")
    assert ("interfaces", f"n/a: {REMOTE}") in describe(state, running, datetime.now(UTC))


class _LocalFake(FakeBackend):
    @property
    def local(self) -> bool:
        return True


class _BrokenKernel:
    def read_view(self, state: HostState) -> KernelView:
        raise OSError(22, "netlink dump refused (22)")

    def sample(self, state: HostState) -> CounterSample:
        raise OSError(13, "no")


async def test_a_kernel_that_fails_is_a_marker_not_the_end_of_the_session():
    live = Live(_LocalFake(), kernel=_BrokenKernel())  # type: ignore[arg-type]
    state = await live.snapshot()
    assert state.containers and not state.kernel.available
    assert state.kernel.reason.startswith("the kernel could not be read: ")
    running = next(c for c in state.containers.values() if c.running)
    assert rate_cells(state, running).rx == "n/a"


# A remote engine: the selected container's one-shot stats ------------------------------


def _stats(relative: str, read: str | None = None, **eth0: int) -> dict[str, Any]:
    """A captured stats answer, its time and eth0's counters changed as a later one's."""
    document = load(f"stats/{relative}")
    if read is not None:
        document["read"] = read
    document.get("networks", {}).get("eth0", {}).update(eth0)
    return document


def test_a_stats_answer_is_a_sample_of_that_container_by_the_engines_clock():
    found = parse_stats(load("stats/two_networks.json"), "c")
    assert found is not None
    assert found.time == datetime(2026, 12, 1, 17, 38, 48, 269513, tzinfo=UTC).timestamp()
    interfaces = found.containers["c"].interfaces
    assert set(interfaces) == {"eth0", "eth1"}
    # Counters in the kernel's order: rx/tx bytes, packets, dropped, errors.
    assert interfaces["eth0"] == Counters(852, 336, 10, 4, 0, 0, 0, 0)
    assert interfaces["eth1"] == Counters(rx_bytes=932, rx_packets=10)
    assert not found.missing


def test_no_interfaces_in_host_mode_and_no_sample_for_a_stopped_container():
    host = parse_stats(load("stats/host.json"), "c")
    assert host is not None and dict(host.containers["c"].interfaces) == {}
    assert parse_stats(load("stats/exited.json"), "c") is None
    assert parse_stats({"read": "2026-12-01T17:38:48Z", "networks": {"eth0": {"rx_bytes": "x"}}},
                       "c").containers["c"].interfaces == {}  # fmt: skip


@given(st.recursive(st.none() | st.integers() | st.text(), lambda c: st.dictionaries(st.text(), c)))
def test_any_json_value_is_a_stats_sample_or_none(value):
    found = parse_stats(value, "c")
    assert found is None or set(found.containers) == {"c"}


def test_two_answers_give_the_rate_and_a_counter_going_backwards_restarts_it():
    first = parse_stats(_stats("two_networks.json"), "c")
    later = parse_stats(
        _stats("two_networks.json", "2026-12-01T17:38:50.269513999Z", rx_bytes=852 + 4000), "c"
    )
    assert first is not None and later is not None
    traffic = advance(advance(Traffic(), first), later)
    eth0 = traffic.get("c", "eth0")
    assert eth0 is not None and eth0.rates is not None
    assert eth0.rates.rx_bps == pytest.approx(2000.0)  # 4000 bytes in the engine's 2 s
    restarted = parse_stats(
        _stats("two_networks.json", "2026-12-01T17:38:51.269513999Z", rx_bytes=10), "c"
    )
    assert restarted is not None
    again = advance(traffic, restarted).get("c", "eth0")
    assert again is not None and again.rates is None and again.restarted


def _running(live: Live) -> list[str]:
    return sorted(c.id for c in live.state.containers.values() if c.running)


class _StatsFake(FakeBackend):
    """Answers the selected container's stats with its eth0 counting up 1000 bytes a
    second, by the engine's clock."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    async def container_stats(self, ref: str) -> JSON | None:
        self.asked.append(ref)
        n = len(self.asked)
        return _stats("two_networks.json", f"2026-12-01T17:39:{n:02d}Z", rx_bytes=1000 * n)


async def test_a_remote_engines_selected_container_has_rates_and_the_others_say_remote():
    backend = _StatsFake()
    live = Live(backend, sample_interval=0.05)
    task = asyncio.ensure_future(live.run())
    try:
        async with asyncio.timeout(10):
            while len(running := _running(live)) < 2:
                await asyncio.sleep(0.02)
            one, other = running[:2]
            live.sample_stats_of(one)
            while (known := live.state.traffic.get(one, "eth0")) is None or known.rates is None:
                await asyncio.sleep(0.02)
        assert known.rates.rx_bps == 1000.0
        assert set(backend.asked) == {one}  # the selected one only
        container = live.state.containers[one]
        assert rate_cells(live.state, container)[:2] == ("1.0 kB/s", "0 B/s")
        assert rate_cells(live.state, live.state.containers[other])[:2] == ("remote", "remote")
        lines = describe(live.state, container, datetime.now(UTC))
        assert ("interfaces", "from the engine's stats (a remote engine)") in lines
        assert ("  eth0", "") in lines and ("  eth1", "") in lines
        assert any(text.startswith("rx 1.0 kB/s  tx 0 B/s  total rx ") for _, text in lines)
        # The selection leaves: no more asks, no rates kept.
        live.sample_stats_of(None)
        async with asyncio.timeout(10):
            while live.state.traffic.interfaces:
                await asyncio.sleep(0.02)
        asked = len(backend.asked)
        await asyncio.sleep(0.2)
        assert len(backend.asked) == asked
        assert rate_cells(live.state, container)[:2] == ("remote", "remote")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _RefusingStats(FakeBackend):
    async def container_stats(self, ref: str) -> JSON | None:
        raise EngineRefused("cannot get stats: busy", 500)


async def test_a_refused_stats_answer_is_a_line_in_the_detail_not_a_crash():
    live = Live(_RefusingStats(), sample_interval=0.05)
    task = asyncio.ensure_future(live.run())
    try:
        async with asyncio.timeout(10):
            while not (running := _running(live)):
                await asyncio.sleep(0.02)
            one = live.state.containers[running[0]]
            live.sample_stats_of(one.id)
            while one.id not in live.state.traffic.missing:
                await asyncio.sleep(0.02)
        lines = describe(live.state, one, datetime.now(UTC))
        assert ("", "counters: stats: cannot get stats: busy") in lines
        assert live.state.connection.link is Link.LIVE
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_rates_that_moved_change_in_their_rows_and_a_traffic_sort_follows_them():
    """Each sample redraws the rate cells of the containers whose counters moved, in their
    places; sorted by traffic, a container that gets busy moves up."""
    from test_app import FROZEN, shown_names, until

    from tui.ui.app import NetdockApp
    from tui.ui.tabs.containers import ContainersTab

    # A local engine's (a remote one's rates are the selected container's stats), with
    # the samples made here.
    app = NetdockApp(Live(_LocalFake(), sample_interval=0), now=lambda: FROZEN)
    async with app.run_test(size=(220, 40)) as pilot:
        await until(pilot, lambda: app.state.synced and bool(app.state.containers))
        running = sorted(
            (c for c in app.state.containers.values() if c.running and not c.namespace_ref),
            key=lambda c: c.name,
        )
        assert len(running) >= 3
        table = app.query_one(ContainersTab).table
        rx = {c.id: 0 for c in running}

        async def sampled(second: float) -> None:
            counted = {
                c.id: NamespaceCounters(i, {"eth0": Counters(rx_bytes=rx[c.id])})
                for i, c in enumerate(running)
            }
            app.live.apply(CountersSampled(CounterSample(second, MappingProxyType(counted))))
            await pilot.pause()

        def rates() -> dict[str, str]:
            return {c.name: str(table.get_row(c.id)[-2]) for c in running}

        eth0 = (NetInterface(2, "eth0", "veth"),)
        namespaces = {c.id: Netns(i, eth0) for i, c in enumerate(running)}
        app.live.apply(KernelSeen(KernelView(True, namespaces=MappingProxyType(namespaces))))
        await sampled(1.0)
        await sampled(2.0)
        assert set(rates().values()) == {"0 B/s"}
        names = shown_names(app)
        first, second = running[0], running[1]
        tab = app.query_one(ContainersTab)
        tab.table.select_key(second.id)
        await pilot.pause()

        def detail() -> str:
            return str(tab.detail.render())

        assert "rx 0 B/s  tx 0 B/s" in detail()
        rx[second.id] += 2000
        await sampled(3.0)
        assert rates() == {c.name: "2.0 kB/s" if c is second else "0 B/s" for c in running}
        assert shown_names(app) == names, "the rows hold their places"
        assert "rx 2.0 kB/s  tx 0 B/s" in detail()
        await sampled(4.0)  # idle again
        assert rates()[second.name] == "0 B/s"
        assert "rx 0 B/s  tx 0 B/s" in detail()

        for _ in range(5):  # o cycles name, state, mode, ipv4, up, traffic
            await pilot.press("o")
        assert app.query_one(ContainersTab).sort_field == "traffic"
        rx[first.id] += 9000
        await sampled(5.0)
        assert rates()[first.name] == "9.0 kB/s"
        assert shown_names(app)[0] == first.name, "the busiest first"
        rx[second.id] += 20000
        await sampled(6.0)
        assert shown_names(app)[:2] == [second.name, first.name]
        at = list(table.order).index(table.selected_key)
        await pilot.press("down")  # the table goes on as a user goes on
        assert table.selected_key == table.order[at + 1]
