"""250 containers on the default bridge and a handful of exposures, on a real engine.

A private engine (see private_engine) holds only what this module makes, so the counts
are exact: 250 plain containers on docker0, one publishing on 0.0.0.0, one adding
NET_ADMIN, one in host mode. The engine runs with --icc=false, so the only medium
finding is the 0.0.0.0 binding. One fleet serves every test of the module.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import SLEEP, TEST_IMAGE
from private_engine import PrivateEngine
from test_security_tab import lines

from tui.cli.common import new_live
from tui.core.audit import Acceptance, by_check
from tui.core.config import Config
from tui.core.state import Link
from tui.engine.docker import DockerBackend
from tui.engine.endpoint import resolve_endpoint
from tui.ui.app import NetdockApp
from tui.ui.tabs.security import SecurityTab

pytestmark = pytest.mark.engine

NETDOCK = str(Path(sys.executable).parent / "netdock")
FLEET = 250
BATCHES = 8
LABEL = ("--label", "netdock.test=1")


def _fleet_names() -> list[str]:
    return [f"fleet-{i:03d}" for i in range(FLEET)]


@pytest.fixture(scope="module")
def engine() -> Iterator[PrivateEngine]:
    with PrivateEngine("fleet", "--icc=false") as private:
        private.load_test_image()
        names = _fleet_names()
        batches = [names[i::BATCHES] for i in range(BATCHES)]

        def create_and_start(batch: list[str]) -> None:
            for name in batch:
                private.docker("create", *LABEL, "--name", name, TEST_IMAGE, *SLEEP)
            private.docker("start", *batch, timeout=300)

        def remove(batch: list[str]) -> None:
            # The engine and its data go with it anyway: a removal that outlasts even this
            # (a host busy with other fleets) is no failure of the tests.
            with contextlib.suppress(subprocess.TimeoutExpired):
                private.docker("rm", "-f", *batch, timeout=600, check=False)

        with ThreadPoolExecutor(BATCHES) as pool:
            list(pool.map(create_and_start, batches))
        private.docker("run", "-d", *LABEL, "--name", "wide", "-p", "0.0.0.0:8080:80", TEST_IMAGE)
        private.docker("run", "-d", *LABEL, "--name", "vpn", "--cap-add", "NET_ADMIN",
                       TEST_IMAGE, *SLEEP)  # fmt: skip
        private.docker("run", "-d", *LABEL, "--name", "edge", "--network", "host",
                       TEST_IMAGE, *SLEEP)  # fmt: skip
        try:
            yield private
        finally:
            # In parallel and unhurried: on a loaded machine one `rm -f` of 253 containers
            # outlasts the private engine's own teardown timeout.
            with ThreadPoolExecutor(BATCHES) as pool:
                list(pool.map(remove, [*batches[:-1], [*batches[-1], "wide", "vpn", "edge"]]))


def netdock_audit(
    engine: PrivateEngine, *args: str, config: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = config or "/nonexistent"
    return subprocess.run(
        [NETDOCK, "audit", "--host", engine.host, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def write_config(tmp_path: Path, body: str) -> str:
    (tmp_path / "netdock").mkdir()
    (tmp_path / "netdock" / "config.toml").write_text(body)
    return str(tmp_path)


ACCEPT_HIGH = """
[[audit.accept]]
check = "ND-CAP-ADD"
subjects = ["vpn"]
reason = "the VPN gateway manages its routes"

