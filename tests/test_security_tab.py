"""The security tab, driven by hand-made states: what a user sees, and that it updates in place."""

from __future__ import annotations

import copy
import dataclasses
import time
from typing import Any

from audit_states import DEFAULT_BRIDGE, DEFAULTS, HARDENED, container, state
from fakes import FakeBackend, load
from test_app import FROZEN
from textual.app import App, ComposeResult
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from tui.core.audit import Acceptance, Finding, Severity, accept, assess, by_check, run
from tui.core.model import CounterSample, Endpoint, PortBinding
from tui.core.state import CountersSampled, HostState
from tui.engine.live import Live
from tui.ui.app import NetdockApp
from tui.ui.tabs.security import Item, SecurityTab

WIDE = (PortBinding("0.0.0.0", 8080, 80, "tcp", True), PortBinding("::", 8080, 80, "tcp", True))
ON_DOCKER0 = (Endpoint("bridge", "netbridge", "172.17.0.2", 16),)


class TabApp(App[None]):
    def __init__(self, accept: tuple[Acceptance, ...] = ()) -> None:
        super().__init__()
        self.accept = accept

    def compose(self) -> ComposeResult:
        yield SecurityTab(self.accept, id="security")


def lines(tree: Tree[Item]) -> list[str]:
    """The tree as a user reads it, one visible line each (the hidden root left out)."""
    found: list[str] = []

    def walk(node: TreeNode[Item], depth: int) -> None:
        for child in node.children:
            found.append("  " * depth + str(child.label))
            if child.is_expanded:
                walk(child, depth + 1)

    walk(tree.root, 0)
    return found


def summary(app: App[None]) -> str:
    return str(app.query_one("#security-summary", Static).render())


def detail(app: App[None]) -> str:
    return str(app.query_one("#finding-detail", Static).render())


def spoiled() -> HostState:
    return state(
        container("dbg", privileged=True, state="created"),
        container("web", ports=WIDE),
        container("edge", network_mode="host", endpoints=(), ports=()),
        *(container(f"app-{i}", network_mode="default", endpoints=ON_DOCKER0) for i in range(5)),
        networks=(DEFAULT_BRIDGE,),
    )


async def test_checks_grouped_by_severity_each_saying_what_and_how_many() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        assert lines(tab.findings_tree) == [
            "CRITICAL  1 check · 1 finding",
            "  ND-PRIVILEGED · 1 privileged container: dbg",
            "HIGH  1 check · 1 finding",
            "  ND-NET-HOST · 1 container on the host's network: edge",
            "MEDIUM  2 checks · 2 findings",
            "  ND-ICC-DEFAULT · 1 network whose containers reach each other on every port: bridge",
            "  ND-PORT-ALL-INTERFACES · 1 container open on all host interfaces: web",
            "LOW  1 check · 5 findings",
            "  ND-DEFAULT-BRIDGE · 5 containers on the default bridge",
        ]
        assert "1 critical · 1 high · 2 medium · 1 low (5) · 0 info" in summary(app)


async def test_a_check_opens_to_its_subjects_and_the_pane_explains_check_and_subject() -> None:
    app = TabApp()
    async with app.run_test(size=(120, 36)) as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press(*["down"] * 7)  # onto ND-PORT-ALL-INTERFACES, the 7th line
        pane = detail(app)
        what = "1 container open on all host interfaces: web"
        assert f"ND-PORT-ALL-INTERFACES · CIS 5.14 · {what}" in pane
        assert "why A binding on 0.0.0.0 or ::" in pane and "fix Bind to one address" in pane
        await pilot.press("space", "down")
        await pilot.pause()
        # The subject keeps what is particular to it: the bindings it publishes.
        assert lines(tab.findings_tree)[7] == (
            "    web publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"
        )
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        assert "ND-PORT-ALL-INTERFACES · CIS 5.14 · container: web" in detail(app)

        # The low check opens to its five subjects; its pane names them all.
        await pilot.press("down", "down", "space")
        await pilot.pause()
        shown = lines(tab.findings_tree)
        assert shown[10:] == [f"    app-{i} is on the default bridge" for i in range(5)]
        assert ": app-0, app-1, app-2, app-3, app-4" in detail(app)


