"""The dashboard's exit status: 0 when the user quits, 1 after an unhandled error, with the
terminal given back either way. Run as a user runs it: the real ``netdock`` entry point,
in a terminal of its own (a pty)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

# The real command line, with one fault put in from outside: the header's repaint raises.
# Nothing in netdock knows about it; it stands for any bug an unlucky state could reach.
FAULTY = """
import sys
from tui.ui.widgets.header import EngineHeader

def broken(self, *args, **kwargs):
    raise RuntimeError("a fault netdock did not foresee")

EngineHeader.show_state = broken
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""
# Leave the alternate screen, show the cursor again: what a restored terminal was sent.
LEAVE_ALT_SCREEN = b"\x1b[?1049l"


def run_in_terminal(
    code: str, *args: str, keys: bytes = b"", timeout: float = 60
) -> tuple[int, bytes]:
    """Run ``python -c code args`` on a pty; type ``keys`` once it drew; return its exit
    status and everything it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    output = b""
    typed = not keys
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the process closed its side
                    break
                if not chunk:
                    break
                output += chunk
            if not typed and b"netdock" in output:
                time.sleep(1.0)
                os.write(leader, keys)
                typed = True
            if process.poll() is not None and not ready:
                break
        return process.wait(timeout=10), output
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)


NO_ENGINE = ("-H", "unix:///run/netdock-test-no-engine.sock")


def test_an_unhandled_error_exits_1_after_restoring_the_terminal():
    status, output = run_in_terminal(FAULTY, *NO_ENGINE)
    assert status == 1, output[-2000:]
    restored = output.rfind(LEAVE_ALT_SCREEN)
    assert restored != -1, "the terminal was not given back"
    # The traceback is printed on the restored terminal, after leaving the alternate screen.
    assert b"a fault netdock did not foresee" in output[restored:]


def test_quitting_exits_0():
    status, output = run_in_terminal(
        "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))", *NO_ENGINE,
        keys=b"q",
    )  # fmt: skip
    assert status == 0, output[-2000:]
    assert LEAVE_ALT_SCREEN in output
