"""Our Textual subclasses must not overwrite what their Textual bases hold.

``HelpScreen.__init__`` once set ``self._bindings``, which is ``Screen``'s own binding
map: the help screen drew, and the next key killed the app. This test reads every class
under ``tui/ui`` that subclasses a Textual class, finds each ``self.X = ...`` in its
methods (with ``ast``), and fails when a Textual base already defines ``X``: as an
instance attribute set in its own methods, or as a class attribute, method or property.
A public reactive or settable property of the base (``display``, ``suggester``) is meant
to be set and is allowed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from functools import cache
from pathlib import Path

from textual.reactive import Reactive
from textual.screen import ModalScreen

import tui.ui

UI = Path(tui.ui.__file__).parent


def _self_assignments(tree: ast.AST) -> set[str]:
    """Every X in ``self.X = ...``, ``self.X: T = ...``, ``self.X += ...`` within ``tree``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        while targets:
            target = targets.pop()
            if isinstance(target, ast.Tuple | ast.List | ast.Starred):
                targets.extend(
                    target.elts if not isinstance(target, ast.Starred) else [target.value]
                )
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.add(target.attr)
    return names


@cache
def _instance_attributes(cls: type) -> frozenset[str]:
    """What a Textual class sets on ``self`` in its own methods."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return frozenset()
    return frozenset(_self_assignments(ast.parse(source)))


def _textual_bases(cls: type) -> list[type]:
    return [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] == "textual"]


def _settable_public(bases: list[type], name: str) -> bool:
    if name.startswith("_"):
        return False
    for base in bases:
        attr = base.__dict__.get(name)
        if attr is not None:
            return isinstance(attr, Reactive) or (isinstance(attr, property) and attr.fset)
    return False


def our_textual_subclasses() -> list[type]:
    found = []
    for path in sorted(UI.rglob("*.py")):
        module_name = ".".join(path.relative_to(UI.parent.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                cls = getattr(module, node.name, None)
                if isinstance(cls, type) and _textual_bases(cls):
                    found.append(cls)
    return found


def clashes(cls: type, source: str | None = None) -> list[str]:
    """The attributes ``cls``'s own methods (and those of our classes it inherits) assign
    that a Textual base already defines; ``source``: ``cls``'s, when not in a file."""
    bases = _textual_bases(cls)
    ours = [b for b in cls.__mro__ if b.__module__.startswith("tui.")]
    assigned: set[str] = set()
    for own in ours:
        text = source if own is cls and source else inspect.getsource(own)
        assigned |= _self_assignments(ast.parse(textwrap.dedent(text)))
    found = []
    for name in sorted(assigned):
        defined = any(name in base.__dict__ or name in _instance_attributes(base) for base in bases)
        if defined and not _settable_public(bases, name):
            found.append(f"{cls.__module__}.{cls.__qualname__} assigns self.{name}")
    return found


def test_every_textual_subclass_is_found():
    names = {cls.__name__ for cls in our_textual_subclasses()}
    assert {"NetdockApp", "HelpScreen", "LauncherScreen", "ContainersTab"} <= names


def test_no_textual_subclass_overwrites_an_attribute_of_its_textual_base():
    found = [clash for cls in our_textual_subclasses() for clash in clashes(cls)]
    assert found == [], "\n".join(found)


def test_the_check_catches_the_help_screen_crash():
    source = """
class Broken(ModalScreen):
    def __init__(self, rows):
        super().__init__()
        self._bindings = rows
"""
    namespace: dict[str, object] = {"ModalScreen": ModalScreen, "__name__": "tui.ui.example"}
    exec(source, namespace)
    assert clashes(namespace["Broken"], source) == ["tui.ui.example.Broken assigns self._bindings"]
