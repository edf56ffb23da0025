"""Actions and the launcher, driven by keys against the real engine.

Every assertion is what the engine reports (``docker inspect``) or what the table shows;
containers the launcher makes carry the lab's labels (``launch_labels``), so the lab's
teardown removes them as well.
"""

from __future__ import annotations

import asyncio
import html
import re
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine_helpers import (
    CASE_LABEL,
    OWNER_LABEL,
    RUN_LABEL,
    SLEEP,
    TEST_IMAGE,
    TEST_LABEL,
    Lab,
)

from tui.cli.common import new_live
from tui.core.config import Config, Preset
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.ui.app import NetdockApp
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.launcher import LauncherScreen
from tui.ui.tabs.containers import ContainersTab

TIMEOUT = 20.0  # the engine is shared with other suites: be patient, never sleep blindly


async def until(pilot, condition: Callable[[], object], timeout: float = TIMEOUT) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout} s")
        await pilot.pause(0.05)


def lab_labels(lab: Lab) -> dict[str, str]:
    return {TEST_LABEL: "1", RUN_LABEL: lab.run_id, OWNER_LABEL: lab.owner, CASE_LABEL: lab.case}


def engine_app(lab: Lab, **kwargs) -> NetdockApp:
    return NetdockApp(
        new_live(DockerBackend(resolve_endpoint())), launch_labels=lab_labels(lab), **kwargs
    )


def visible_text(app: NetdockApp) -> str:
    """The characters on screen, as a user reads them (from the SVG export)."""
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


def table_row(app: NetdockApp, name: str) -> list[str] | None:
    table = app.query_one(ContainersTab).table
    for key in table.order:
        cells = [str(c) for c in table.get_row(key)]
        if cells[1] == name:
            return cells
    return None


def shown_state(app: NetdockApp, name: str) -> str | None:
    row = table_row(app, name)
    return row[2] if row else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def made_by_lab(lab: Lab) -> list[str]:
    return lab.docker.ids("ps", "-aq", "--filter", f"label={RUN_LABEL}={lab.run_id}")


def engine_state(lab: Lab, name: str) -> str:
    return lab.inspect(name)["State"]["Status"]


def exited_as(lab: Lab, name: str) -> str:
    """STATE of an exited container as the table shows it: with the engine's exit code."""
    return f"exited ({lab.inspect(name)['State']['ExitCode']})"


async def started(pilot, app: NetdockApp) -> None:
    """The dashboard has read the engine and follows its events."""
    await until(pilot, lambda: app.state.connection.link is Link.LIVE and app.state.synced)


def selected_id(app: NetdockApp) -> str:
    return app.containers.selected.id if app.containers.selected else ""


async def select(pilot, app: NetdockApp, name: str) -> None:
    """Filter the table down to ``name`` and put the cursor on it, as a user would."""
    await until(pilot, lambda: table_row(app, name) is not None)
    await pilot.press("slash", *name, "enter")
    await until(
        pilot, lambda: app.containers.selected is not None and app.containers.selected.name == name
    )


async def open_launcher(pilot, app: NetdockApp, key: str = "n") -> LauncherScreen:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, LauncherScreen))
    screen = app.screen
    assert isinstance(screen, LauncherScreen)
    await until(pilot, lambda: screen.images_loaded)
    return screen


async def fill(
    pilot,
    screen: LauncherScreen,
    *,
    image: str = TEST_IMAGE,
    name: str = "",
    mode: str | None = None,
    publish_all: bool = False,
    ports: str = "",
    command: str = "",
) -> None:
    """Type into the launcher, field after field (Tab), as a user would."""
    assert screen.app.focused is screen.query_one("#image")
    if image == TEST_IMAGE:
        await pilot.press(*"netl", "right")  # the completion from the engine's images
        assert screen.query_one("#image").value == TEST_IMAGE
    else:
        await pilot.press(*image)
    await pilot.press("tab", *name, "tab")
    if mode is not None:
        await pilot.press("enter", *mode, "enter")
    await pilot.press("tab")
    if publish_all:
        await pilot.press("space")
    await pilot.press("tab", *ports, "tab", *command)
    await pilot.pause(0.05)


