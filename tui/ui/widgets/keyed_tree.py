"""A Tree kept in step with a desired tree of keyed nodes, changing only what changed.

``KeyedTree.sync`` never clears: a node whose key stays keeps its place, its
expansion and the cursor; a node that comes is added where it belongs, folded or
open as its ``Spec`` says; a node that goes takes the cursor off itself first,
onto the nearest sibling that stays (else its parent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Spec(Generic[T]):
    """A node as it should be: its key (unique among its siblings), label, data, children."""

    key: str
    label: Text
    data: T
    children: tuple[Spec[T], ...] = field(default=())
    expand: bool = False
    """Whether the node is open when it first appears (afterwards, the user decides)."""
    leaf: bool = False


class KeyedTree(Tree[T]):
    """A Tree whose nodes are addressed by keys; ``sync`` updates it in place."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(label, id=id)
        self._keys: dict[int, str] = {}
        """Node id -> the key it was added under."""
        self._was_open: dict[str, bool] = {}
        """During a sync, a re-added node's path -> whether it was open."""

    def key_of(self, node: TreeNode[T]) -> str:
        return self._keys[node.id]

    def sync(self, specs: Sequence[Spec[T]]) -> None:
        """Bring the tree's top level (under the hidden root) and below in line with ``specs``."""
        try:
            self._sync_children(self.root, specs)
        finally:
            self._was_open.clear()

    def _sync_children(self, parent: TreeNode[T], specs: Sequence[Spec[T]]) -> None:
        wanted = {s.key for s in specs}
        for node in list(parent.children):
            if self._keys[node.id] not in wanted:
                self._leave(node, wanted)
        present = {self._keys[n.id]: n for n in parent.children}
        if [k for k in (s.key for s in specs) if k in present] != list(present):
            # Reordered (rare: a rename): re-add the siblings, each keeping its expansion,
            # and the cursor if it was among them.
            self._was_open.update(self._expansion(parent))
            cursor = self._cursor_path_under(parent)
            for node in list(parent.children):
                self._forget(node)
                node.remove()
            present = {}
        else:
            cursor = None
        previous: TreeNode[T] | None = None
        for spec in specs:
            node = present.get(spec.key)
            if node is None:
                node = self._add(parent, spec, previous)
            else:
                if node.label != spec.label:
                    node.set_label(spec.label)
                node.data = spec.data
            if not spec.leaf:
                self._sync_children(node, spec.children)
            previous = node
        if cursor is not None:
            self._put_cursor(self._find(parent, cursor))

    def _add(self, parent: TreeNode[T], spec: Spec[T], after: TreeNode[T] | None) -> TreeNode[T]:
        expand = self._was_open.get(self._path(parent, spec.key), spec.expand)
        if spec.leaf:
            if after is not None:
                node = parent.add_leaf(spec.label, spec.data, after=after)
            elif parent.children:
                node = parent.add_leaf(spec.label, spec.data, before=0)
            else:
                node = parent.add_leaf(spec.label, spec.data)
        elif after is not None:
            node = parent.add(spec.label, spec.data, after=after, expand=expand)
        elif parent.children:
            node = parent.add(spec.label, spec.data, before=0, expand=expand)
        else:
            node = parent.add(spec.label, spec.data, expand=expand)
        self._keys[node.id] = spec.key
        return node

    def _path(self, node: TreeNode[T], key: str | None = None) -> str:
        """The keys from the top down to ``node`` (and ``key`` under it): unique in the tree."""
        parts = [key] if key is not None else []
        while node.parent is not None:
            parts.append(self._keys[node.id])
            node = node.parent
        return "/".join(reversed(parts))

    def _expansion(self, parent: TreeNode[T]) -> dict[str, bool]:
        """The path of each node under ``parent`` -> whether it is open."""
        found = {}
        stack = list(parent.children)
        while stack:
            node = stack.pop()
            found[self._path(node)] = node.is_expanded
            stack.extend(node.children)
        return found

    def _put_cursor(self, node: TreeNode[T] | None) -> None:
        """``move_cursor`` goes by the node's line: have the lines rebuilt first, since nodes
        may have come or gone in this sync."""
        _ = self.last_line
        self.move_cursor(node)

    def _cursor_path_under(self, parent: TreeNode[T]) -> str | None:
        node = self.cursor_node
        while node is not None and node.parent is not parent:
            node = node.parent
        return self._path(self.cursor_node) if node is not None and self.cursor_node else None

    def _find(self, parent: TreeNode[T], path: str) -> TreeNode[T] | None:
        stack = list(parent.children)
        while stack:
            node = stack.pop()
            if self._path(node) == path:
                return node
            stack.extend(node.children)
        return None

    def _forget(self, node: TreeNode[T]) -> None:
        stack = [node]
        while stack:
            gone = stack.pop()
            self._keys.pop(gone.id, None)
            stack.extend(gone.children)

    def _leave(self, node: TreeNode[T], staying: set[str]) -> None:
        """Remove ``node``; if the cursor is on it or under it, move it to a neighbour first."""
        cursor = self.cursor_node
        while cursor is not None and cursor is not node:
            cursor = cursor.parent
        if cursor is node:
            siblings = list(node.parent.children) if node.parent else []
            index = siblings.index(node)
            candidates = [*siblings[index + 1 :], *reversed(siblings[:index])]
            target = next((n for n in candidates if self._keys[n.id] in staying), None)
            if target is None and node.parent is not None and not node.parent.is_root:
                target = node.parent
            self._put_cursor(target)
        self._forget(node)
        node.remove()