async def test_updates_keep_the_cursor_and_expansion_on_the_same_check() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        before = state(container("web", ports=WIDE), daemon=DEFAULTS)
        tab.show_state(before)
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down", "space", "down")  # open MEDIUM's check, onto web
        await pilot.pause()
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        web_node = tab.findings_tree.cursor_node

        # New findings above it (a critical group), and a subject before web by name.
        after = state(
            container("web", ports=WIDE),
            container("api", ports=WIDE),
            container("dbg", privileged=True, state="created"),
            daemon=DEFAULTS,
        )
        tab.show_state(after)
        await pilot.pause()
        assert tab.findings_tree.cursor_node is web_node
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        shown = lines(tab.findings_tree)
        assert shown == [
            "CRITICAL  1 check · 1 finding",
            "  ND-PRIVILEGED · 1 privileged container: dbg",
            "MEDIUM  1 check · 2 findings",
            "  ND-PORT-ALL-INTERFACES · 2 containers open on all host interfaces: api, web",
            "    api publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
            "    web publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
            "LOW  1 check · 1 finding",
            "  ND-USERLAND-PROXY · dockerd runs docker-proxy for published ports",
        ]
        before_summary = summary(app)
        assert "1 critical · 0 high · 1 medium (2) · 1 low · 0 info" in before_summary

        # The same state again changes nothing the user sees.
        tab.show_state(after)
        await pilot.pause()
        assert lines(tab.findings_tree) == shown
        assert summary(app) == before_summary
        assert tab.findings_tree.cursor_node is web_node


async def test_when_the_subject_under_the_cursor_goes_the_cursor_moves_to_a_neighbour() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(state(container("api", ports=WIDE), container("web", ports=WIDE)))
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down", "space", "down")
        assert tab.selected is not None and tab.selected.subjects == ("api",)

        # api now publishes on loopback only: its finding leaves.
        tab.show_state(state(container("api"), container("web", ports=WIDE)))
        await pilot.pause()
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        assert lines(tab.findings_tree)[0] == "MEDIUM  1 check · 1 finding"

        # Every finding goes: the tree empties, the summary says so.
        tab.show_state(state(container("api"), container("web")))
        await pilot.pause()
        assert lines(tab.findings_tree) == []
        assert tab.selected is None
        assert "No findings." in summary(app)


async def test_a_finding_that_changes_severity_moves_group() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tool = container("tool", cap_add=("NET_RAW",), cap_drop=("ALL",))
        tab.show_state(state(tool))
        await pilot.pause()
        assert lines(tab.findings_tree)[0] == "LOW  1 check · 1 finding"
        tab.show_state(state(dataclasses.replace(tool, cap_add=("NET_RAW", "NET_ADMIN"))))
        await pilot.pause()
        assert lines(tab.findings_tree) == [
            "HIGH  1 check · 1 finding",
            "  ND-CAP-ADD · 1 container adding network capabilities: tool",
        ]
        assert tab.findings[0].severity is Severity.HIGH


async def test_remote_engine_says_which_checks_it_skips() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(state(daemon=dataclasses.replace(HARDENED, config_read=False)))
        await pilot.pause()
        assert "--iptables and --userland-proxy checks are skipped" in summary(app)


ACCEPT = (
    Acceptance("ND-DEFAULT-BRIDGE", "app-* are throwaway test runners", ("app-*",), "cfg", 3),
    Acceptance("ND-NET-HOST", "edge is the host's load balancer", ("edge",), "cfg", 4),
    Acceptance("ND-PRIVILEGED", "the old debug box", ("old-dbg",), "cfg", 5),
)


