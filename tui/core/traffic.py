"""Rates from counter samples: bytes and packets per second, drops, errors, a minute of history.

Pure: two ``CounterSample``s in, rates out. A counter that goes backwards (the container
restarted, the interface was recreated) or a namespace that changed restarts the rate:
that interval has no rate (``restarted``), never a negative one or a spike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from tui.core.model import Counters, CounterSample, NamespaceCounters

HISTORY_SECONDS = 60.0
_BARS = "▁▂▃▄▅▆▇█"


class Rates(NamedTuple):
    """An interface's traffic over one sampling interval, from the container's side.

    Tuples, this and ``InterfaceTraffic``: every interface's are made every second.
    """

    rx_bps: float = 0.0
    tx_bps: float = 0.0
    rx_pps: float = 0.0
    tx_pps: float = 0.0
    rx_dropped: int = 0
    tx_dropped: int = 0
    """Packets dropped during the interval (not per second)."""
    rx_errors: int = 0
    tx_errors: int = 0


History = tuple[tuple[float, float, float], ...]
"""(time, rx_bps, tx_bps), oldest first."""


class InterfaceTraffic(NamedTuple):
    """One interface of one container: its totals, its last rates, its last minute."""

    counters: Counters
    rates: Rates | None = None
    """None after the first sample, or when the counters restarted."""
    restarted: bool = False
    history: History = ()
    """The rates up to the interface's last change (read the last minute with
    ``Traffic.history``)."""
    idle_after: float | None = None
    """Idle (no counter moved) at every sample of the traffic after this time: the rest
    of the history, left implicit so that an idle interface is the same object from one
    sample to the next, and costs nothing to carry forward."""


NO_INTERFACES: Mapping[str, Mapping[str, InterfaceTraffic]] = MappingProxyType({})
NO_REASONS: Mapping[str, str] = MappingProxyType({})
NO_NAMESPACES: Mapping[str, NamespaceCounters] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Traffic:
    """The rates of every sampled interface: container ID -> interface name -> traffic."""

    time: float | None = None
    interfaces: Mapping[str, Mapping[str, InterfaceTraffic]] = field(
        default_factory=lambda: NO_INTERFACES
    )
    counted: Mapping[str, NamespaceCounters] = field(default_factory=lambda: NO_NAMESPACES)
    """Container ID -> its namespace's counters in the last sample."""
    missing: Mapping[str, str] = field(default_factory=lambda: NO_REASONS)
    """Container ID -> why the last sample has no counters for it."""
    samples: int = 0
    times: tuple[float, ...] = ()
    """When the samples of the last minute were taken, oldest first."""
    settled: frozenset[str] = frozenset()
    """The containers whose interfaces all were idle already at the last sample."""

    def of(self, container_id: str) -> Mapping[str, InterfaceTraffic]:
        """A container's interfaces, by name."""
        return self.interfaces.get(container_id, MappingProxyType({}))

    def get(self, container_id: str, interface: str) -> InterfaceTraffic | None:
        return self.of(container_id).get(interface)

    def moved_since(self, before: Traffic) -> frozenset[str] | None:
        """The containers whose rates may read otherwise than in ``before``: their
        interfaces are not the same objects, or why they have none changed. None: any
        may (the first sample, or none after some)."""
        if (self.samples > 0) != (before.samples > 0):
            return None
        interfaces, was = self.interfaces, before.interfaces
        moved = {cid for cid, known in interfaces.items() if was.get(cid) is not known}
        moved.update(cid for cid in was if cid not in interfaces)
        missing, gone = self.missing, before.missing
        if missing or gone:
            moved.update(c for c in missing.keys() | gone.keys() if missing.get(c) != gone.get(c))
        return frozenset(moved)

    def history(self, known: InterfaceTraffic) -> History:
        """An interface's rates over the last minute, oldest first."""
        return _kept(known, self.times, self.time) if self.time is not None else known.history


IDLE = Rates()


def _rates(before: Counters, after: Counters, seconds: float) -> Rates | None:
    """None when any counter went backwards: the interface restarted."""
    if after == before:
        return IDLE
    deltas = [a - b for a, b in zip(after, before, strict=True)]
    if min(deltas) < 0:
        return None
    rx_b, tx_b, rx_p, tx_p, rx_d, tx_d, rx_e, tx_e = deltas
    return Rates(rx_b / seconds, tx_b / seconds, rx_p / seconds, tx_p / seconds,
                 rx_d, tx_d, rx_e, tx_e)  # fmt: skip


