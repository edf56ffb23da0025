"""The first paint: the dashboard's layout drawn from the engine's list before Textual has
loaded, and a handover to Textual that leaves the terminal as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine

from tui.core.state import HostState
from tui.engine.firstread import FirstRead, Listing, first_listings
from tui.ui.engines import EngineState
from tui.ui.firstpaint import CURSOR_ROW, first_state, screen

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NETDOCK = Path(sys.executable).parent / "netdock"
FOOTER = " q Quit"  # Textual's own frame has it; the first paint leaves the footer out


class Terminal:
    """A command in a tmux session of a server of its own, read as a person reads it."""

    def __init__(self, command: str, width: int = 160, height: int = 40) -> None:
        self.server = ["tmux", "-L", f"netdock-fp-{uuid.uuid4().hex[:8]}"]
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run([*self.server, "new-session", "-d", *size, command], check=True)

    def pane(self) -> str:
        return subprocess.run(
            [*self.server, "capture-pane", "-p"], capture_output=True, text=True
        ).stdout

    def until(
        self, predicate: Callable[[str], bool], timeout: float = 30.0, whole: bool = False
    ) -> str:
        """The screen once ``predicate`` holds; ``whole``: and it stayed the same for a
        moment (a frame may be caught half written)."""
        start = time.monotonic()
        last = None
        while time.monotonic() - start < timeout:
            if predicate(text := self.pane()) and (not whole or text == last):
                return text
            last = text
            time.sleep(0.02)
        raise AssertionError("not on screen:\n" + self.pane())

    def press(self, key: str) -> None:
        subprocess.run([*self.server, "send-keys", key], check=True)

    def close(self) -> None:
        subprocess.run([*self.server, "kill-server"], capture_output=True)


def documents() -> Listing:
    return Listing(
        json.loads((DATA / "version.json").read_text()),
        json.loads((DATA / "list_containers.json").read_text()),
        json.loads((DATA / "networks" / "list.json").read_text()),
    )


def test_the_first_frame_has_the_dashboards_layout_and_only_the_listed_rows():
    state = first_state(documents(), "unix:///var/run/docker.sock")
    lines = screen([EngineState(0, "local", state)], NOW, 100, 30)
    plain = [ANSI.sub("", line) for line in lines]
    assert plain[0].startswith(" netdock  unix:///var/run/docker.sock  Docker ")
    assert plain[1].startswith(" 9/11 running  bridge 6")
    assert "port collisions: unknown  audit: unknown" in " ".join(plain[1:3])
    tabs = next(i for i, line in enumerate(plain) if line.startswith(" Containers [1]"))
    assert set(plain[tabs + 1]) == {"━"}
    headers = plain[tabs + 2].split()
    # At 100 columns MAC and NETWORKS give way, as in the dashboard; the rates have none yet.
    assert headers == ["NAME", "▲", "STATE", "MODE", "IPV4", "PORTS", "NAMESPACE", "UP", "RX", "TX"]
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
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual',)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_rows_before_textual_then_a_clean_handover_and_exit(lab):
    """In a real terminal (tmux) on the real engine: the row shows, Textual takes the
    same screen over, and after `q` the shell's screen is as it was."""
    name = lab.run(TEST_IMAGE, name="00firstpaint")  # sorts first: on screen among any others
    term = Terminal(f"echo BEFORE-NETDOCK; {NETDOCK}; echo AFTER-NETDOCK; sleep 60")
    try:
        term.until(lambda text: name in text)
        term.until(lambda text: "● live" in text and "audit:" in text)  # Textual's own frame
        term.press("q")
        after = term.until(lambda text: "AFTER-NETDOCK" in text)
        assert "BEFORE-NETDOCK" in after
        assert name not in after and "Containers [1]" not in after and "NAME" not in after
    finally:
        term.close()


# Several engines -------------------------------------------------------------------------


def test_the_first_frame_of_several_engines_is_the_all_engines_view():
    """An ENGINE column, every engine in the header (one that has not answered is
    connecting, with no rows), rows by name then engine, and the tabs of one engine
    naming the first row's."""
    state = first_state(documents(), "unix:///var/run/docker.sock")
    engines = [EngineState(0, "far", HostState()), EngineState(1, "local", state)]
    plain = [ANSI.sub("", line) for line in screen(engines, NOW, 120, 30)]
    assert plain[0] == " netdock  all engines:  far ◌ connecting  local ◌ connecting"
    assert plain[1].startswith(" 9/11 running  bridge 6")
    tabs = next(i for i, line in enumerate(plain) if line.startswith(" Containers [1]"))
    assert plain[tabs].split("  ") == [
        " Containers [1]",
        "Networks [2] · local",
        "Ports [3]",
        "Security [4]",
        "Timeline [5] · local",
        "Topology [6] · local ",
    ]
    assert plain[tabs + 2].split()[:3] == ["ENGINE", "NAME", "▲"]
    rows = [line.split()[:2] for line in plain[tabs + 3 :]]
    assert rows and all(engine == "local" for engine, _ in rows)
    # Both engines answered: the same names side by side, the first engine's first.
    engines = [EngineState(0, "far", state), EngineState(1, "local", state)]
    plain = [ANSI.sub("", line) for line in screen(engines, NOW, 120, 30)]
    assert plain[1].startswith(" 18/22 running")
    rows = [line.split()[:2] for line in plain[tabs + 3 :]]
    assert rows[:4] == [
        ["far", "ndcap-chained"],
        ["local", "ndcap-chained"],
        ["far", "ndcap-created"],
        ["local", "ndcap-created"],
    ]