def problems_shown(screen: LauncherScreen, field: str) -> str:
    return str(screen.query_one(f"#{field}-problems").render())


async def launch(pilot, app: NetdockApp, **fields) -> str:
    """Fill the launcher, press Enter; the new container's ID once the launcher closes."""
    screen = await open_launcher(pilot, app)
    await fill(pilot, screen, **fields)
    launched: list[str | None] = []
    screen.dismiss = _recording(screen.dismiss, launched)  # type: ignore[method-assign]
    await pilot.press("enter")
    await until(pilot, lambda: app.screen is not screen)
    assert launched and launched[0], str(screen.query_one("#engine").render())
    return launched[0]


def _recording(dismiss, into: list):
    def record(result=None):
        into.append(result)
        return dismiss(result)

    return record


# Launching in each mode -------------------------------------------------------------


async def test_launch_bridge_with_publish_all_and_with_an_explicit_port(lab: Lab):
    port = free_port()
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)

        name = lab.name("pall")
        lab.containers.append(name)
        cid = await launch(pilot, app, name=name, publish_all=True)
        doc = lab.inspect(name)
        assert doc["Id"] == cid and doc["State"]["Running"]
        assert doc["HostConfig"]["NetworkMode"] == "bridge"
        assert doc["HostConfig"]["PublishAllPorts"] is True
        bound = doc["NetworkSettings"]["Ports"]
        assert bound["80/tcp"][0]["HostPort"] and bound["443/tcp"][0]["HostPort"]
        # The table follows through the engine's events, and the cursor is on the new one.
        await until(pilot, lambda: shown_state(app, name) == "running")
        await until(pilot, lambda: "->80/tcp" in table_row(app, name)[7])
        assert table_row(app, name)[3] == "bridge"
        await until(pilot, lambda: app.containers.selected.id == cid)

        name = lab.name("explicit")
        lab.containers.append(name)
        await launch(pilot, app, name=name, ports=f"127.0.0.1:{port}:80")
        doc = lab.inspect(name)
        assert doc["HostConfig"]["PortBindings"] == {
            "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
        }
        assert doc["NetworkSettings"]["Ports"]["80/tcp"] == [
            {"HostIp": "127.0.0.1", "HostPort": str(port)}
        ]
        await until(pilot, lambda: shown_state(app, name) == "running")
        assert f"127.0.0.1:{port}->80/tcp" in table_row(app, name)[7]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
        assert answer.status == 200


async def test_launch_in_host_none_container_and_user_network_modes(lab: Lab):
    target = lab.run(TEST_IMAGE, *SLEEP, name="target")
    network = lab.network("front")
    cases = [  # (typed in the mode's search, command, NetworkMode the engine reports, MODE shown)
        # Host mode gets an idle command: the image's httpd would take the host's port 80.
        ("host", "sleep 999", "host", "host"),
        ("none", "", "none", "none"),
        (f"container:{target}", "", "container:" + lab.inspect(target)["Id"], "container"),
        (network, "", network, "bridge"),
    ]
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await until(pilot, lambda: app.state.network_by_name(network) is not None)
        for typed, command, network_mode, shown_mode in cases:
            cid = await launch(pilot, app, mode=typed, command=command)
            doc = lab.inspect(cid)
            name = doc["Name"].lstrip("/")
            assert doc["HostConfig"]["NetworkMode"] == network_mode
            assert doc["State"]["Running"]
            await until(pilot, lambda name=name: shown_state(app, name) == "running")
            assert table_row(app, name)[3] == shown_mode
            if typed == network:
                assert list(doc["NetworkSettings"]["Networks"]) == [network]
            if typed.startswith("container:"):
                assert table_row(app, name)[8] == f"-> {target}"


async def test_an_empty_name_lets_the_engine_pick_one(lab: Lab):
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        cid = await launch(pilot, app, mode="none")
        name = lab.inspect(cid)["Name"].lstrip("/")
        assert "_" in name  # adjective_surname, as in the article's trusting_feynman
        await until(pilot, lambda: shown_state(app, name) == "running")
        await until(
            pilot, lambda: app.containers.selected is not None and app.containers.selected.id == cid
        )


# Bad input: the error is shown and nothing is created -----------------------------------


