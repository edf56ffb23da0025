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
        "{'textual', 'docker'} or m.startswith(('tui.ui', 'tui.engine')))\n"
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


def test_the_engine_client_imports_the_standard_library_only():
    """tui.engine.http and the backend over it: no third-party package, and none of the
    standard library's heavy HTTP modules (``http.client`` pulls in ``email``)."""
    code = (
        "import sys\nbefore = set(sys.modules)\nimport asyncio, ssl\n"
        "base = set(sys.modules)\nimport tui.engine.docker\n"
        "print(','.join(sorted(set(sys.modules) - base)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = done.stdout.strip().split(",")
    outside = [m for m in loaded if m.split(".")[0] not in sys.stdlib_module_names | {"tui"}]
    assert outside == []
    assert not {"http.client", "email", "urllib.request"} & set(loaded)