async def test_accepted_findings_leave_the_counts_and_fold_apart_with_their_reason() -> None:
    app = TabApp(ACCEPT)
    async with app.run_test(size=(120, 40)) as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        shown = lines(tab.findings_tree)
        assert shown == [
            "CRITICAL  1 check · 1 finding",
            "  ND-PRIVILEGED · 1 privileged container: dbg",
            "MEDIUM  2 checks · 2 findings",
            "  ND-ICC-DEFAULT · 1 network whose containers reach each other on every port: bridge",
            "  ND-PORT-ALL-INTERFACES · 1 container open on all host interfaces: web",
            "INFO  1 check · 1 finding",
            "  ND-ACCEPT-STALE · 1 accept entry matching nothing: ND-PRIVILEGED old-dbg",
            "ACCEPTED  2 checks · 6 findings, not counted",
        ]
        assert "1 critical · 0 high · 2 medium · 0 low · 1 info" in summary(app)
        assert "accepted: 2 checks (6), folded below" in summary(app)

        tab.findings_tree.focus()
        await pilot.press("end", "space")  # open the accepted group
        await pilot.pause()
        assert lines(tab.findings_tree)[8:] == [
            "  high ND-NET-HOST · 1 container on the host's network: edge · accepted: edge is "
            "the host's load balancer",
            "  low ND-DEFAULT-BRIDGE · 5 containers on the default bridge · accepted: app-* are "
            "throwaway test runners",
        ]
        await pilot.press("down", "down")
        assert "accepted app-* are throwaway test runners (cfg, line 3)" in detail(app)


async def test_no_accept_shows_everything_as_if_nothing_were_accepted() -> None:
    app = TabApp(())
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        assert not any(line.startswith("ACCEPTED") for line in lines(tab.findings_tree))
        assert "ND-ACCEPT-STALE" not in str(lines(tab.findings_tree))


# 250 containers: a fleet on docker0 and a handful of exposures, on a fake backend -------


def fleet_documents(n: int = 250) -> list[dict[str, Any]]:
    """``n`` plain containers on the default bridge, plus one publishing on 0.0.0.0, one
    adding NET_ADMIN and one in host mode: the captured engine JSON, copied and renamed."""
    plain = load("inspect/bridge_publish_all.json")
    plain["HostConfig"]["PortBindings"] = {}
    plain["HostConfig"]["PublishAllPorts"] = False
    plain["NetworkSettings"]["Ports"] = {}
    documents = []
    for i in range(n):
        doc = copy.deepcopy(plain)
        doc["Id"] = f"{i:04d}" + plain["Id"][4:]
        doc["Name"] = f"/app-{i:03d}"
        documents.append(doc)
    admin = copy.deepcopy(plain)
    admin["Id"], admin["Name"] = "ad" + plain["Id"][2:], "/vpn"
    admin["HostConfig"]["CapAdd"] = ["NET_ADMIN"]
    wide = load("inspect/bridge_publish_all.json")
    return [*documents, admin, wide, load("inspect/host.json")]


def fleet_app(size: int = 250) -> NetdockApp:
    return NetdockApp(Live(FakeBackend(fleet_documents(size))), now=lambda: FROZEN)


async def synced(pilot: Any) -> None:
    start = time.monotonic()
    while not (pilot.app.state.synced and pilot.app.state.containers):
        assert time.monotonic() - start < 20
        await pilot.pause(0.05)
    await pilot.press("4")
    await pilot.pause(0.2)


