"""Writes docs/launcher.svg: the launcher over the lab, refusing a host port the lab holds.

Needs the engine and the test image. Run from the repository root:
``.venv/bin/python docs/launcher_screenshot.py``. It brings the lab up (and down again
if it was not up before).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from tui.cli.common import new_live  # noqa: E402
from tui.core.state import Link  # noqa: E402
from tui.engine.docker import DockerBackend  # noqa: E402
from tui.engine.endpoint import resolve_endpoint  # noqa: E402
from tui.ui.app import NetdockApp  # noqa: E402
from tui.ui.screens.launcher import LauncherScreen  # noqa: E402

IMAGE = "netlab/busybox:1"


def netdock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], cwd=ROOT, text=True, capture_output=True
    )


async def wait(pilot, condition, timeout: float = 20.0) -> None:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        await pilot.pause(0.05)


async def shoot() -> None:
    app = NetdockApp(new_live(DockerBackend(resolve_endpoint())))
    async with app.run_test(size=(140, 44)) as pilot:
        await wait(pilot, lambda: app.state.connection.link is Link.LIVE and app.state.synced)
        bridge = app.state.container("netdock-lab-bridge")
        assert bridge is not None, "no lab"
        held = next(p.host_port for p in bridge.ports if p.bound and p.host_port)
        await pilot.press("slash", *"netdock-lab", "enter")
        await pilot.press("n")
        await wait(pilot, lambda: isinstance(app.screen, LauncherScreen))
        screen = app.screen
        await wait(pilot, lambda: screen.images_loaded)
        await pilot.press(*"netl", "right", "tab", *"web2", "tab", "tab", "tab")
        await pilot.press(*f"{held}:80, 127.0.0.1:5353:53/udp", "tab", *"httpd -f -p 80")
        await pilot.pause(0.6)
        app.save_screenshot("launcher.svg", str(ROOT / "docs"))
        await pilot.press("escape")


def main() -> None:
    was_up = (
        "netdock-lab-bridge"
        in subprocess.run(
            ["/usr/bin/docker", "ps", "--format", "{{.Names}}"], capture_output=True, text=True
        ).stdout
    )
    if not was_up:
        done = netdock("lab", "up", "--image", IMAGE)
        assert done.returncode == 0, done.stderr
    try:
        asyncio.run(shoot())
    finally:
        if not was_up:
            netdock("lab", "down")


if __name__ == "__main__":
    main()