def _young(times: Iterable[float], now: float) -> int:
    """How many of ``times`` (oldest first) are out of the minute before ``now``."""
    old = 0
    for t in times:
        if now - t < HISTORY_SECONDS:
            break
        old += 1
    return old


def _kept(known: InterfaceTraffic, times: tuple[float, ...], now: float) -> History:
    """``known``'s history in full (its idle tail over ``times``), less what is a minute
    older than ``now``."""
    history = known.history
    old = _young((h[0] for h in history), now)
    if old:
        history = history[old:]
    if known.idle_after is not None:
        after = known.idle_after
        history += tuple((t, 0.0, 0.0) for t in times if t > after and now - t < HISTORY_SECONDS)
    return history


def _one(
    traffic: Traffic,
    known: InterfaceTraffic | None,
    same_namespace: bool,
    counters: Counters,
    seconds: float | None,
    now: float,
) -> InterfaceTraffic:
    if known is None or not same_namespace or seconds is None or seconds <= 0:
        # A first sight, or a namespace that is not the one measured before: a baseline.
        restarted = known is not None and not same_namespace
        history = _kept(known, traffic.times, now) if known is not None else ()
        return InterfaceTraffic(counters, None, restarted, history)
    rates = _rates(known.counters, counters, seconds)
    if rates is IDLE:
        if known.idle_after is not None:
            return known  # idle already: its history grows with the traffic's times
        return InterfaceTraffic(counters, IDLE, False, _kept(known, traffic.times, now),
                                traffic.time)  # fmt: skip
    history = _kept(known, traffic.times, now)
    if rates is not None:
        history = (*history, (now, rates.rx_bps, rates.tx_bps))
    return InterfaceTraffic(counters, rates, rates is None, history)


def advance(traffic: Traffic, sample: CounterSample) -> Traffic:
    """The rates between the last sample and ``sample``. A container whose interfaces were
    idle already and still are keeps them as they were (the same mapping), at once when
    its namespace's counters are the very object of the last sample."""
    now = sample.time
    seconds = now - traffic.time if traffic.time is not None else None
    interfaces: dict[str, Mapping[str, InterfaceTraffic]] = {}
    settled: set[str] = set()
    counted, was_settled = traffic.counted, traffic.settled
    for cid, namespace in sample.containers.items():
        before = traffic.of(cid)
        if cid in was_settled and namespace is counted.get(cid) and seconds and seconds > 0:
            interfaces[cid] = before
            settled.add(cid)
            continue
        same = cid in counted and counted[cid].inode == namespace.inode
        fresh = {
            name: _one(traffic, before.get(name), same, counters, seconds, now)
            for name, counters in namespace.interfaces.items()
        }
        kept = len(fresh) == len(before) and all(t is before.get(n) for n, t in fresh.items())
        interfaces[cid] = before if kept else MappingProxyType(fresh)
        if all(t.idle_after is not None for t in fresh.values()):
            settled.add(cid)
    times = traffic.times
    if times:
        times = times[_young(times, now) :]
    return Traffic(
        time=now,
        interfaces=MappingProxyType(interfaces),
        counted=sample.containers,
        missing=sample.missing,
        samples=traffic.samples + 1,
        times=(*times, now),
        settled=frozenset(settled),
    )


def total(items: Iterable[InterfaceTraffic]) -> tuple[float, float] | None:
    """Summed rx and tx bytes/s; None when no interface has a rate yet."""
    rated = [t.rates for t in items if t.rates is not None]
    if not rated:
        return None
    return sum(r.rx_bps for r in rated), sum(r.tx_bps for r in rated)


def format_rate(bps: float) -> str:
    """``1.2 MB/s`` (decimal units, as network rates are read)."""
    value = bps
    for unit in ("B/s", "kB/s", "MB/s", "GB/s"):
        if value < 1000 or unit == "GB/s":
            return f"{value:.0f} {unit}" if unit == "B/s" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_bytes(count: int) -> str:
    """``20.5 MB``: a total, in the units of ``format_rate``."""
    return format_rate(float(count))[: -len("/s")]


def sparkline(values: Iterable[float], width: int = 30) -> str:
    """The last ``width`` values as bars scaled to their maximum (flat when all are 0)."""
    shown = list(values)[-width:]
    top = max(shown, default=0.0)
    if top <= 0:
        return _BARS[0] * len(shown)
    return "".join(_BARS[min(len(_BARS) - 1, int(v / top * (len(_BARS) - 1) + 0.5))] for v in shown)