async def test_at_250_containers_the_first_screen_shows_every_check() -> None:
    app = fleet_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await synced(pilot)
        tab = app.query_one(SecurityTab)
        tree = tab.findings_tree
        groups = by_check(assess(app.state).findings)
        assert {g.id for g in groups} >= {
            "ND-DEFAULT-BRIDGE",
            "ND-PORT-ALL-INTERFACES",
            "ND-CAP-ADD",
            "ND-NET-HOST",
        }
        # Every check's line is inside the tree's visible region, unscrolled.
        visible = tree.scrollable_content_region.height
        assert tree.scroll_y == 0
        check_nodes = [c for s in tree.root.children for c in s.children]
        assert [str(c.label).split(" · ")[0] for c in check_nodes] == [g.id for g in groups]
        assert all(0 <= node.line < visible for node in check_nodes)
        default_bridge = next(g for g in groups if g.id == "ND-DEFAULT-BRIDGE")
        assert len(default_bridge.findings) == 253 - 1  # all but the host-mode one
        assert "  ND-DEFAULT-BRIDGE · 252 containers on the default bridge" in lines(tree)
        # The header counts checks, the findings beside them.
        # (The captured user bridges have no container here: no ICC finding on them.)
        assert "audit: 2 high 2 medium 1 low (252)" in str(app.header.render())


def test_security_tab_at_250_containers_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(fleet_app(), terminal_size=(120, 36), run_before=synced)


class ShowcaseApp(TabApp):
    """The tab over a host with one finding of most kinds."""

    def on_mount(self) -> None:
        showcase = state(
            container("ci-runner", mount_sources=("/var/run/docker.sock",), state="created"),
            container("dbg", privileged=True, state="created"),
            container("edge", network_mode="host", endpoints=(), ports=()),
            container(
                "sidecar",
                network_mode="container:id-edge",
                namespace_ref="id-edge",
                endpoints=(),
                ports=(),
            ),
            container("vpn", cap_add=("NET_ADMIN",)),
            container("web", ports=WIDE),
            container("api", ports=WIDE),
            daemon=dataclasses.replace(DEFAULTS, hosts=("tcp://0.0.0.0:2375",)),
        )
        self.query_one(SecurityTab).show_state(showcase)


def test_security_tab_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def open_the_wide_ports_check(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.query_one(SecurityTab).findings_tree.focus()
        await pilot.press(*["down"] * 10, "space", "down")  # open the 10th line, onto web
        await pilot.pause()

    assert snap_compare(
        ShowcaseApp(), terminal_size=(120, 36), run_before=open_the_wide_ports_check
    )


async def test_a_rename_reorders_the_subjects_keeping_the_fold_and_the_cursor() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        api, web = container("api", ports=WIDE), container("web", ports=WIDE)
        tab.show_state(state(api, web))
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down", "space", "down", "down")  # open the check, onto web
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        tab.show_state(state(api, dataclasses.replace(web, name="aaa")))
        await pilot.pause()
        assert lines(tab.findings_tree)[2:] == [
            "    aaa publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
            "    api publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp",
        ]
        assert tab.selected is not None and tab.selected.subjects == ("aaa",)


async def test_the_audit_runs_once_per_change_of_what_it_reads(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Repaints, tab switches and samples of the counters (a new state every second that
    changes only the rates) audit nothing again: each audit reads containers, networks,
    host or daemon facts that no audit before it read."""
    audited: list[HostState] = []

    def audit(state: HostState, memo: run.AuditMemo | None = None) -> tuple[Finding, ...]:
        audited.append(state)
        return run.audit(state, memo)

    monkeypatch.setattr(accept, "audit", audit)
    app = fleet_app(20)
    async with app.run_test(size=(120, 36)) as pilot:
        await synced(pilot)
        for key in "41564":
            await pilot.press(key)
            for second in range(3):
                app.live.apply(CountersSampled(CounterSample(time=float(second))))
                app._repaint()  # as the half-minute clock does
                await pilot.pause()
        assert "ND-NET-HOST" in " ".join(lines(app.query_one(SecurityTab).findings_tree))
    read = [(s.containers, s.networks, s.host, s.daemon) for s in audited]
    assert audited and all(
        any(a is not b for a, b in zip(read[i], read[j], strict=True))
        for i in range(len(read))
        for j in range(i)
    ), f"{len(read)} audits, some of the same facts"
