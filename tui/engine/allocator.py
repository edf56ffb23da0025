"""The C library's allocator, asked to keep less of what the dashboard freed.

Python hands every object larger than 512 bytes (dicts of a few dozen keys, the
engine's JSON answers, netlink dumps) to ``malloc``. glibc gives each thread that
allocates an arena of its own, and keeps in each what was freed there: the first read,
the plumbing, the counters and the host facts are read in worker threads, and their
arenas held 1-7 MiB after the cold start, for nothing. Elsewhere (musl, macOS) there is
nothing to ask, and these do nothing.
"""

from __future__ import annotations

import ctypes
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


def give_back() -> None:
    """Return the freed pages to the kernel, after a peak (the cold start's inspects)."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)
