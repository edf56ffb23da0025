"""Drive netdock against the real engine and save what it shows as SVG (see scripts/screenshots).

The scene: the seed article's four modes (`netdock lab up`), a container on two user
networks, two that want the same host port (one running, one created), a VPN adding
NET_ADMIN and six CI runners on docker0 whose finding there is an accepted risk, so
that the ports and security tabs have something to say. All of it is labelled and removed.

The screen is 120 columns wide: what a person's terminal shows, every column on screen.
``--png DIR`` also renders each SVG as a browser does (Debian's headless chromium) into
DIR, to look at them as a reader of the README will.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tui.cli.common import new_live
from tui.core.audit import Acceptance
from tui.core.config import Config
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint, resolve_endpoints
from tui.ui.app import NetdockApp
from tui.ui.tabs.containers import ContainersTab
from tui.ui.tabs.security import SecurityTab

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
DOCKER = "/usr/bin/docker"
IMAGE = "netlab/busybox:1"
LABEL = "netdock.screenshots=1"
SIZE = (120, 44)
CHROMIUM = "/usr/bin/chromium"
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
        # Live, every container read, the host's listeners and the plumbing in, and two
        # samples of the counters: the rates on screen.
        while not (
            app.state.connection.link is Link.LIVE
            and app.state.synced
            and app.state.host.listeners
            and app.state.kernel.available
            and app.state.traffic.samples >= 2
        ):
            assert time.monotonic() - start < 20, "the engine did not sync"
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        tab = app.query_one(ContainersTab)
        names = [str(tab.table.get_row(key)[1]) for key in tab.table.order]
        target = next(i for i, n in enumerate(names) if n.endswith("-container"))
        tab.table.move_cursor(target)
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
        await pilot.press("6")
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
        # The timeline: the lab's -P container restarts, its host ports move, and the
        # container that joined its namespace is left with loopback only.
        await pilot.press("escape")
        log = app.changelogs[0]
        told = log.total
        await asyncio.to_thread(docker, "restart", "-t", "0", "netdock-lab-bridge")
        start = time.monotonic()
        while not any(c.kind == "namespace-orphaned" for c in log.changes):
            assert time.monotonic() - start < 20, f"no orphan told ({log.total - told})"
            await pilot.pause(0.05)
        await pilot.press("5")
        await pilot.pause(0.5)
        app.save_screenshot("timeline.svg", str(OUT))


def render_png(svg: Path, png: Path) -> None:
    """The SVG as a browser draws it, at its own size."""
    box = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg.read_text())
    width, height = (round(float(x)) for x in box.groups()) if box else (1600, 1000)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                f"--screenshot={png}", f"--window-size={width},{height}", svg.as_uri(),
            ],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip


async def shoot_engines() -> None:
    """Two engines: this host's, and a second one over TCP with TLS (the test suite's
    remote engine: its own dockerd in a network namespace, reached through a veth pair)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from remote_engine import RemoteEngine

    with RemoteEngine("shots") as far:
        far.load_test_image()
        far.docker("run", "-d", "--name", "shop-edge", "-p", "8080:80", IMAGE)
        far.docker("run", "-d", "--name", "shop-cache", IMAGE, "sleep", "1000000")
        far.docker("run", "-d", "--name", "shop-worker", "--network", "host", IMAGE,
                   "sleep", "1000000")  # fmt: skip
        (remote,) = resolve_endpoints([("host", far.tls_url)], env=far.tls_env())
        app = NetdockApp(
            [new_live(DockerBackend(resolve_endpoint())), new_live(DockerBackend(remote))]
        )
        async with app.run_test(size=SIZE) as pilot:
            start = time.monotonic()
            while not all(s.connection.link is Link.LIVE and s.synced for s in app.engines.states):
                assert time.monotonic() - start < 30, "the engines did not sync"
                await pilot.pause(0.05)
            # This host's shop and the remote one, side by side.
            await pilot.press("slash", *"shop", "enter")
            await pilot.pause(0.5)
            app.save_screenshot("engines.svg", str(OUT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, help="also render each SVG to a PNG in this folder")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    scene_down()
    try:
        scene_up()
        asyncio.run(shoot())
        asyncio.run(shoot_engines())
    finally:
        scene_down()
    for svg in sorted(OUT.glob("*.svg")):
        print(svg.relative_to(ROOT))
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            render_png(svg, args.png / f"{svg.stem}.png")
            print(args.png / f"{svg.stem}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
