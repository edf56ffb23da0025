"""The dashboard's threads share one malloc arena (glibc would give each its own, and keep
what was freed in it), and giving back the freed memory is harmless."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process: threads that allocate (bytes past Python's small-object allocator go
# to malloc), then the count of glibc's thread arenas: each is a 64 MiB reservation, an
# anonymous read-write part followed by an inaccessible rest.
THREADS = """
import sys, threading
from tui.engine.allocator import give_back, one_arena
if sys.argv[1] == "one":
    one_arena()
def work():
    kept = [bytes(4096) for _ in range(500)]
    del kept
threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads: t.start()
for t in threads: t.join()
give_back()
regions = []
for line in open("/proc/self/maps"):
    fields = line.split()
    start, end = (int(x, 16) for x in fields[0].split("-"))
    regions.append((start, end, fields[1], len(fields) > 5))
arenas = sum(
    1
    for (s1, e1, p1, named1), (s2, e2, p2, named2) in zip(regions, regions[1:])
    if e1 == s2 and p1.startswith("rw") and p2 == "---p" and not named1 and not named2
    and e2 - s1 == 64 * 2**20
)
print(arenas)
"""


def thread_arenas(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", THREADS, mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas only")
def test_threads_share_the_main_arena_once_asked():
    assert thread_arenas("many") >= 1
    assert thread_arenas("one") == 0


# In a fresh process: what a peak leaves (objects kept, a cycle dropped), then its end
# (give_back) and the freeze that follows once the rest is built (freeze_survivors).
FREEZE = """
import gc, sys, weakref
from tui.engine.allocator import freeze_after_peaks, freeze_survivors, give_back
if sys.argv[1] == "freeze":
    freeze_after_peaks()
class Node:
    pass
def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a
gc.disable()  # no collection of its own on the way: the allocator's alone
freeze_survivors()
before_any_peak = gc.get_freeze_count()
kept = [Node() for _ in range(1000)]
dropped = weakref.ref(cycle())
held = [cycle()]  # alive at the peak, garbage after it
give_back()
freeze_survivors()
frozen, collected = gc.get_freeze_count(), dropped() is None
held_ref = weakref.ref(held.pop())
gc.collect()
kept_until_peak = held_ref() is not None
freeze_survivors()  # no peak since: nothing to do
still = held_ref() is not None
give_back()  # the next peak
freeze_survivors()
print(before_any_peak, frozen, collected, kept_until_peak and still, held_ref() is None)
"""


def after_peaks(mode: str) -> tuple[int, int, bool, bool, bool]:
    done = subprocess.run(
        [sys.executable, "-c", FREEZE, mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    before, frozen, *seen = done.stdout.split()
    dropped, held, freed = (word == "True" for word in seen)
    return int(before), int(frozen), dropped, held, freed


def test_a_long_running_process_freezes_what_outlived_a_peak_and_only_then():
    before, frozen, dropped, held, freed = after_peaks("freeze")
    assert before == 0, "no peak has ended yet: nothing to freeze"
    assert frozen >= 1000, "the objects kept are frozen: no full collection walks them"
    assert dropped, "the peak's garbage was collected before the freeze, not kept"
    assert held, "a frozen cycle dropped after the peak is not walked by collections"
    assert freed, "...until the next peak, which thaws and collects it"
    # Not asked to (the test run itself, the headless commands): nothing is frozen.
    assert after_peaks("plain") == (0, 0, False, False, True)
