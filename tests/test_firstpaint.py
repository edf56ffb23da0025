"""The first paint: the dashboard's layout drawn from the engine's list before Textual has
loaded, and a handover to Textual that leaves the terminal as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from engine_helpers import TEST_IMAGE

from tui.engine.firstread import Listing
from tui.ui.firstpaint import CURSOR_ROW, first_state, screen

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def documents() -> Listing:
    return Listing(
        json.loads((DATA / "version.json").read_text()),
        json.loads((DATA / "list_containers.json").read_text()),
        json.loads((DATA / "networks" / "list.json").read_text()),
    )


def test_the_first_frame_has_the_dashboards_layout_and_only_the_listed_rows():
    state = first_state(documents(), "unix:///var/run/docker.sock")
    lines = screen(state, datetime(2026, 1, 1, tzinfo=UTC), 100, 30)
    plain = [ANSI.sub("", line) for line in lines]
    assert plain[0].startswith(" netdock  unix:///var/run/docker.sock  Docker ")
    assert plain[1].startswith(" 9/11 running  bridge 6")
    assert "port collisions: unknown  audit: unknown" in " ".join(plain[1:3])
    tabs = next(i for i, line in enumerate(plain) if line.startswith(" Containers [1]"))
    assert set(plain[tabs + 1]) == {"━"}
    headers = plain[tabs + 2].split()
    # At 100 columns MAC and NETWORKS give way, as in the dashboard.
    assert headers == ["NAME", "▲", "STATE", "MODE", "IPV4", "PORTS", "NAMESPACE", "UP"]
    names = [line.split()[0] for line in plain[tabs + 3 :]]
    listed = sorted(c.name for c in state.containers.values())[: len(names)]
    assert len(names) == len(listed)
    assert all(want.startswith(name.rstrip("…")) for name, want in zip(names, listed, strict=True))
    assert names[0] == "ndcap-chained" and len(names) >= 5
    assert lines[tabs + 3].startswith(CURSOR_ROW)  # the cursor on the first row
    assert all(len(line) <= 100 for line in plain)


def test_the_first_paint_imports_no_textual():
    code = (
        "import sys, tui.ui.firstpaint, tui.cli.dashboard\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'aiodocker')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_rows_before_textual_then_a_clean_handover_and_exit(lab):
    """In a real terminal (tmux) on the real engine: the row shows, Textual takes the
    same screen over, and after `q` the shell's screen is as it was."""
    name = lab.run(TEST_IMAGE, name="00firstpaint")  # sorts first: on screen among any others
    server = ["tmux", "-L", f"netdock-fp-{uuid.uuid4().hex[:8]}"]
    netdock = Path(sys.executable).parent / "netdock"
    script = f"echo BEFORE-NETDOCK; {netdock}; echo AFTER-NETDOCK; sleep 60"
    subprocess.run([*server, "new-session", "-d", "-x", "160", "-y", "40", script], check=True)

    def pane() -> str:
        return subprocess.run(
            [*server, "capture-pane", "-p"], capture_output=True, text=True
        ).stdout

    def until(predicate, timeout: float = 20.0) -> str:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if predicate(text := pane()):
                return text
            time.sleep(0.02)
        raise AssertionError("not on screen:\n" + pane())

    try:
        until(lambda text: name in text)
        until(lambda text: "● live" in text and "audit:" in text)  # Textual's own frame
        subprocess.run([*server, "send-keys", "q"], check=True)
        after = until(lambda text: "AFTER-NETDOCK" in text)
        assert "BEFORE-NETDOCK" in after
        assert name not in after and "Containers [1]" not in after and "NAME" not in after
    finally:
        subprocess.run([*server, "kill-server"], capture_output=True)
