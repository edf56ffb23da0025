"""`netdock lab up|down` against the real engine, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine_helpers import OWNER_LABEL, RUN_LABEL, TEST_IMAGE, TEST_LABEL, Lab

from tui.core.lab import BUILT_IMAGE, IMAGE_CANDIDATES, LAB_LABEL

NETDOCK = [sys.executable, "-m", "tui"]


def netdock(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    # A config home of its own: the user's settings do not leak into the test.
    env = {**os.environ, "XDG_CONFIG_HOME": str(home)}
    return subprocess.run([*NETDOCK, *args], capture_output=True, text=True, timeout=120, env=env)


def test_lab_up_shows_the_four_modes_and_lab_down_leaves_nothing(lab: Lab, tmp_path: Path):
    prefix = lab.name("lab")
    labels = [f"{TEST_LABEL}=1", f"{RUN_LABEL}={lab.run_id}", f"{OWNER_LABEL}={lab.owner}"]
    test_args = ["--prefix", prefix, *(arg for label in labels for arg in ("--label", label))]
    # No --image, as a newcomer runs it: a local candidate, else the image built offline.
    # Which one is the engine's to say, before the run, not the run's own report.
    have = [c for c in IMAGE_CANDIDATES[:-1] if lab.docker.succeeds("image", "inspect", c)]
    expected = have[0] if have else BUILT_IMAGE
    up = netdock("lab", "up", *test_args, home=tmp_path)
    assert up.returncode == 0, up.stderr
    assert f"lab up, in image {expected}:" in up.stdout
    for example in ("bridge", "host", "container", "none"):
        assert f"{prefix}-{example}" in up.stdout
    # What it prints is what it ran: Example 1 publishes every exposed port.
    bridge_line = next(line for line in up.stdout.splitlines() if f"{prefix}-bridge" in line)
    assert "--net=bridge -P" in bridge_line

    snapshot = netdock("snapshot", "--json", home=tmp_path)
    assert snapshot.returncode == 0, snapshot.stderr
    mine = {
        c["name"].removeprefix(prefix + "-"): c
        for c in json.loads(snapshot.stdout)["containers"]
        if c["name"].startswith(prefix + "-")
    }
    assert {name: (c["mode"], c["state"]) for name, c in mine.items()} == {
        "bridge": ("bridge", "running"),
        "host": ("host", "running"),
        "container": ("container", "running"),
        "none": ("none", "running"),
    }
    published = [p for p in mine["bridge"]["ports"] if p["bound"]]
    assert published and all(p["host_port"] for p in published)  # -P
    assert mine["container"]["shares_namespace_with"] == f"{prefix}-bridge"
    assert mine["container"]["networks"] == mine["bridge"]["networks"]
    assert mine["none"]["networks"] == [] or all(
        n["ipv4"] is None for n in mine["none"]["networks"]
    )

    again = netdock("lab", "up", *test_args, home=tmp_path)
    assert again.returncode == 1 and "the lab is already up" in again.stderr

    down = netdock("lab", "down", "--prefix", prefix, home=tmp_path)
    assert down.returncode == 0, down.stderr
    assert f"removed {prefix}-bridge" in down.stdout
    left = lab.docker.ids(
        "ps", "-aq", "--filter", f"label={LAB_LABEL}=1", "--filter", f"name={prefix}"
    )
    assert left == []
    # The last lab gone takes every image netdock built for a lab, whichever run built it;
    # only another session's lab, up on this shared engine, may still hold one.
    others = lab.docker.ids("ps", "-aq", "--filter", f"label={LAB_LABEL}=1")
    if not others:
        assert "kept image" not in down.stderr
        assert lab.docker.ids("images", "-q", "--filter", f"label={LAB_LABEL}=1") == []
        assert not lab.docker.succeeds("image", "inspect", BUILT_IMAGE)


def test_lab_up_with_an_image_the_engine_lacks_says_what_to_pull(lab: Lab, tmp_path: Path):
    prefix = lab.name("nolab")
    result = netdock("lab", "up", "--image", "nginx:alpine", "--prefix", prefix, home=tmp_path)
    assert result.returncode == 1
    assert "image nginx:alpine is not on the engine" in result.stderr
    assert "docker pull nginx:alpine" in result.stderr
    assert lab.docker.ids("ps", "-aq", "--filter", f"name={prefix}") == []


def test_read_only_refuses_the_lab(lab: Lab, tmp_path: Path):
    prefix = lab.name("rolab")
    result = netdock(
        "--read-only", "lab", "up", "--image", TEST_IMAGE, "--prefix", prefix, home=tmp_path
    )
    # 3, not 2: a script tells "read-only refused" from "no engine".
    assert result.returncode == 3
    assert "lab up changes the engine, and --read-only forbids that" in result.stderr
    result = netdock("--read-only", "lab", "down", "--prefix", prefix, home=tmp_path)
    assert result.returncode == 3
    config = tmp_path / "netdock" / "config.toml"
    config.parent.mkdir()
    config.write_text("read_only = true\n")
    result = netdock("lab", "up", "--image", TEST_IMAGE, "--prefix", prefix, home=tmp_path)
    assert result.returncode == 3 and "read_only = true in the config" in result.stderr
    assert lab.docker.ids("ps", "-aq", "--filter", f"name={prefix}") == []
