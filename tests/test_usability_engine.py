"""What a new user met on a real engine (issue 13), driven by keys: each fault, fixed.

Containers the launcher makes carry the lab's labels, so the lab's teardown removes them.
"""

from __future__ import annotations

import asyncio
import re

from engine_helpers import SLEEP, TEST_IMAGE, Lab
from test_actions_engine import (
    engine_app,
    fill,
    free_port,
    made_by_lab,
    open_launcher,
    select,
    started,
    table_row,
    until,
    visible_text,
)
from textual.widgets import Checkbox, Input

from tui.ui.screens.confirm import ConfirmScreen


def detail(app) -> str:
    return str(app.query_one("#detail").render())


async def test_another_loopback_address_is_accepted_as_the_engine_accepts_it(lab: Lab):
    port = free_port()
    name = lab.name("lo2")
    lab.containers.append(name)
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        screen = await open_launcher(pilot, app)
        await fill(pilot, screen, name=name, ports=f"127.0.0.2:{port}:80")
        await pilot.pause(0.3)
        assert "not an address of this host" not in visible_text(app)
        await pilot.press("enter")  # on the last field: launch
        await until(pilot, lambda: app.screen is not screen)
        bound = lab.inspect(name)["NetworkSettings"]["Ports"]["80/tcp"]
        assert bound == [{"HostIp": "127.0.0.2", "HostPort": str(port)}]


async def test_enter_moves_through_the_launcher_and_launches_only_from_the_last_field(lab: Lab):
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        before = sorted(made_by_lab(lab))
        screen = await open_launcher(pilot, app)
        # Type, complete with →, accept with Enter: the next field, nothing created.
        await pilot.press(*"netl", "right", "enter")
        assert screen.query_one("#image", Input).value == TEST_IMAGE
        assert app.focused is screen.query_one("#name")
        name = lab.name("enter")
        lab.containers.append(name)
        await pilot.press(*name, "enter")  # to the mode
        await pilot.press("tab")  # past the mode's list, to -P
        checkbox = screen.query_one("#publish-all", Checkbox)
        assert app.focused is checkbox
        await pilot.press("enter")  # moves on, does not toggle
        assert checkbox.value is False and app.focused is screen.query_one("#ports")
        await pilot.press("enter")  # to the command
        assert app.focused is screen.query_one("#command")
        await pilot.pause(0.3)
        assert sorted(made_by_lab(lab)) == before, "nothing was sent on the way"
        await pilot.press(*"sleep 1000000", "enter")
        await until(pilot, lambda: app.screen is not screen)
        assert lab.inspect(name)["State"]["Running"]


async def test_the_launcher_fits_an_80_column_terminal(lab: Lab):
    app = engine_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        screen = await open_launcher(pilot, app)
        form = screen.query_one("VerticalScroll")
        assert form.region.x >= 0 and form.region.right <= 80
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)


async def test_a_port_a_stopped_container_wants_is_warned_about_not_refused(lab: Lab):
    port = free_port()
    stopped = lab.create("-p", f"0.0.0.0:{port}:80", TEST_IMAGE, name="wants")
    name = lab.name("same")
    lab.containers.append(name)
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        screen = await open_launcher(pilot, app)
        await fill(pilot, screen, name=name, ports=f"{port}:80")
        await until(pilot, lambda: stopped in str(screen.query_one("#ports-warnings").render()))
        warning = str(screen.query_one("#ports-warnings").render())
        assert f"host port {port}/tcp too, not running" in warning
        assert str(screen.query_one("#ports-problems").render()) == ""
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not screen)
        assert lab.inspect(name)["State"]["Running"], "warned, not refused"


async def test_starting_a_held_container_warns_names_the_holder_and_keeps_the_refusal(lab: Lab):
    port = free_port()
    holder = lab.run("-p", f"{port}:80", TEST_IMAGE, name="holder")
    held = lab.create("-p", f"{port}:80", TEST_IMAGE, name="held")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, held)
        await until(pilot, lambda: "collision" in detail(app))
        # The detail says what the ✖ stands for, and the findings behind the ●.
        assert holder in detail(app) and f"{port}" in detail(app)
        assert "ND-PORT-ALL-INTERFACES" in detail(app)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        warning = visible_text(app)
        assert f"Start {held}?" in warning and holder in warning
        await pilot.press("n")  # not started
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert lab.inspect(held)["State"]["Status"] == "created"
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")  # anyway: the engine refuses, and the detail keeps it
        await until(pilot, lambda: "refused" in detail(app))
        assert "start:" in detail(app) and "port is already allocated" in detail(app)
        await pilot.pause(9)  # the toast is gone by now; the detail still says it
        assert "port is already allocated" in detail(app)


async def test_an_exited_container_shows_its_exit_code_error_and_when(lab: Lab):
    name = lab.run(TEST_IMAGE, "sh", "-c", "exit 3", name="exits")
    bad = lab.create(TEST_IMAGE, "no-such-command", name="nocmd")
    await asyncio.to_thread(lab.docker, "start", bad, check=False)
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await until(pilot, lambda: (table_row(app, name) or [""] * 3)[2] == "exited (3)")
        await select(pilot, app, name)
        assert "exited (3), " in detail(app) and " ago" in detail(app)
        await pilot.press("escape")
        await select(pilot, app, bad)
        expected = lab.inspect(bad)["State"]["Error"]
        assert expected and expected in detail(app).replace("\n", " ")


async def test_a_container_launched_while_the_filter_hides_it_is_shown(lab: Lab):
    name = lab.name("hidden")
    lab.containers.append(name)
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await pilot.press("slash", *"nothing-matches-this", "enter")
        screen = await open_launcher(pilot, app)
        await fill(pilot, screen, name=name, command="sleep 1000000")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not screen)
        await until(
            pilot,
            lambda: app.containers.selected is not None and app.containers.selected.name == name,
        )
        assert app.containers.filter_text == ""
        assert any("filter cleared to show it" in n.message for n in app._notifications)


async def test_the_networks_tab_counts_running_and_stopped_apart(lab: Lab):
    net = lab.network("count")
    lab.run("--network", net, TEST_IMAGE, *SLEEP, name="up")
    lab.create("--network", net, TEST_IMAGE, name="down")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await pilot.press("2", "slash", *net, "enter")

        def cells() -> list[str]:
            table = app.networks.table
            return [str(c) for c in table.get_row(table.order[0])] if table.row_count == 1 else []

        await until(pilot, lambda: cells() and cells()[0] == net)
        assert cells()[5] == "1 +1 not running"
        # What `docker network inspect` lists: the running one only.
        assert len(lab.inspect_network(net)["Containers"]) == 1


async def test_the_host_mode_detail_keeps_interface_names_apart_from_addresses(lab: Lab):
    net = lab.network("iface")  # a bridge: the host gets an interface br-<12 hex digits>
    bridge = "br-" + lab.inspect_network(net)["Id"][:12]
    host = lab.run("--network", "host", TEST_IMAGE, *SLEEP, name="onhost")
    app = engine_app(lab)
    async with app.run_test(size=(200, 50)) as pilot:
        await started(pilot, app)
        await select(pilot, app, host)
        await until(pilot, lambda: bridge in detail(app))
        line = next(x for x in detail(app).splitlines() if bridge in x)
        assert re.fullmatch(rf"\s*{bridge} +\d+\.\d+\.\d+\.\d+/\d+ \(host\)", line), line
