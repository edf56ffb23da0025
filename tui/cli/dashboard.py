"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse

from tui.cli.common import new_live, open_backend


def run(args: argparse.Namespace) -> int:
    from tui.engine.config_files import load_config
    from tui.ui.app import NetdockApp

    config, problems = load_config()
    backend = open_backend(args)
    app = NetdockApp(
        new_live(backend), read_only=args.read_only, config=config, config_problems=problems
    )
    app.run()
    return 0
