"""Several engines, and remote ones: a private engine over TCP with TLS and over ssh.

The remote engine is real (tests/remote_engine.py): its own dockerd in its own network
namespace, reached over a veth pair, with certificates and ssh keys made by the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import DOCKER, SLEEP, TEST_IMAGE
from private_engine import PrivateEngine
from remote_engine import RemoteEngine, make_certificates
from test_actions_engine import free_port, lab_labels
from test_app import shown_names, visible_text
from test_app import until as until_app

from tui.cli import main
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint, resolve_endpoints
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.screens.engine_choice import EngineChoiceScreen
from tui.ui.screens.launcher import LauncherScreen
from tui.ui.tabs.containers import ContainersTab

DEFAULT = "unix:///var/run/docker.sock"
STOP_SECONDS = 30


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteEngine]:
    with RemoteEngine("remote") as engine:
        engine.load_test_image()
        engine.docker("run", "-d", "--name", "far-away", TEST_IMAGE, *SLEEP)
        yield engine


@pytest.fixture(scope="module")
def stranger(remote: RemoteEngine) -> Path:
    """Another CA, and a client certificate it signed: neither is the remote engine's."""
    make_certificates(remote.root / "stranger", None)
    return remote.root / "stranger"


def tls_env(directory: Path, ca: Path, client: Path) -> dict[str, str]:
    """DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for a directory of ``ca``'s ca.pem and
    ``client``'s cert.pem and key.pem."""
    directory.mkdir()
    shutil.copy(ca / "ca.pem", directory / "ca.pem")
    for name in ("cert.pem", "key.pem"):
        shutil.copy(client / name, directory / name)
    return {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(directory)}


