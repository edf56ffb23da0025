"""Fixtures for tests against the real Docker engine (see engine_helpers).

A test that uses ``lab`` or ``docker_cli`` is marked ``engine`` automatically, and so is
selected or deselected with ``-m engine``; such tests fail, never skip, when the engine is
missing: scripts/test starts it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import TEST_IMAGE, DockerCLI, Lab

ENGINE_FIXTURES = {"lab", "docker_cli"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if ENGINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def docker_cli() -> DockerCLI:
    """The docker CLI, once the engine answers and the test image is there."""
    docker = DockerCLI()
    if not docker.succeeds("version"):
        pytest.fail("no Docker engine answers: run scripts/ensure-engine (scripts/test does)")
    if not docker.succeeds("image", "inspect", TEST_IMAGE):
        pytest.fail(f"test image {TEST_IMAGE} is missing: run scripts/ensure-engine")
    return docker


@pytest.fixture(scope="session", autouse=True)
def _remove_leftovers_of_crashed_sessions(request: pytest.FixtureRequest) -> None:
    """At session start, remove what crashed sessions left, if this session uses the engine."""
    if any(item.get_closest_marker("engine") for item in request.session.items):
        request.getfixturevalue("docker_cli").remove_leftovers()


@pytest.fixture(autouse=True)
def _engine_tests_need_the_engine(request: pytest.FixtureRequest) -> None:
    """Tests marked ``engine`` without an engine fixture still fail early with a clear reason."""
    if request.node.get_closest_marker("engine"):
        request.getfixturevalue("docker_cli")


@pytest.fixture
def lab(docker_cli: DockerCLI, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """Containers and networks for this test, removed at teardown even when it fails."""
    made = Lab(docker_cli, case=request.node.nodeid)
    try:
        yield made
    finally:
        made.cleanup()