[[audit.accept]]
check = "ND-NET-HOST"
subjects = ["edge"]
reason = "edge is the host's load balancer"
"""
ACCEPT_MEDIUM = """
[[audit.accept]]
check = "ND-PORT-ALL-INTERFACES"
subjects = ["wide"]
reason = "wide serves the public site"
"""
TYPO = """
[[audit.accept]]
check = "ND-NET-HOTS"
reason = "a typo"
"""


def test_json_names_every_subject_with_its_cis_id_one_finding_each(
    engine: PrivateEngine,
) -> None:
    done = netdock_audit(engine, "--json")
    assert done.returncode == 0, done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    on_docker0 = {f["subjects"][0] for f in findings if f["id"] == "ND-DEFAULT-BRIDGE"}
    assert on_docker0 == {*_fleet_names(), "wide", "vpn"}
    by_id = {f["id"]: f for f in findings}
    assert by_id["ND-DEFAULT-BRIDGE"]["cis"] == "5.30"
    assert (
        by_id["ND-PORT-ALL-INTERFACES"]["subjects"],
        by_id["ND-PORT-ALL-INTERFACES"]["cis"],
    ) == (
        ["wide"],
        "5.14",
    )
    assert (by_id["ND-CAP-ADD"]["subjects"], by_id["ND-CAP-ADD"]["severity"]) == (["vpn"], "high")
    assert (by_id["ND-NET-HOST"]["subjects"], by_id["ND-NET-HOST"]["cis"]) == (["edge"], "5.10")
    assert all(f["accepted"] is False and "reason" not in f for f in findings)
    assert {f["id"] for f in findings if f["severity"] == "medium"} == {"ND-PORT-ALL-INTERFACES"}


def test_the_text_report_is_grouped_by_check(engine: PrivateEngine) -> None:
    done = netdock_audit(engine)
    assert done.returncode == 0, done.stderr
    report = done.stdout.splitlines()
    # The summary counts checks per severity, the findings beside them: the JSON's, grouped.
    findings = json.loads(netdock_audit(engine, "--json").stdout)["findings"]
    counts = []
    for severity in ("critical", "high", "medium", "low", "info"):
        mine = [f for f in findings if f["severity"] == severity]
        checks = len({f["id"] for f in mine})
        counts.append(f"{checks} {severity}" + (f" ({len(mine)})" if len(mine) != checks else ""))
    assert report[0] == f"netdock audit of {engine.host}: checks failed: {', '.join(counts)}"
    assert "0 critical, 2 high, 1 medium, " in report[0]
    bridge = report.index("  ND-DEFAULT-BRIDGE [CIS 5.30] 252 containers on the default bridge")
    assert all(line.startswith("    - ") for line in report[bridge + 1 : bridge + 11])
    assert report[bridge + 11].startswith("    - and 242 more: ")
    assert len(report) < 120  # 252 containers take a paragraph, not 252 lines


def test_fail_on_medium_ignores_accepted_checks_and_fails_on_the_others(
    engine: PrivateEngine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    highs = write_config(tmp_path_factory.mktemp("highs"), ACCEPT_HIGH)
    everything = write_config(tmp_path_factory.mktemp("all"), ACCEPT_HIGH + ACCEPT_MEDIUM)
    # Without accepted risks: the highs and the medium fail it.
    assert netdock_audit(engine, "--fail-on", "medium").returncode == 1
    # The highs accepted, the medium not: still 1.
    assert netdock_audit(engine, "--fail-on", "medium", config=highs).returncode == 1
    # The medium accepted too: 0, and the JSON marks each accepted one with its reason.
    assert netdock_audit(engine, "--fail-on", "medium", config=everything).returncode == 0
    done = netdock_audit(engine, "--json", config=everything)
    findings = json.loads(done.stdout)["findings"]
    wide = next(f for f in findings if f["id"] == "ND-PORT-ALL-INTERFACES")
    assert (wide["accepted"], wide["reason"]) == (True, "wide serves the public site")
    # --no-accept: as if nothing were accepted.
    assert (
        netdock_audit(engine, "--fail-on", "medium", "--no-accept", config=everything).returncode
        == 1
    )


def test_a_bad_entry_is_one_line_naming_file_and_line_and_the_rest_applies(
    engine: PrivateEngine, tmp_path: Path
) -> None:
    body = ACCEPT_HIGH + ACCEPT_MEDIUM + TYPO
    config = write_config(tmp_path, body)
    line = body.splitlines().index('check = "ND-NET-HOTS"')  # the entry's header: one above
    done = netdock_audit(engine, "--fail-on", "medium", config=config)
    assert done.returncode == 0, done.stdout  # the good entries still apply
    path = Path(config) / "netdock" / "config.toml"
    assert done.stderr.strip() == (
        f"netdock: {path}, line {line}: audit.accept[3].check: unknown check 'ND-NET-HOTS' "
        "(did you mean ND-NET-HOST?); this entry is left out"
    )


def _live_app(engine: PrivateEngine, config: Config) -> NetdockApp:
    return NetdockApp(new_live(DockerBackend(resolve_endpoint(engine.host))), config=config)


async def _synced(app: NetdockApp, pilot: Any) -> None:
    start = time.monotonic()
    while not (
        app.state.connection.link is Link.LIVE
        and app.state.synced
        and len(app.state.containers) >= FLEET + 3
    ):
        assert time.monotonic() - start < 60, "the engine did not sync"
        await pilot.pause(0.1)
    await pilot.press("4")
    await pilot.pause(0.3)


async def test_the_first_screen_of_the_security_tab_shows_every_check(
    engine: PrivateEngine,
) -> None:
    app = _live_app(engine, Config())
    async with app.run_test(size=(120, 36)) as pilot:
        await _synced(app, pilot)
        tab = app.query_one(SecurityTab)
        tree = tab.findings_tree
        groups = by_check(tab.findings)
        assert {"ND-DEFAULT-BRIDGE", "ND-PORT-ALL-INTERFACES", "ND-CAP-ADD", "ND-NET-HOST"} <= {
            g.id for g in groups
        }
        check_nodes = [c for s in tree.root.children for c in s.children]
        assert len(check_nodes) == len(groups)
        assert tree.scroll_y == 0
        assert all(0 <= n.line < tree.scrollable_content_region.height for n in check_nodes)
        assert "  ND-DEFAULT-BRIDGE · 252 containers on the default bridge" in lines(tree)
        low = next(g for g in groups if g.id == "ND-DEFAULT-BRIDGE").severity
        lows = [g for g in groups if g.severity is low]
        header = str(app.header.render())
        assert f"{len(lows)} low ({sum(len(g.findings) for g in lows)})" in header
        assert "2 high 1 medium" in header


async def test_accepted_risks_leave_the_header_and_fold_apart(engine: PrivateEngine) -> None:
    accept = (
        Acceptance("ND-DEFAULT-BRIDGE", "the fleet is throwaway", ("fleet-*",), "cfg", 2),
        Acceptance("ND-NET-HOST", "edge is the load balancer", ("edge",), "cfg", 3),
    )
    app = _live_app(engine, Config(accept=accept))
    async with app.run_test(size=(120, 36)) as pilot:
        await _synced(app, pilot)
        tab = app.query_one(SecurityTab)
        shown = lines(tab.findings_tree)
        assert "  ND-DEFAULT-BRIDGE · 2 containers on the default bridge: vpn, wide" in shown
        assert shown[-1] == "ACCEPTED  2 checks · 251 findings, not counted"
        header = str(app.header.render())
        assert "1 high 1 medium" in header and "(252)" not in header
