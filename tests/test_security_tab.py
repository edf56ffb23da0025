"""The security tab, driven by hand-made states: what a user sees, and that it updates in place."""

from __future__ import annotations

import dataclasses

from audit_states import DEFAULTS, HARDENED, container, state
from textual.app import App, ComposeResult
from textual.widgets import Static, Tree

from tui.core.audit import Severity
from tui.core.model import PortBinding
from tui.core.state import HostState
from tui.ui.tabs.security import Item, SecurityTab

WIDE = (PortBinding("0.0.0.0", 8080, 80, "tcp", True), PortBinding("::", 8080, 80, "tcp", True))


class TabApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SecurityTab(id="security")


def lines(tree: Tree[Item]) -> list[str]:
    """The tree as a user reads it, one visible line each."""
    found = []
    for i in range(tree.last_line + 1):
        node = tree._get_node(i)
        assert node is not None
        depth = len(list(_ancestors(node))) - 1
        found.append("  " * depth + str(node.label))
    return found


def _ancestors(node: object) -> list[object]:
    chain = []
    while node is not None and getattr(node, "parent", None) is not None:
        chain.append(node)
        node = node.parent  # type: ignore[attr-defined]
    return chain


def spoiled() -> HostState:
    return state(
        container("dbg", privileged=True, state="created"),
        container("web", ports=WIDE),
        container("edge", network_mode="host", endpoints=(), ports=()),
    )


async def test_findings_grouped_by_severity_with_counts() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        assert lines(tab.findings_tree) == [
            "CRITICAL (1)",
            "  dbg is privileged · when started  ND-PRIVILEGED",
            "HIGH (1)",
            "  edge uses the host's network  ND-NET-HOST",
            "MEDIUM (1)",
            "  web publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"
            "  ND-PORT-ALL-INTERFACES",
        ]
        summary = str(app.query_one("#security-summary", Static).render())
        assert "1 critical · 1 high · 1 medium · 0 low · 0 info" in summary


async def test_a_finding_expands_to_why_and_fix_and_the_pane_shows_it_whole() -> None:
    app = TabApp()
    async with app.run_test(size=(120, 30)) as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(spoiled())
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down")  # past CRITICAL, onto the privileged finding
        await pilot.press("space")  # toggles it open
        await pilot.pause()
        shown = lines(tab.findings_tree)
        assert shown[2].startswith("    why A privileged container has every capability")
        assert shown[3].startswith("    fix Drop --privileged")
        assert shown[4] == "    ref ND-PRIVILEGED · CIS Docker Benchmark 5.5"
        detail = str(app.query_one("#finding-detail", Static).render())
        assert "ND-PRIVILEGED · CIS 5.5 · container: dbg · applies when started" in detail
        assert "--cap-add and --device" in detail  # the fix, whole
        assert tab.selected is not None and tab.selected.id == "ND-PRIVILEGED"


async def test_updates_keep_the_cursor_and_expansion_on_the_same_finding() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        before = state(container("web", ports=WIDE), daemon=DEFAULTS)
        tab.show_state(before)
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down")  # past MEDIUM, onto web's finding
        await pilot.press("space")
        await pilot.pause()
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        web_node = tab.findings_tree.cursor_node

        # New findings above it (a critical group, a medium before "web" by name).
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
        assert web_node is not None and web_node.is_expanded
        assert lines(tab.findings_tree)[0] == "CRITICAL (1)"

        # The same state again changes nothing the user sees.
        shown = lines(tab.findings_tree)
        assert shown[:5] == [
            "CRITICAL (1)",
            "  dbg is privileged · when started  ND-PRIVILEGED",
            "MEDIUM (2)",
            "  api publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"
            "  ND-PORT-ALL-INTERFACES",
            "  web publishes on all interfaces: 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"
            "  ND-PORT-ALL-INTERFACES",
        ]
        assert [line.split()[0] for line in shown[5:8]] == ["why", "fix", "ref"]
        assert shown[8:] == [
            "LOW (1)",
            "  dockerd runs docker-proxy for published ports (--userland-proxy)  ND-USERLAND-PROXY",
        ]
        summary = str(app.query_one("#security-summary", Static).render())
        assert "1 critical · 0 high · 2 medium" in summary
        tab.show_state(after)
        await pilot.pause()
        assert lines(tab.findings_tree) == shown
        assert str(app.query_one("#security-summary", Static).render()) == summary
        assert tab.findings_tree.cursor_node is web_node


async def test_when_the_finding_under_the_cursor_goes_the_cursor_moves_to_a_neighbour() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(state(container("api", ports=WIDE), container("web", ports=WIDE)))
        await pilot.pause()
        tab.findings_tree.focus()
        await pilot.press("down", "down")
        assert tab.selected is not None and tab.selected.subjects == ("api",)

        # api now publishes on loopback only: its finding leaves.
        tab.show_state(state(container("api"), container("web", ports=WIDE)))
        await pilot.pause()
        assert tab.selected is not None and tab.selected.subjects == ("web",)
        assert lines(tab.findings_tree)[0] == "MEDIUM (1)"

        # Every finding goes: the tree empties, the summary says so.
        tab.show_state(state(container("api"), container("web")))
        await pilot.pause()
        assert lines(tab.findings_tree) == []
        assert tab.selected is None
        assert "No findings." in str(app.query_one("#security-summary", Static).render())


async def test_a_finding_that_changes_severity_moves_group() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tool = container("tool", cap_add=("NET_RAW",), cap_drop=("ALL",))
        tab.show_state(state(tool))
        await pilot.pause()
        assert lines(tab.findings_tree)[0] == "LOW (1)"
        tab.show_state(state(dataclasses.replace(tool, cap_add=("NET_RAW", "NET_ADMIN"))))
        await pilot.pause()
        assert lines(tab.findings_tree) == [
            "HIGH (1)",
            "  tool adds NET_ADMIN, NET_RAW  ND-CAP-ADD",
        ]
        assert tab.findings[0].severity is Severity.HIGH


async def test_remote_engine_says_which_checks_it_skips() -> None:
    app = TabApp()
    async with app.run_test() as pilot:
        tab = app.query_one(SecurityTab)
        tab.show_state(state(daemon=dataclasses.replace(HARDENED, config_read=False)))
        await pilot.pause()
        summary = str(app.query_one("#security-summary", Static).render())
        assert "--iptables and --userland-proxy checks are skipped" in summary


class ShowcaseApp(TabApp):
    """The tab over a host with one finding of most kinds: the README's screenshot."""

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
            daemon=dataclasses.replace(DEFAULTS, hosts=("tcp://0.0.0.0:2375",)),
        )
        self.query_one(SecurityTab).show_state(showcase)


def test_security_tab_snapshot(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def open_the_second_finding(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.query_one(SecurityTab).findings_tree.focus()
        await pilot.press("down", "down", "down", "space")
        await pilot.pause()

    assert snap_compare(ShowcaseApp(), terminal_size=(120, 36), run_before=open_the_second_finding)
