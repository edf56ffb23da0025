"""The C library's allocator, asked to keep less of what the dashboard freed; and the
garbage collector, asked to walk less of what the dashboard keeps.

Python hands every object larger than 512 bytes (dicts of a few dozen keys, the
engine's JSON answers, netlink dumps) to ``malloc``. glibc gives each thread that
allocates an arena of its own, and keeps in each what was freed there: the first read,
the plumbing, the counters and the host facts are read in worker threads, and their
arenas held 1-7 MiB after the cold start, for nothing. Elsewhere (musl, macOS) there is
nothing to ask, and these do nothing.

The collector's full collections walk every object tracked: a dashboard of 2 x 250
containers holds 115,000 after its cold start (the state, the widgets, the caches), and
one walk of them took 60-80 ms, about once a minute as the samples' short-lived objects
came and went (a tenth of a percent of a core, for nothing found). A long-running
command opts in to ``freeze_after_peaks``: after each peak it collects once and freezes
what survived, which the collections until the next peak do not walk. The price: what was
frozen and has since become garbage in a cycle (a notice's widgets once it is gone) stays
until the next peak (an engine's reconnect), which thaws everything first.
"""

from __future__ import annotations

import ctypes
import gc
from typing import Any

M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter: how many arenas the threads share at most."""

_LIBC: Any = ctypes.CDLL(None)


def one_arena() -> None:
    """Every thread allocates from the main arena (call it before any thread starts).
    Under the GIL the threads seldom allocate at once: one arena costs no waiting."""
    mallopt = getattr(_LIBC, "mallopt", None)
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


_freezing = False
_peak_over = False


def freeze_after_peaks() -> None:
    """From now on, the end of each peak (``give_back``) lets ``freeze_survivors`` freeze
    what the process holds. For a process that runs on after its cold start (the
    dashboard) and keeps most of what it built. A process that did not ask (the test
    run, the headless commands) freezes nothing."""
    global _freezing
    _freezing = True


def give_back() -> None:
    """Return the freed pages to the kernel, after a peak (the cold start's inspects), and
    mark its end for ``freeze_survivors``."""
    global _peak_over
    _peak_over = _freezing
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


def freeze_survivors() -> None:
    """After a peak's end, once what comes of it is built too (the dashboard: its rows on
    screen): thaw, collect once, freeze what survived. Otherwise nothing."""
    global _peak_over
    if _peak_over:
        _peak_over = False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