@pytest.fixture
def ssh_config(remote: RemoteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's ssh client config and key, first on PATH, as a user's own would be."""
    monkeypatch.setenv("PATH", f"{remote.ssh_path}:{os.environ['PATH']}")


def netdock(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fails_in_one_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert out == "" and len(err.strip().splitlines()) == 1, err
    return err.strip()


def names(document: dict) -> set[str]:
    return {c["name"] for c in document["containers"]}


def test_tls_by_the_environment_as_the_docker_cli_takes_it(remote, capsys, monkeypatch):
    for key, value in remote.tls_env().items():
        monkeypatch.setenv(key, value)
    code, out, _ = netdock(capsys, "snapshot", "--json", "-H", remote.tls_url)
    assert code == 0
    document = json.loads(out)
    assert document["engine"]["endpoint"] == remote.tls_url and not document["engine"]["local"]
    assert "far-away" in names(document)


def test_ssh_runs_docker_system_dial_stdio_on_the_remote_side(remote, ssh_config, capsys):
    code, out, _ = netdock(capsys, "snapshot", "--json", "-H", remote.ssh_url)
    assert code == 0
    assert "far-away" in names(json.loads(out))


def test_several_engines_in_the_order_given_and_one_that_does_not_answer(
    remote, ssh_config, capsys, tmp_path
):
    nowhere = f"unix://{tmp_path}/none.sock"
    code, out, err = netdock(
        capsys, "ports", "--json", "-H", remote.ssh_url, "-H", nowhere, "-H", DEFAULT
    )
    assert code == 0
    entries = json.loads(out)["engines"]
    assert [e["engine"]["endpoint"] for e in entries] == [remote.ssh_url, nowhere, DEFAULT]
    assert "bindings" in entries[0] and "bindings" in entries[2]
    assert entries[1] == {"engine": {"endpoint": nowhere}, "error": err.strip().split(": ", 1)[1]}
    # None answered: exit 2, each reason on a line of its own.
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--json", "-H", nowhere, "-H", nowhere + "2"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 2
    assert [e["error"] for e in json.loads(out)["engines"]] == err.replace("netdock: ", "").split(
        "\n"
    )[:2]


def docker_context(config: Path, *argv: str) -> None:
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    subprocess.run([DOCKER, "context", *argv], check=True, capture_output=True, env=env, timeout=60)


def test_contexts_made_by_the_docker_cli_with_their_tls_files(
    remote, capsys, tmp_path, monkeypatch
):
    config = tmp_path / "config"
    certs = remote.certs
    docker_context(
        config, "create", "far",
        "--docker", f"host={remote.tls_url},ca={certs / 'ca.pem'},cert={certs / 'cert.pem'},"
        f"key={certs / 'key.pem'}",
    )  # fmt: skip
    docker_context(config, "create", "near", "--docker", f"host={DEFAULT}")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    code, out, _ = netdock(capsys, "snapshot", "--json", "-c", "far")
    assert code == 0 and "far-away" in names(json.loads(out))
    # --all-contexts: default first, then the store's in name order, as `docker context ls`.
    endpoints = resolve_endpoints(all_contexts=True)
    assert [(e.name, e.url) for e in endpoints] == [
        ("default", DEFAULT), ("far", remote.tls_url), ("near", DEFAULT)
    ]  # fmt: skip
    code, out, _ = netdock(capsys, "snapshot", "--json", "-c", "near", "-H", remote.tls_url)
    # -H without DOCKER_TLS_VERIFY: plain HTTP to a TLS port, refused in one entry.
    entries = json.loads(out)["engines"]
    assert code == 0 and "error" in entries[1] and remote.tls_url in entries[1]["error"]


def refused_key(remote: RemoteEngine, tmp_path: Path) -> Path:
    """A directory with an ``ssh`` that offers a key the remote host does not know."""
    stranger = tmp_path / "bin"
    stranger.mkdir()
    other = tmp_path / "other"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True, timeout=60
    )
    config = (remote.ssh_dir / "ssh_config").read_text()
    (tmp_path / "ssh_config").write_text(config.replace(str(remote.ssh_dir / "id"), str(other)))
    (stranger / "ssh").write_text(
        f'#!/bin/sh\nexec /usr/bin/ssh -F {tmp_path / "ssh_config"} "$@"\n'
    )
    (stranger / "ssh").chmod(0o755)
    return stranger


def test_bad_engines_are_one_line_each(remote, capsys, tmp_path, monkeypatch):
    config = tmp_path / "config"
    certs = remote.certs
    docker_context(
        config, "create", "broken",
        "--docker", f"host={remote.tls_url},ca={certs / 'ca.pem'},cert={certs / 'cert.pem'},"
        f"key={certs / 'key.pem'}",
    )  # fmt: skip
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    assert "context 'nowhere' does not exist" in fails_in_one_line(capsys, "audit", "-c", "nowhere")
    (tls,) = (config / "contexts" / "tls").iterdir()
    (tls / "docker" / "key.pem").unlink()
    message = fails_in_one_line(capsys, "ports", "-c", "broken")
    assert "context 'broken'" in message and "key.pem is missing" in message
    # ssh: an unknown host key (no test config on PATH), then a key the host refuses.
    message = fails_in_one_line(capsys, "snapshot", "-H", remote.ssh_url)
    assert message.endswith("Host key verification failed.") and remote.ssh_url in message
    monkeypatch.setenv("PATH", f"{refused_key(remote, tmp_path)}:{os.environ['PATH']}")
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    message = fails_in_one_line(capsys, "snapshot", "-H", remote.ssh_url)
    assert "Permission denied (publickey)" in message


def test_a_wrong_certificate_is_one_line_saying_which_and_why(
    remote, stranger, capsys, tmp_path, monkeypatch
):
    def fails_with(env: dict[str, str], url: str) -> str:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return fails_in_one_line(capsys, "snapshot", "-H", url)

    # Our client certificate, signed by a CA the engine does not trust.
    env = tls_env(tmp_path / "theirs", remote.certs, stranger)
    assert fails_with(env, remote.tls_url) == (
        f"netdock: engine {remote.tls_url}: the engine refused the client certificate "
        f"{tmp_path / 'theirs' / 'cert.pem'} (not signed by a CA the engine trusts, or expired)"
    )
    # A CA that did not sign the server's certificate: the server is not who it says.
    env = tls_env(tmp_path / "other-ca", stranger, remote.certs)
    assert fails_with(env, remote.tls_url) == (
        f"netdock: engine {remote.tls_url}: the server's certificate is not signed by the CA "
        f"in {tmp_path / 'other-ca' / 'ca.pem'}"
    )
    # The right CA, but an address of the engine that its certificate does not name.
    unnamed = f"tcp://{remote.unnamed_address}:2376"
    assert fails_with(remote.tls_env(), unnamed) == (
        f"netdock: engine {unnamed}: the server's certificate is not for "
        f"{remote.unnamed_address} (it names another host)"
    )
    # Plain HTTP to the TLS port: the engine's 400, and what to do about it.
    monkeypatch.delenv("DOCKER_TLS_VERIFY")
    monkeypatch.delenv("DOCKER_CERT_PATH")
    message = fails_in_one_line(capsys, "ports", "-H", remote.tls_url)
    assert message.startswith(f"netdock: engine {remote.tls_url} speaks TLS: set DOCKER_TLS_VERIFY")


async def until(condition, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


async def test_a_half_open_link_shows_as_reconnecting_and_recovers(remote):
    (endpoint,) = resolve_endpoints([("host", remote.tls_url)], env=remote.tls_env())
    live = Live(DockerBackend(endpoint))
    follow = asyncio.create_task(live.run())
    try:
        assert await until(lambda: live.state.connection.link is Link.LIVE, 30)
        remote.drop_traffic(True)
        try:
            # The heartbeat's bound is 9 s; the rest is margin for a loaded machine.
            assert await until(lambda: live.state.connection.link is Link.RECONNECTING, 12)
            assert "far-away" in {c.name for c in live.state.containers.values()}, "kept"
            remote.docker("run", "-d", "--name", "while-away", TEST_IMAGE, *SLEEP)
        finally:
            remote.drop_traffic(False)
        assert await until(
            lambda: (
                live.state.connection.link is Link.LIVE
                and "while-away" in {c.name for c in live.state.containers.values()}
            ),
            30,
        )
    finally:
        await stop_following(live, follow)
        remote.docker("rm", "-f", "while-away", check=False)


async def stop_following(live: Live, follow: asyncio.Task[None]) -> None:
    """Cancel the pipeline and close its clients, each in bounded time: a pipeline that
    ignored the cancel fails the test instead of hanging it."""
    follow.cancel()
    async with asyncio.timeout(STOP_SECONDS):
        await asyncio.gather(follow, return_exceptions=True)
    assert follow.cancelled(), "the pipeline went on after its cancel"
    async with asyncio.timeout(STOP_SECONDS):
        await live.backend.close()


async def test_a_dead_stream_is_noticed_while_the_engine_answers_pings(remote):
    # Only the event stream's connection is blackholed (a NAT entry dropped): the pings,
    # on a connection of their own, are answered all along.
    (endpoint,) = resolve_endpoints([("host", remote.tls_url)], env=remote.tls_env())
    backend = DockerBackend(endpoint)
    live = Live(backend)
    follow = asyncio.create_task(live.run())
    try:
        assert await until(
            lambda: live.state.connection.link is Link.LIVE and backend.stream_address, 30
        )
        stream = backend.stream_address
        assert stream is not None
        remote.drop_connection(stream[1], True)
        try:
            # TCP keepalive's bound is 10 s; the rest is margin for a loaded machine.
            assert await until(lambda: live.state.connection.link is Link.RECONNECTING, 15)
            link, message = live.state.connection.link, live.state.connection.message
            assert "did not answer in time" not in message, (link, message)
            # A new stream on a new connection: live again while that one stays dead.
            assert await until(
                lambda: (
                    live.state.connection.link is Link.LIVE and backend.stream_address != stream
                ),
                30,
            )
            remote.docker("run", "-d", "--name", "after-the-stream", TEST_IMAGE, *SLEEP)
            assert await until(
                lambda: "after-the-stream" in {c.name for c in live.state.containers.values()},
                15,
            )
        finally:
            remote.drop_connection(stream[1], False)
    finally:
        await stop_following(live, follow)
        remote.docker("rm", "-f", "after-the-stream", check=False)


# The dashboard with several engines ------------------------------------------------------


def rows(app: NetdockApp) -> dict[str, str]:
    """Container name -> engine, as the table shows them."""
    table = app.query_one(ContainersTab).table
    return {str(table.get_row(key)[2]): str(table.get_row(key)[1]) for key in table.order}


def header(app: NetdockApp) -> str:
    return str(app.query_one("#header").render())


async def test_two_engines_side_by_side_each_followed_live(remote, ssh_config, lab):
    shared = Live(DockerBackend(resolve_endpoint()))
    (far,) = resolve_endpoints([("host", remote.ssh_url)])
    app = NetdockApp([shared, Live(DockerBackend(far))], launch_labels=lab_labels(lab))
    here = "local"
    there = remote.address  # an ssh engine is named by its host
    async with app.run_test(size=(220, 50)) as pilot:
        await until_app(
            pilot,
            lambda: (
                all(s.connection.link is Link.LIVE for s in app.engines.states)
                and rows(app).get("far-away") == there
            ),
            timeout=30,
        )
        assert here in header(app) and there in header(app)
        # A container started on either engine shows without a key press, with its engine.
        near = lab.run(TEST_IMAGE, *SLEEP, name="near")
        remote.docker("run", "-d", "--name", "arrived", TEST_IMAGE, *SLEEP)
        try:
            await until_app(
                pilot,
                lambda: rows(app).get(near) == here and rows(app).get("arrived") == there,
                timeout=15,
            )
            # `e`: one engine, then the other, then all again.
            await pilot.press("e")
            await until_app(pilot, lambda: "far-away" not in rows(app) and near in rows(app))
            await pilot.press("e")
            await until_app(pilot, lambda: set(rows(app).values()) == {there})
            await pilot.press("e")
            await until_app(pilot, lambda: {here, there} <= set(rows(app).values()))
            # The filter reads across engines, and an action acts on the row's own engine.
            await pilot.press("slash", *"arrived", "enter")
            await until_app(pilot, lambda: list(rows(app)) == ["arrived"])
            assert app.containers.selected.name == "arrived" and app.acting_engine == 1
            await pilot.press("s")
            await until_app(
                pilot, lambda: app.engines.states[1].container("arrived").state == "exited", 20
            )
            await pilot.press("escape")
            # The launcher asks which engine first.
            await pilot.press("n")
            await until_app(pilot, lambda: isinstance(app.screen, EngineChoiceScreen))
            await pilot.press("home", "down", "enter")
            await until_app(pilot, lambda: isinstance(app.screen, LauncherScreen))
            assert app.live is app.engines.lives[1]
            await pilot.press("escape")
            await until_app(pilot, lambda: not isinstance(app.screen, LauncherScreen))
            await pilot.press("q")
        finally:
            remote.docker("rm", "-f", "arrived", check=False)


async def test_two_hosts_each_binding_a_port_in_the_ports_and_security_tabs(remote, lab):
    # The same host port on each engine: a collision on neither (two hosts), each row
    # saying whose it is.
    port = str(free_port())
    near = lab.run("-p", f"{port}:80", TEST_IMAGE, *SLEEP, name="near-port")
    remote.docker("run", "-d", "--name", "far-port", "-p", f"{port}:80", TEST_IMAGE, *SLEEP)
    try:
        (far,) = resolve_endpoints([("host", remote.tls_url)], env=remote.tls_env())
        app = NetdockApp([Live(DockerBackend(resolve_endpoint())), Live(DockerBackend(far))])
        there = f"{remote.address}:2376"

        def bound() -> dict[str, tuple[str, str]]:
            """Container -> (engine, mark) of the rows on the port."""
            table = app.ports.table
            found = [table.get_row(key) for key in table.order]
            return {str(r[5]): (str(r[1]), str(r[0]).strip()) for r in found if str(r[3]) == port}

        async with app.run_test(size=(220, 50)) as pilot:
            await pilot.press("3")
            await until_app(
                pilot,
                lambda: {near: ("local", ""), "far-port": (there, "")}.items() <= bound().items(),
                timeout=30,
            )
            await pilot.press("4")
            branches = lambda: [str(n.label) for n in app.security.findings_tree.root.children]  # noqa: E731
            await until_app(
                pilot,
                lambda: (
                    [b.split("  ")[0] for b in branches()] == ["local", there]
                    and "unknown" not in " ".join(branches())
                ),
                timeout=15,
            )
            # ND-PORT-ALL-INTERFACES names each engine's own container under its branch.
            tree = app.security.findings_tree
            subjects = {
                str(engine.label).split("  ")[0]: " ".join(
                    str(check.label) + " ".join(str(f.label) for f in check.children)
                    for severity in engine.children
                    for check in severity.children
                )
                for engine in tree.root.children
            }
            assert "far-port" in subjects[there] and "far-port" not in subjects["local"]
            await pilot.press("q")
    finally:
        remote.docker("rm", "-f", "far-port", check=False)


async def test_an_engine_that_stops_leaves_the_other_live(lab):
    with PrivateEngine("gone") as gone:
        (private,) = resolve_endpoints([("host", gone.host)])
        lives = [Live(DockerBackend(resolve_endpoint())), Live(DockerBackend(private))]
        app = NetdockApp(lives)
        async with app.run_test(size=(220, 50)) as pilot:
            await until_app(
                pilot,
                lambda: all(s.connection.link is Link.LIVE for s in app.engines.states),
                timeout=15,
            )
            await asyncio.to_thread(gone.stop)
            await until_app(pilot, lambda: app.engines.states[1].connection.link is not Link.LIVE)
            assert app.engines.states[0].connection.link is Link.LIVE
            name = lab.run(TEST_IMAGE, *SLEEP, name="still")
            await until_app(pilot, lambda: name in rows(app), timeout=10)
            await pilot.press("q")


async def test_a_wrong_certificate_is_a_clear_state(remote, stranger, tmp_path):
    env = tls_env(tmp_path / "other-ca", stranger, remote.certs)
    (far,) = resolve_endpoints([("host", remote.tls_url)], env=env)
    app = NetdockApp([Live(DockerBackend(resolve_endpoint())), Live(DockerBackend(far))])
    async with app.run_test(size=(220, 50)) as pilot:
        await until_app(
            pilot, lambda: app.engines.states[1].connection.link is Link.DOWN, timeout=15
        )
        assert app.engines.states[0].connection.link is not Link.DOWN
        await pilot.press("e", "e")  # the engine with the wrong CA in view: why, in the header
        await until_app(pilot, lambda: "certificate is not signed by the CA in" in header(app))
        assert "✕ no engine" in header(app)
        await pilot.press("q")


@pytest.mark.parametrize(
    "refusal", ["Host key verification failed.", "Permission denied (publickey)."]
)
async def test_an_ssh_host_that_refuses_is_a_clear_state(remote, refusal, tmp_path, monkeypatch):
    # No test config on PATH: the host key is unknown to ssh; or a key the host refuses.
    if "publickey" in refusal:
        monkeypatch.setenv("PATH", f"{refused_key(remote, tmp_path)}:{os.environ['PATH']}")
        monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    (far,) = resolve_endpoints([("host", remote.ssh_url)])
    app = NetdockApp([Live(DockerBackend(resolve_endpoint())), Live(DockerBackend(far))])
    async with app.run_test(size=(220, 50)) as pilot:
        await until_app(
            pilot, lambda: app.engines.states[1].connection.link is Link.DOWN, timeout=15
        )
        await pilot.press("e", "e")  # the refusing engine in view: its reason in the header
        await until_app(pilot, lambda: refusal in header(app))
        assert "✕ no engine" in header(app)
        await pilot.press("q")


# A remote engine's rates: the selected container's one-shot stats -----------------------


def cells(app: NetdockApp, name: str) -> tuple[str, str]:
    """The RX and TX cells of ``name``'s row."""
    table = app.query_one(ContainersTab).table
    key = next(k for k in table.order if str(table.get_row(k)[1]) == name)
    rx, tx = table.get_row(key)[-2:]
    return str(rx), str(tx)


async def test_a_remote_engines_selected_container_shows_its_rates_from_the_engines_stats(
    remote,
):
    """Over TLS: the running container selected shows per-interface rates and totals from
    the engine's one-shot stats; the other rows keep saying remote; leaving the tab stops
    the asking and forgets the rates."""
    remote.docker("run", "-d", "--name", "target", TEST_IMAGE, *SLEEP)
    address = remote.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "target").strip()
    # About 5 packets of 1 kB a second each way: a rate in kB/s on both sides.
    ping = ("ping", "-s", "1000", "-i", "0.2", address)
    remote.docker("run", "-d", "--name", "pinger", TEST_IMAGE, *ping)
    (endpoint,) = resolve_endpoints([("host", remote.tls_url)], env=remote.tls_env())
    app = NetdockApp(Live(DockerBackend(endpoint)))
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await until_app(pilot, lambda: "pinger" in shown_names(app), timeout=30)
            assert cells(app, "pinger") == ("remote", "remote")
            while app.containers.selected.name != "pinger":  # the rows are sorted by name
                await pilot.press("down")
            await until_app(pilot, lambda: cells(app, "pinger")[0].endswith("kB/s"), 15)
            rx, tx = cells(app, "pinger")
            assert tx.endswith("kB/s") and float(rx.split()[0]) >= 1.0, (rx, tx)
            assert cells(app, "target") == ("remote", "remote")
            assert cells(app, "far-away") == ("remote", "remote")
            shown = " ".join(visible_text(app).split())
            assert "interfaces from the engine's stats (a remote engine) eth0 rx " in shown
            assert re.search(r"eth0 rx \d+\.\d kB/s tx \d+\.\d kB/s total rx ", shown), shown
            state = app.engines.states[0]
            assert set(state.traffic.interfaces) == {state.container("pinger").id}
            # Another tab: no more stats asked for, no rates kept.
            await pilot.press("2")
            await until_app(pilot, lambda: not app.engines.states[0].traffic.interfaces, 5)
            await pilot.press("1")
            await until_app(pilot, lambda: cells(app, "pinger")[0].endswith("kB/s"), 15)
            # Another row: only that one's stats (the target receives the pings too).
            await pilot.press("down")
            assert app.containers.selected.name == "target"
            await until_app(pilot, lambda: cells(app, "target")[0].endswith("kB/s"), 15)
            assert cells(app, "pinger") == ("remote", "remote")
            await pilot.press("q")
    finally:
        remote.docker("rm", "-f", "pinger", "target", check=False)