@contextmanager
def listening_socket() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


async def refused(
    pilot, app: NetdockApp, lab: Lab, fields: dict, field: str, expected: str, before: list[str]
) -> None:
    """Type ``fields``, see ``expected`` under ``field``, press Enter: nothing is created."""
    screen = await open_launcher(pilot, app)
    await fill(pilot, screen, **fields)
    await until(pilot, lambda: expected in problems_shown(screen, field))
    await pilot.press("enter")
    await until(pilot, lambda: "Nothing was sent" in str(screen.query_one("#engine").render()))
    assert app.screen is screen
    assert sorted(made_by_lab(lab)) == before, fields
    await pilot.press("escape")
    await until(pilot, lambda: app.screen is not screen)


async def test_each_bad_input_shows_its_error_and_creates_nothing(lab: Lab):
    held = free_port()
    holder = lab.run("-p", f"127.0.0.1:{held}:80", TEST_IMAGE, name="holder")
    stopped = lab.create(TEST_IMAGE, name="stopped")
    cases = [
        (dict(ports="80:a"), "ports", 'Invalid port "80:a"'),
        (
            dict(ports=f"127.0.0.1:{held}:80"),
            "ports",
            f"host port {held}/tcp is held by container {holder}; {held + 1} is free (try "
            f"127.0.0.1:{held + 1}:80)",
        ),
        (dict(mode="host", ports="80"), "ports", "host mode uses the host's own ports"),
        (dict(mode="none", publish_all=True), "ports", "none mode has no network"),
        (
            dict(mode=f"container:{stopped}"),
            "mode",
            f"container mode: {stopped} is created; only a running container",
        ),
        (
            dict(mode=f"container:{holder}", ports="81"),
            "ports",
            "the engine refuses port publishing here",
        ),
        (dict(name=holder), "name", f"the name {holder} is already in use"),
        (
            dict(image="nginx:alpine"),
            "image",
            "nginx:alpine is not on the engine, and netdock does not pull",
        ),
        (dict(command="sh -c 'echo"), "command", "No closing quotation"),
    ]
    with listening_socket() as process_port:
        app = engine_app(lab)
        async with app.run_test(size=(200, 50)) as pilot:
            await started(pilot, app)
            cases.append(
                (dict(ports=f"127.0.0.1:{process_port}:80"), "ports", "is held by process ")
            )
            before = sorted(made_by_lab(lab))
            for fields, field, expected in cases:
                await refused(pilot, app, lab, fields, field, expected, before)


async def test_created_but_not_started_is_offered_for_removal(lab: Lab):
    name = lab.name("nostart")
    lab.containers.append(name)
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        screen = await open_launcher(pilot, app)
        await fill(pilot, screen, name=name, command="no-such-command")
        await pilot.press("enter")
        await until(pilot, lambda: screen.has_class("start-failed"))
        said = str(screen.query_one("#engine").render())
        assert f"{name} was created, but the engine would not start it" in said
        assert "no-such-command" in said  # the engine's own message
        assert f"{name} exists now, in state Created. Remove it?" in said
        assert engine_state(lab, name) == "created"
        await pilot.press("r")
        await until(pilot, lambda: not lab.docker.succeeds("container", "inspect", name))
        await until(pilot, lambda: app.screen is not screen)
        await until(pilot, lambda: table_row(app, name) is None)


# Actions on the selected container ----------------------------------------------------


async def test_stop_start_restart_pause_and_remove_by_keys(lab: Lab):
    name = lab.run("--stop-timeout", "1", TEST_IMAGE, *SLEEP, name="acted")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, name)

        await pilot.press("s")
        await until(pilot, lambda: shown_state(app, name) == "stopping…", 5)
        await until(pilot, lambda: engine_state(lab, name) == "exited")
        await until(pilot, lambda: shown_state(app, name) == exited_as(lab, name))

        await pilot.press("u")
        await until(pilot, lambda: engine_state(lab, name) == "running")
        await until(pilot, lambda: shown_state(app, name) == "running")

        first_start = lab.inspect(name)["State"]["StartedAt"]
        await pilot.press("r")
        await until(
            pilot,
            lambda: (
                lab.inspect(name)["State"]["StartedAt"] != first_start
                and engine_state(lab, name) == "running"
            ),
        )
        await until(pilot, lambda: shown_state(app, name) == "running")

        await pilot.press("p")
        await until(pilot, lambda: engine_state(lab, name) == "paused")
        await until(pilot, lambda: shown_state(app, name) == "paused")
        await pilot.press("p")
        await until(pilot, lambda: engine_state(lab, name) == "running")
        await until(pilot, lambda: shown_state(app, name) == "running")

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "It is running: it is killed first" in str(app.screen.query_one("#message").render())
        await pilot.press("y")
        await until(pilot, lambda: not lab.docker.succeeds("container", "inspect", name))
        await until(pilot, lambda: table_row(app, name) is None)


