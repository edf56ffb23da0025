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

from tui.core.model import Counters, CounterSample

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


class InterfaceTraffic(NamedTuple):
    """One interface of one container: its totals, its last rates, its last minute."""

    counters: Counters
    rates: Rates | None = None
    """None after the first sample, or when the counters restarted."""
    restarted: bool = False
    history: tuple[tuple[float, float, float], ...] = ()
    """(time, rx_bps, tx_bps) over the last minute, oldest first."""


NO_INTERFACES: Mapping[str, Mapping[str, InterfaceTraffic]] = MappingProxyType({})
NO_REASONS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Traffic:
    """The rates of every sampled interface: container ID -> interface name -> traffic."""

    time: float | None = None
    interfaces: Mapping[str, Mapping[str, InterfaceTraffic]] = field(
        default_factory=lambda: NO_INTERFACES
    )
    inodes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    missing: Mapping[str, str] = field(default_factory=lambda: NO_REASONS)
    """Container ID -> why the last sample has no counters for it."""
    samples: int = 0

    def of(self, container_id: str) -> Mapping[str, InterfaceTraffic]:
        """A container's interfaces, by name."""
        return self.interfaces.get(container_id, MappingProxyType({}))

    def get(self, container_id: str, interface: str) -> InterfaceTraffic | None:
        return self.of(container_id).get(interface)


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


def _one(
    known: InterfaceTraffic | None,
    same_namespace: bool,
    counters: Counters,
    seconds: float | None,
    now: float,
    quiet: tuple[float, float, float],
) -> InterfaceTraffic:
    if known is None or not same_namespace or seconds is None or seconds <= 0:
        # A first sight, or a namespace that is not the one measured before: a baseline.
        restarted = known is not None and not same_namespace
        return InterfaceTraffic(counters, None, restarted, known.history if known else ())
    rates = _rates(known.counters, counters, seconds)
    history = known.history
    old = 0  # oldest first: only the front can have aged out
    while old < len(history) and now - history[old][0] >= HISTORY_SECONDS:
        old += 1
    if old:
        history = history[old:]
    if rates is not None:
        history = (*history, quiet if rates is IDLE else (now, rates.rx_bps, rates.tx_bps))
    return InterfaceTraffic(counters, rates, rates is None, history)


def advance(traffic: Traffic, sample: CounterSample) -> Traffic:
    """The rates between the last sample and ``sample``."""
    seconds = sample.time - traffic.time if traffic.time is not None else None
    # Most interfaces are quiet most seconds: their minute of history shares one point per
    # sample (a minute of 1,000 interfaces' points is 4 MiB when each has its own).
    quiet = (sample.time, 0.0, 0.0)
    interfaces: dict[str, Mapping[str, InterfaceTraffic]] = {}
    for cid, namespace in sample.containers.items():
        same = traffic.inodes.get(cid) == namespace.inode
        before = traffic.of(cid)
        interfaces[cid] = MappingProxyType(
            {
                name: _one(before.get(name), same, counters, seconds, sample.time, quiet)
                for name, counters in namespace.interfaces.items()
            }
        )
    return Traffic(
        time=sample.time,
        interfaces=MappingProxyType(interfaces),
        inodes=MappingProxyType({cid: ns.inode for cid, ns in sample.containers.items()}),
        missing=sample.missing,
        samples=traffic.samples + 1,
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
