"""The topology tab: the host's bridges, veth pairs and containers as a live tree."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from tui.core.state import HostState
from tui.core.topology import Node, details, topology
from tui.ui.widgets.pane import update_pane


def _shape(node: Node) -> tuple[Any, ...]:
    """The tree's structure without its labels: same shape, labels can change in place."""
    return (node.key, tuple(_shape(child) for child in node.children))


def _detail(state: HostState, node: Node) -> Text:
    text = Text()
    for label, value in details(state, node):
        text.append(f"{label:<11}", style="bold")
        text.append(f"{value}\n")
    text.rstrip()
    return text


class TopologyTab(Vertical):
    """Bridges, veth peers, parents and namespaces, updated with the engine and the rates."""

    DEFAULT_CSS = """
    TopologyTab Tree { height: 1fr; }
    TopologyTab #topology-detail {
        height: auto; max-height: 45%; border-top: solid $primary-darken-2;
        padding: 0 1; overflow-y: auto;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state = HostState()
        self._tree_shape: tuple[Any, ...] = ()
        self._detail_shown: Text | None = None
        self._tree_nodes: dict[str, TreeNode[Node]] = {}

    def compose(self) -> ComposeResult:
        tree: Tree[Node] = Tree("host", id="topology-tree")
        tree.guide_depth = 3
        yield tree
        yield Static(id="topology-detail")

    @property
    def tree(self) -> Tree[Node]:
        return self.query_one("#topology-tree", Tree)

    def show_state(self, state: HostState) -> None:
        self._state = state
        root = topology(state)
        shape = _shape(root)
        if shape == self._tree_shape:
            for node in self._walk(root):
                shown = self._tree_nodes[node.key]
                shown.data = node
                if str(shown.label) != node.label:
                    shown.set_label(node.label)
        else:
            self._rebuild(root, shape)
        self._show_detail()

    def _walk(self, node: Node) -> list[Node]:
        found = [node]
        for child in node.children:
            found.extend(self._walk(child))
        return found

    def _rebuild(self, root: Node, shape: tuple[Any, ...]) -> None:
        tree = self.tree
        cursor = tree.cursor_node
        selected = cursor.data.key if cursor is not None and cursor.data else None
        tree.clear()
        tree.root.set_label(root.label)
        tree.root.data = root
        self._tree_nodes = {root.key: tree.root}

        def add(parent: TreeNode[Node], node: Node) -> None:
            for child in node.children:
                shown = parent.add(child.label, data=child, expand=True,
                                   allow_expand=bool(child.children))  # fmt: skip
                self._tree_nodes[child.key] = shown
                add(shown, child)

        add(tree.root, root)
        tree.root.expand()
        self._tree_shape = shape
        if selected in self._tree_nodes:
            tree.move_cursor(self._tree_nodes[selected])

    def _show_detail(self) -> None:
        cursor = self.tree.cursor_node
        node = cursor.data if cursor is not None else None
        shown = _detail(self._state, node) if node else Text()
        if shown != self._detail_shown:
            update_pane(self.query_one("#topology-detail", Static), shown, self._detail_shown)
            self._detail_shown = shown

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Node]) -> None:
        event.stop()
        self._show_detail()
