"""The layers hold: the core is headless, and the import contracts in pyproject pass."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every module of the core, subpackages included (tui.core.audit.catalogue, ...).
CORE_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "tui" / "core").rglob("*.py")
)


def test_importing_the_whole_core_loads_no_ui_and_no_engine_client():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'textual', 'aiodocker', 'aiohttp', 'docker'} or m.startswith(('tui.ui', 'tui.engine')))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == ""


def test_import_linter_contracts():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dashboard_does_not_import_the_docker_sdk_at_start():
    code = (
        "import sys\nimport tui.ui.app, tui.cli.dashboard, tui.engine.docker\n"
        "print('docker' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


def _tui_sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted((ROOT / "tui").rglob("*.py"))]


def _private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def test_no_import_from_a_private_textual_module():
    found = []
    for path, tree in _tui_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if name.split(".")[0] == "textual" and _private(name)
            ]
    assert found == []


def test_no_override_of_an_underscored_textual_method():
    """A class of ours that derives from Textual defines no ``_name`` Textual has."""
    found = []
    for path, tree in _tui_sources():
        if path.stem == "__main__":
            continue  # importing it runs the command
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name.removesuffix(".__init__"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not isinstance(cls, type):
                continue  # a nested class: reached through its own module-level walk
            textual_bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("textual")]
            for item in node.body:
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                name = item.name
                private = name.startswith("_") and not name.startswith("__")
                if private and any(name in vars(base) for base in textual_bases):
                    found.append(f"{path.relative_to(ROOT)}:{item.lineno} {node.name}.{name}")
    assert found == []


def _underscored_names_of_aiodocker() -> set[str]:
    """Every ``_name`` (one underscore) the installed aiodocker defines: its private
    functions, methods, attributes and module globals."""
    import aiodocker

    names: set[str] = set()
    for path in Path(aiodocker.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _private_aiodocker_uses(tree: ast.Module, private: set[str]) -> list[tuple[int, str]]:
    """``x._name`` where ``_name`` is one of aiodocker's privates and ``x`` is not our own
    ``self``/``cls``; and imports of aiodocker's private modules or names."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "aiodocker":
            names = [node.module or "", *(alias.name for alias in node.names)]
            found += [(node.lineno, n) for n in names if _private(n)]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name.split(".")[0] == "aiodocker" and _private(alias.name)
            ]
    return found


def test_no_private_of_aiodocker_is_used():
    """aiodocker's public API only: a private one (``docker._query_json``) may change or
    go in any release without a word."""
    private = _underscored_names_of_aiodocker()
    # The check itself catches what it is for, however the client is reached.
    sample = ast.parse(
        "async def f(client, docker):\n"
        "    await docker._query_json('info')\n"
        "    async with (await client())._query('events') as r: pass\n"
        "from aiodocker.utils import _DecodeHelper\n"
        "import aiodocker._flow_control_queue\n"
    )
    assert sorted(name for _, name in _private_aiodocker_uses(sample, private)) == [
        "_DecodeHelper",
        "_query",
        "_query_json",
        "aiodocker._flow_control_queue",
    ]
    found = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path, tree in _tui_sources()
        for line, name in _private_aiodocker_uses(tree, private)
    ]
    assert found == []
