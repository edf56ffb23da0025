"""The private engine's promise: it leaves nothing behind, even when its session is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from private_engine import PrivateEngine, sweep_leftovers

CRASHING_SESSION = """
import sys, time
sys.path.insert(0, {tests!r})
from private_engine import PrivateEngine
engine = PrivateEngine("crash").start()
print(engine.root, engine.netns, engine.process.pid, flush=True)
time.sleep(600)
"""

# Real engines, never skipped: they need the shared one and root for the private ones.
pytestmark = pytest.mark.engine


def _netns() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_a_killed_session_s_engine_is_swept_by_the_next_one() -> None:
    session = subprocess.Popen(
        [sys.executable, "-c", CRASHING_SESSION.format(tests=str(Path(__file__).parent))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert session.stdout is not None
        root, netns, dockerd = session.stdout.readline().split()
    finally:
        session.send_signal(signal.SIGKILL)
        session.wait(10)
    assert Path(f"/proc/{dockerd}").exists()  # outlived its session
    sweep_leftovers()
    assert not Path(root).exists()
    assert netns not in _netns()
    assert (
        not Path(f"/proc/{dockerd}").exists()
        or b"nd-crash" not in Path(f"/proc/{dockerd}/cmdline").read_bytes()
    )


def test_a_live_session_s_engine_is_left_alone() -> None:
    with PrivateEngine("alive") as engine:
        sweep_leftovers()
        assert engine.succeeds("version")
    assert not engine.root.exists()
    assert engine.netns not in _netns()
