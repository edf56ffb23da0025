"""The layers hold: the core is headless, and the import contracts in pyproject pass."""

from __future__ import annotations

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
