"""The security tab: the audit's findings grouped by severity, each expandable to why and fix.

The tree is updated by key, never cleared and refilled: a finding that stays
keeps its node, its expansion and the cursor, and only findings that come or
go add or remove a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from tui.core.audit import Finding, Severity, audit, severity_counts
from tui.core.state import HostState
from tui.ui.marks import SEVERITY_STYLE

_ORDER = sorted(Severity, reverse=True)


@dataclass(frozen=True, slots=True)
class Item:
    """What a tree node stands for: a severity group, a finding, or a line of one."""

    severity: Severity
    key: str | None = None
    """The finding's key; None on a group node."""
    part: str | None = None
    """``"why"``, ``"fix"`` or ``"ref"`` on a finding's child lines."""


def summary_text(findings: tuple[Finding, ...], state: HostState) -> Text:
    text = Text()
    if not state.known:
        text.append(NOT_KNOWN, style="yellow")
        return text
    if not findings:
        text.append("No findings.", style="green")
    for i, (severity, n) in enumerate(severity_counts(findings).items()):
        if findings:
            text.append(" · " if i else "")
            text.append(f"{n} {severity.label}", style=SEVERITY_STYLE[severity] if n else "dim")
    if state.engine is not None and not state.daemon.config_read:
        text.append(
            "\ndockerd's flags are not readable here: the --iptables and --userland-proxy "
            "checks are skipped.",
            style="dim",
        )
    return text


def group_label(severity: Severity, count: int) -> Text:
    return Text.assemble((severity.label.upper(), SEVERITY_STYLE[severity]), f" ({count})")


def finding_label(f: Finding) -> Text:
    text = Text(f.title)
    if f.applies_when_started:
        text.append(" · when started", style="italic dim")
    text.append(f"  {f.id}", style="dim")
    return text


def part_label(f: Finding, part: str) -> Text:
    if part == "why":
        return Text.assemble(("why ", "bold"), f.why)
    if part == "fix":
        return Text.assemble(("fix ", "bold"), f.fix)
    cis = f"CIS Docker Benchmark {f.cis}" if f.cis else "netdock's own check"
    return Text.assemble(("ref ", "bold"), f"{f.id} · {cis}", style="dim")


def finding_detail(f: Finding) -> Text:
    """The whole finding, wrapped, for the pane under the tree."""
    text = Text()
    text.append(f.severity.label.upper(), style=SEVERITY_STYLE[f.severity])
    text.append(f"  {f.title}\n", style="bold")
    cis = f"CIS {f.cis}" if f.cis else "not in CIS"
    text.append(f"{f.id} · {cis}", style="dim")
    if f.subjects:
        text.append(f" · {f.scope.value}: {', '.join(f.subjects)}", style="dim")
    if f.applies_when_started:
        text.append(" · applies when started", style="italic dim")
    text.append("\n")
    text.append("why ", style="bold")
    text.append(f"{f.why}\n")
    text.append("fix ", style="bold")
    text.append(f.fix)
    return text


PARTS = ("why", "fix", "ref")
NOT_KNOWN = "Findings unknown: waiting for the engine's answer."


