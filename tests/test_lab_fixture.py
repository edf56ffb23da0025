"""The lab fixture's promise: everything a test makes is labelled, and all of it goes away.

If teardown leaked, every engine test after it would see strangers' containers and ports.
"""

from __future__ import annotations

import subprocess
import sys

from engine_helpers import OWNER_LABEL, SLEEP, TEST_IMAGE, TEST_LABEL, DockerCLI, Lab


def _labelled(docker: DockerCLI, label: str) -> list[str]:
    found = docker.ids("ps", "-aq", "--filter", f"label={label}")
    return found + docker.ids("network", "ls", "-q", "--filter", f"label={label}")


def test_objects_carry_the_test_labels_and_unique_names(lab: Lab) -> None:
    web = lab.run("-P", TEST_IMAGE, name="web")
    net = lab.network("front")
    labels = lab.inspect(web)["Config"]["Labels"]
    assert labels[TEST_LABEL] == "1"
    assert labels["netdock.test.run"] == lab.run_id
    assert lab.inspect_network(net)["Labels"][TEST_LABEL] == "1"
    assert web == f"web-{lab.run_id}" and net == f"front-{lab.run_id}"
    assert lab.name() != lab.name()


def test_cleanup_removes_containers_in_every_state_and_their_networks(
    docker_cli: DockerCLI,
) -> None:
    lab = Lab(docker_cli)
    try:
        front, back = lab.network("front"), lab.network("back", "--internal")
        web = lab.run("-P", "--network", front, TEST_IMAGE, name="web")
        lab.connect(back, web, "--alias", "api")
        lab.run("--network", f"container:{web}", TEST_IMAGE, *SLEEP, name="sidecar")
        lab.run("--network", "host", TEST_IMAGE, *SLEEP, name="hosted")
        lab.run("--network", "none", TEST_IMAGE, *SLEEP, name="isolated")
        lab.create("-p", "127.0.0.1::443", TEST_IMAGE, name="created")
        paused = lab.run(TEST_IMAGE, *SLEEP, name="paused")
        docker_cli("pause", paused)
        exited = lab.run("-P", TEST_IMAGE, name="exited")
        docker_cli("stop", "-t", "0", exited)
        # Made outside run/create but with the lab's labels: cleanup finds it by label.
        docker_cli("run", "-d", *lab.labels, "--network", back, TEST_IMAGE, *SLEEP)
        assert len(_labelled(docker_cli, f"netdock.test.run={lab.run_id}")) == 10
    finally:
        lab.cleanup()
    assert _labelled(docker_cli, f"netdock.test.run={lab.run_id}") == []
    assert docker_cli("ps", "-aq", "--filter", f"name={lab.run_id}") == ""


def test_session_start_removes_only_leftovers_of_sessions_that_are_gone(
    docker_cli: DockerCLI,
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    crashed, running = Lab(docker_cli, owner=gone), Lab(docker_cli)
    try:
        crashed.run("-P", TEST_IMAGE)
        crashed.network()
        running.run(TEST_IMAGE, *SLEEP)
        running.network()

        docker_cli.remove_leftovers()

        assert _labelled(docker_cli, f"{OWNER_LABEL}={gone}") == []
        assert len(_labelled(docker_cli, f"netdock.test.run={running.run_id}")) == 2
    finally:
        crashed.cleanup()
        running.cleanup()