@pytest.fixture(scope="module")
def two_engines() -> Iterator[tuple[PrivateEngine, PrivateEngine]]:
    """Two private engines: apple and cherry on the first, banana on the second."""
    with PrivateEngine("fp-a") as a, PrivateEngine("fp-b") as b:
        for engine, names in ((a, ("fp-apple", "fp-cherry")), (b, ("fp-banana",))):
            engine.load_test_image()
            for name in names:
                engine.docker("run", "-d", "--name", name, TEST_IMAGE, *SLEEP)
        yield a, b


def test_the_first_paint_waits_for_no_engine_that_hangs(two_engines):
    """With one engine hung (it takes the connection, never answers), the first engine that
    answers is painted at once, and the hung one's read goes on for its pipeline."""
    a, b = two_engines
    with b.frozen():
        news = threading.Condition()
        reads = [FirstRead.of(b.host, news), FirstRead.of(a.host, news)]
        hung, answered = first_listings(reads)
        assert hung is None
        assert answered is not None
        assert {c["Names"][0] for c in answered.containers} == {"/fp-apple", "/fp-cherry"}
    # Not waited out (its read would have timed out): it answers once the engine goes on.
    assert reads[0] is not None
    documents = reads[0].take()
    assert documents is not None and [c["Names"] for c in documents.containers] == [["/fp-banana"]]


def test_several_engines_rows_before_textual_and_a_seamless_handover(two_engines):
    """In a real terminal: with the first engine hung, the other's rows are painted in the
    all-engines layout before Textual has loaded; Textual's first frame draws the very same
    lines; once the hung engine answers its rows join; `q` leaves the shell's screen."""
    a, b = two_engines
    with b.frozen():
        term = Terminal(
            f"echo BEFORE-NETDOCK; {NETDOCK} -H {b.host} -H {a.host}; echo AFTER; sleep 60"
        )
        try:
            painted = term.until(lambda t: "fp-apple" in t and FOOTER not in t, whole=True)
            with a.frozen():  # the frames compared show the same facts
                textual = term.until(lambda text: FOOTER in text, whole=True)
        except BaseException:
            term.close()
            raise
    try:
        lines = painted.rstrip("\n").splitlines()
        assert lines[0].startswith(" netdock  all engines: ")
        assert "ENGINE" in painted and "fp-cherry" in painted and "fp-banana" not in painted
        # Line for line (the tab bar's underline aside: Textual moves it under the tab
        # itself, as it does with one engine).
        same = [
            (drawn, line)
            for drawn, line in zip(textual.splitlines(), lines, strict=False)
            if not set(line) <= set("━╸╺")
        ]
        assert all(drawn == line for drawn, line in same), f"{painted}\n---\n{textual}"
        term.until(lambda text: all(f"fp-{n}" in text for n in ("apple", "banana", "cherry")))
        term.until(lambda text: "◌" not in text.splitlines()[0])  # both live
        term.press("q")
        after = term.until(lambda text: "AFTER" in text)
        assert "BEFORE-NETDOCK" in after and "fp-apple" not in after and "ENGINE" not in after
    finally:
        term.close()


def test_a_dead_engine_does_not_keep_the_others_rows_off_the_first_paint(two_engines):
    """The first engine refuses (nothing at its socket): the second's rows are painted, the
    dead one connecting; the dashboard then says it is down, the other live."""
    a, _ = two_engines
    dead = f"unix:///tmp/nd-dead-{uuid.uuid4().hex[:6]}.sock"  # short: the header shows it
    term = Terminal(f"{NETDOCK} -H {dead} -H {a.host}")
    try:
        painted = term.until(lambda t: "fp-apple" in t and FOOTER not in t, whole=True)
        assert "◌ connecting" in painted.splitlines()[0]
        shown = term.until(lambda t: "✕ no engine" in t and "fp-cherry" in t and FOOTER in t)
        assert "fp-apple" in shown
        term.press("q")
    finally:
        term.close()