class SecurityTab(Vertical):
    """Findings by severity; the app calls ``show_state`` on every state it repaints."""

    DEFAULT_CSS = """
    SecurityTab #security-summary { height: auto; padding: 0 1; }
    SecurityTab Tree { height: 1fr; }
    SecurityTab #finding-detail {
        height: auto; max-height: 40%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.findings: tuple[Finding, ...] = ()
        self._state = HostState()
        self._by_key: dict[str, Finding] = {}
        self._group_nodes: dict[Severity, TreeNode[Item]] = {}
        self._finding_nodes: dict[str, TreeNode[Item]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="security-summary")
        tree: Tree[Item] = Tree("findings", id="findings-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
        yield Static(id="finding-detail")

    def on_mount(self) -> None:
        self.query_one("#security-summary", Static).update(summary_text((), self._state))

    @property
    def findings_tree(self) -> Tree[Item]:
        return self.query_one("#findings-tree", Tree)

    def show_state(self, state: HostState) -> None:
        """Audit ``state`` and bring the tree in line with the findings, in place."""
        self._state = state
        findings = audit(state) if state.known else ()
        self.query_one("#security-summary", Static).update(summary_text(findings, state))
        if findings == self.findings:
            return
        self._sync(findings)
        self.findings = findings
        self._show_detail()

    # keyed update ---------------------------------------------------------------

    def _sync(self, findings: tuple[Finding, ...]) -> None:
        wanted = {f.key: f for f in findings}
        groups: dict[Severity, list[Finding]] = {s: [] for s in _ORDER}
        for f in findings:
            groups[f.severity].append(f)
        self._keep_cursor_on_a_survivor(wanted, {s for s, fs in groups.items() if fs})
        # Leaving first: a finding whose severity changed moves group by leaving and coming.
        for key in [
            k
            for k, node in self._finding_nodes.items()
            if k not in wanted or wanted[k].severity is not self._by_key[k].severity
        ]:
            self._finding_nodes.pop(key).remove()
            self._by_key.pop(key)
        for severity in _ORDER:
            members = groups[severity]
            group = self._group_nodes.get(severity)
            if not members:
                if group is not None:
                    self._group_nodes.pop(severity).remove()
                continue
            if group is None:
                group = self._add_group(severity)
            group.set_label(group_label(severity, len(members)))
            self._sync_group(group, members)

    def _add_group(self, severity: Severity) -> TreeNode[Item]:
        after = [self._group_nodes[s] for s in _ORDER if s > severity and s in self._group_nodes]
        root = self.findings_tree.root
        if after:
            node = root.add(group_label(severity, 0), Item(severity), after=after[-1], expand=True)
        elif root.children:
            node = root.add(group_label(severity, 0), Item(severity), before=0, expand=True)
        else:
            node = root.add(group_label(severity, 0), Item(severity), expand=True)
        self._group_nodes[severity] = node
        return node

    def _sync_group(self, group: TreeNode[Item], members: list[Finding]) -> None:
        order = [f.key for f in members]
        present = [n.data.key for n in group.children if n.data is not None]
        if [k for k in order if k in present] != present:
            # Reordered (a rename): re-add this group's findings, expansion kept.
            expanded = {k for k in present if self._finding_nodes[k].is_expanded}
            for key in present:
                self._finding_nodes.pop(key).remove()
                self._by_key.pop(key)
            last: TreeNode[Item] | None = None
            for f in members:
                last = self._add_finding(group, f, last, expand=f.key in expanded)
            return
        previous: TreeNode[Item] | None = None
        for f in members:
            node = self._finding_nodes.get(f.key)
            if node is None:
                node = self._add_finding(group, f, previous)
            elif self._by_key[f.key] != f:
                self._by_key[f.key] = f
                node.set_label(finding_label(f))
                for child in node.children:
                    if child.data is not None and child.data.part is not None:
                        child.set_label(part_label(f, child.data.part))
            previous = node

    def _add_finding(
        self,
        group: TreeNode[Item],
        f: Finding,
        after: TreeNode[Item] | None,
        expand: bool = False,
    ) -> TreeNode[Item]:
        item = Item(f.severity, f.key)
        if after is not None:
            node = group.add(finding_label(f), item, after=after, expand=expand)
        elif group.children:
            node = group.add(finding_label(f), item, before=0, expand=expand)
        else:
            node = group.add(finding_label(f), item, expand=expand)
        for part in PARTS:
            node.add_leaf(part_label(f, part), Item(f.severity, f.key, part))
        self._finding_nodes[f.key] = node
        self._by_key[f.key] = f
        return node

    def _keep_cursor_on_a_survivor(
        self, wanted: dict[str, Finding], groups_left: set[Severity]
    ) -> None:
        """Before nodes go, move the cursor off them, onto the nearest one that stays."""
        tree = self.findings_tree
        node = tree.cursor_node
        if node is None or node.data is None:
            return
        item = node.data
        if item.key is None:
            if item.severity not in groups_left:
                survivors = [
                    self._group_nodes[s]
                    for s in _ORDER
                    if s in groups_left and s in self._group_nodes
                ]
                tree.move_cursor(survivors[0] if survivors else None)
            return
        stays = item.key in wanted and wanted[item.key].severity is item.severity
        if stays:
            return
        finding = self._finding_nodes.get(item.key)
        siblings = finding.parent.children if finding and finding.parent else []
        index = next((i for i, n in enumerate(siblings) if n is finding), 0)
        for candidate in [*siblings[index + 1 :], *reversed(siblings[:index])]:
            key = candidate.data.key if candidate.data else None
            if key is not None and key in wanted and wanted[key].severity is item.severity:
                tree.move_cursor(candidate)
                return
        group = self._group_nodes.get(item.severity)
        if group is not None and item.severity in groups_left:
            tree.move_cursor(group)
        else:
            survivors = [
                self._group_nodes[s] for s in _ORDER if s in groups_left and s in self._group_nodes
            ]
            tree.move_cursor(survivors[0] if survivors else None)

    # detail ---------------------------------------------------------------------

    def _show_detail(self) -> None:
        node = self.findings_tree.cursor_node
        key = node.data.key if node is not None and node.data is not None else None
        finding = self._by_key.get(key) if key else None
        detail = self.query_one("#finding-detail", Static)
        detail.update(finding_detail(finding) if finding else "")
        detail.display = finding is not None

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Item]) -> None:
        event.stop()
        self._show_detail()

    @property
    def selected(self) -> Finding | None:
        """The finding under the cursor (or whose line is)."""
        node = self.findings_tree.cursor_node
        key = node.data.key if node is not None and node.data is not None else None
        return self._by_key.get(key) if key else None
