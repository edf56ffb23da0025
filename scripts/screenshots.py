"""Drive netdock against the real engine and save what it shows as SVG (see scripts/screenshots).

The scene: the seed article's four modes (`netdock lab up`), a container on two user
networks, two that want the same host port (one running, one created), a VPN adding
NET_ADMIN and six CI runners on docker0 whose finding there is an accepted risk, so
that the ports and security tabs have something to say. All of it is labelled and removed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from tui.cli.common import new_live
from tui.core.audit import Acceptance
from tui.core.config import Config
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.ui.app import NetdockApp
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.security import SecurityTab

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
DOCKER = "/usr/bin/docker"
IMAGE = "netlab/busybox:1"
LABEL = "netdock.screenshots=1"
SIZE = (170, 44)
RUNNERS = 6
ACCEPT = Acceptance(
    "ND-DEFAULT-BRIDGE", "CI runners are throwaway", ("ci-runner-*",), "config.toml", 3
)


def docker(*args: str) -> str:
    return subprocess.run([DOCKER, *args], check=True, capture_output=True, text=True).stdout


def netdock(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "tui", *args], check=True, cwd=ROOT)


def scene_up() -> None:
    netdock("lab", "up", "--image", IMAGE)
    docker("network", "create", "--label", LABEL, "shop-front")
    docker("network", "create", "--label", LABEL, "--internal", "shop-back")
    docker(
        "run",
        "-d",
        "--label",
        LABEL,
        "--name",
        "shop-api",
        "--network",
        "shop-front",
        "-p",
        "127.0.0.1:8080:80",
        IMAGE,
    )
    docker("network", "connect", "shop-back", "shop-api")
    docker(
        "run",
        "-d",
        "--label",
        LABEL,
        "--name",
        "shop-db",
        "--network",
        "shop-back",
        IMAGE,
        "sleep",
        "1000000",
    )
    # Some traffic for the rates: a client fetching from shop-api over shop-front.
    fetch = "while true; do wget -q -O /dev/null http://shop-api/; sleep 0.2; done"
    docker("run", "-d", "--label", LABEL, "--name", "shop-client", "--network", "shop-front",
           IMAGE, "sh", "-c", fetch)  # fmt: skip
    docker("run", "-d", "--label", LABEL, "--name", "metrics", "-p", "9090:80", IMAGE)
    docker("create", "--label", LABEL, "--name", "metrics-next", "-p", "9090:80", IMAGE)
    docker("run", "-d", "--label", LABEL, "--name", "vpn", "--cap-add", "NET_ADMIN", IMAGE,
           "sleep", "1000000")  # fmt: skip
    for i in range(RUNNERS):
        docker("create", "--label", LABEL, "--name", f"ci-runner-{i:02d}", IMAGE)


def scene_down() -> None:
    subprocess.run([sys.executable, "-m", "tui", "lab", "down"], cwd=ROOT, check=False)
    ids = docker("ps", "-aq", "--filter", f"label={LABEL}").split()
    if ids:
        docker("rm", "-f", *ids)
    nets = docker("network", "ls", "-q", "--filter", f"label={LABEL}").split()
    if nets:
        docker("network", "rm", *nets)


async def shoot() -> None:
    app = NetdockApp(new_live(DockerBackend(resolve_endpoint())), config=Config(accept=(ACCEPT,)))
    async with app.run_test(size=SIZE) as pilot:
        start = time.monotonic()
        while not (
            app.state.connection.link is Link.LIVE and app.state.synced and app.state.host.listeners
        ):
            assert time.monotonic() - start < 20, "the engine did not sync"
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        tab = app.query_one(ContainersTab)
        names = [str(tab.table.get_row_at(i)[1]) for i in range(tab.table.row_count)]
        target = next(i for i, n in enumerate(names) if n.endswith("-container"))
        tab.table.move_cursor(row=target)
        await pilot.pause(0.2)
        app.save_screenshot("containers.svg", str(OUT))
        for key, name in (("2", "networks"), ("3", "ports"), ("4", "security")):
            await pilot.press(key)
            await pilot.pause(0.3)
            if name == "ports":
                await pilot.press("down")
            if name == "security":
                # Open the wide-ports check and the accepted group; the cursor on the check.
                tree = app.query_one(SecurityTab).findings_tree
                for node in (n for s in tree.root.children for n in (s, *s.children)):
                    if str(node.label).startswith(("ND-PORT-ALL-INTERFACES", "ACCEPTED")):
                        node.expand()
                        if str(node.label).startswith("ND-PORT"):
                            tree.move_cursor(node)
            await pilot.pause(0.2)
            app.save_screenshot(f"{name}.svg", str(OUT))
        # The plumbing, once a few samples give rates; a veth pair selected.
        await pilot.press("5")
        await pilot.pause(3.0)
        await pilot.press("down", "down")
        await pilot.pause(0.3)
        app.save_screenshot("topology.svg", str(OUT))
        await pilot.press("1", "n")
        await pilot.pause(0.5)
        app.save_screenshot("launcher.svg", str(OUT))
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        app.save_screenshot("keys.svg", str(OUT))


def main() -> int:
    OUT.mkdir(exist_ok=True)
    scene_down()
    try:
        scene_up()
        asyncio.run(shoot())
    finally:
        scene_down()
    for svg in sorted(OUT.glob("*.svg")):
        print(svg.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
