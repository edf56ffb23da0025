"""Rates from counter samples (pure), the /proc/<pid>/net/dev parser, and the rate cells."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from fakes import FakeBackend
from hypothesis import given
from hypothesis import strategies as st

from tui.core.config import ConfigError, parse_config
from tui.core.describe import describe
from tui.core.model import Container, Counters, CounterSample, KernelView, NamespaceCounters
from tui.core.rows import rate_cells
from tui.core.state import CountersSampled, HostState, KernelSeen, reduce
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
    history = traffic.get("c", "eth0").history
    assert history[-1] == (99.0, 1000.0, 0.0)
    assert all(99.0 - t < HISTORY_SECONDS for t, _, _ in history)
    assert len(history) == 60


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