async def test_remove_keeps_the_containers_anonymous_volumes(lab: Lab):
    # `d` is `docker rm -f`, as the dialog says, not `docker rm -f -v`: the data stays.
    name = lab.run("-v", "/data", TEST_IMAGE, *SLEEP, name="withdata")
    (volume,) = [m["Name"] for m in lab.inspect(name)["Mounts"] if m["Type"] == "volume"]
    try:
        app = engine_app(lab)
        async with app.run_test(size=(200, 50)) as pilot:
            await started(pilot, app)
            await select(pilot, app, name)
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "docker rm -f)" in str(app.screen.query_one("#message").render())
            await pilot.press("y")
            await until(pilot, lambda: not lab.docker.succeeds("container", "inspect", name))
        assert lab.docker.succeeds("volume", "inspect", volume)
    finally:
        lab.docker("volume", "rm", "-f", volume, check=False)


async def test_keys_that_do_not_apply_do_nothing(lab: Lab):
    name = lab.create(TEST_IMAGE, *SLEEP, name="created")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, name)
        assert app.check_action("stop", ()) is False and app.check_action("start", ()) is True
        await pilot.press("s", "p")
        await pilot.pause(0.3)
        assert engine_state(lab, name) == "created" and shown_state(app, name) == "created"


async def test_stopping_a_namespace_owner_names_who_loses_the_network(lab: Lab):
    owner = lab.run("--stop-timeout", "1", TEST_IMAGE, *SLEEP, name="owner")
    sharer = lab.run("--network", f"container:{owner}", TEST_IMAGE, *SLEEP, name="sharer")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await until(pilot, lambda: table_row(app, sharer) is not None)
        await select(pilot, app, owner)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        message = str(app.screen.query_one("#message").render())
        assert f"{sharer} shares {owner}'s network namespace: it loses its network" in message
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.3)
        assert engine_state(lab, owner) == "running"

        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: engine_state(lab, owner) == "exited")
        await until(pilot, lambda: shown_state(app, owner) == exited_as(lab, owner))


# Relaunch and presets ---------------------------------------------------------------


async def test_relaunch_runs_the_same_image_and_command_in_another_mode(lab: Lab):
    original = lab.run("-P", TEST_IMAGE, *SLEEP, name="orig")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, original)
        made = set(made_by_lab(lab))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, LauncherScreen))
        screen = app.screen
        assert screen.query_one("#mode").value == "host"
        assert screen.query_one("#image").value == TEST_IMAGE
        assert screen.query_one("#command").value == "sleep 1000000"
        await until(pilot, lambda: screen.images_loaded)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not screen)
        (new,) = set(made_by_lab(lab)) - made
        twin = lab.inspect(new)
        assert twin["HostConfig"]["NetworkMode"] == "host"
        assert twin["Config"]["Cmd"] == ["sleep", "1000000"]
        assert twin["Config"]["Image"] == TEST_IMAGE
        assert twin["State"]["Running"] and engine_state(lab, original) == "running"


async def test_relaunch_keeps_an_entrypoint_set_with_docker_run(lab: Lab):
    # --entrypoint sleep, command 1000000: without the entrypoint the twin would try to
    # run a program called "1000000" and never start.
    original = lab.run("--entrypoint", "sleep", TEST_IMAGE, "1000000", name="entry")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, original)
        made = set(made_by_lab(lab))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, LauncherScreen))
        screen = app.screen
        assert "Entrypoint: sleep" in str(screen.query_one("#entrypoint").render())
        assert screen.query_one("#command").value == "1000000"
        await until(pilot, lambda: screen.images_loaded)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not screen)
        (new,) = set(made_by_lab(lab)) - made
        twin = lab.inspect(new)
        assert (twin["Config"]["Entrypoint"], twin["Config"]["Cmd"]) == (["sleep"], ["1000000"])
        assert twin["State"]["Running"]


async def test_preset_keys_launch_and_join_the_selected_container(lab: Lab):
    target = lab.run(TEST_IMAGE, *SLEEP, name="joined")
    config = Config(
        image=TEST_IMAGE,
        # A [keys] override reaches a preset by its binding ID; a key list binds each key.
        keys={"preset.quiet": "f8"},
        presets=(
            Preset("quiet", key="f6", mode="none", command="sleep 1000000"),
            Preset("join", key="f7,f9", mode="container", command="sleep 1000000"),
        ),
    )
    app = engine_app(lab, config=config)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        made = set(made_by_lab(lab))
        await pilot.press("f8")
        await until(pilot, lambda: len(set(made_by_lab(lab)) - made) == 1)
        new = (set(made_by_lab(lab)) - made).pop()
        assert lab.inspect(new)["HostConfig"]["NetworkMode"] == "none"
        # The preset is done when its container is started and the cursor on it: a filter
        # typed before that would be cleared to show it (a slow start under load did so).
        await until(pilot, lambda: selected_id(app).startswith(new))

        await select(pilot, app, target)
        made = set(made_by_lab(lab))
        await pilot.press("f9")
        await until(pilot, lambda: len(set(made_by_lab(lab)) - made) == 1)
        joined = lab.inspect((set(made_by_lab(lab)) - made).pop())
        assert joined["HostConfig"]["NetworkMode"] == "container:" + lab.inspect(target)["Id"]
        await until(pilot, lambda: lab.inspect(joined["Id"])["State"]["Running"])


class SlowImages(DockerBackend):
    """The real engine, with a list of images that waits until the test lets it come."""

    def __init__(self) -> None:
        super().__init__(resolve_endpoint())
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()

    async def list_images(self):
        self.asked.set()
        await self.answer.wait()
        return await super().list_images()


async def test_a_preset_joins_the_container_selected_at_the_key_press(lab: Lab):
    target = lab.run(TEST_IMAGE, *SLEEP, name="pressed")
    other = lab.run(TEST_IMAGE, *SLEEP, name="later")
    preset = Preset("join", key="f7", mode="container", command="sleep 1000000")
    backend = SlowImages()
    app = NetdockApp(
        new_live(backend),
        launch_labels=lab_labels(lab),
        config=Config(image=TEST_IMAGE, presets=(preset,)),
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await until(pilot, lambda: table_row(app, other) is not None)
        await select(pilot, app, target)
        made = set(made_by_lab(lab))
        await pilot.press("f7")
        await until(pilot, backend.asked.is_set)
        # While the engine lists its images, the user moves on to another container.
        await pilot.press("escape")
        await select(pilot, app, other)
        backend.answer.set()
        await until(pilot, lambda: len(set(made_by_lab(lab)) - made) == 1)
        joined = lab.inspect((set(made_by_lab(lab)) - made).pop())
        assert joined["HostConfig"]["NetworkMode"] == "container:" + lab.inspect(target)["Id"]


async def test_read_only_takes_every_action_away(lab: Lab):
    name = lab.run("--stop-timeout", "1", TEST_IMAGE, *SLEEP, name="kept")
    preset = Preset("bridge", key="f2", description="Run: bridge -P", publish_all=True)
    app = engine_app(lab, config=Config(read_only=True, presets=(preset,)))
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, name)
        for action in ("launch", "stop", "restart", "pause", "remove", "relaunch"):
            assert app.check_action(action, ()) is None, action  # shown, dimmed
        assert app.check_action("start", ()) is False, "not on a running one: hidden"
        await pilot.press("n", "s", "d", "f2")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LauncherScreen | ConfirmScreen)
        assert engine_state(lab, name) == "running"
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        help_text = visible_text(app)
        assert "Stop (read-only)" in help_text
        assert "Run: bridge -P (read-only)" in help_text
