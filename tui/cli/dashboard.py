"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse

from tui.cli.common import new_live, open_backend


def run(args: argparse.Namespace) -> int:
    from tui.ui.app import NetdockApp

    backend = open_backend(args)
    app = NetdockApp(new_live(backend), read_only=args.read_only)
    app.run()
    return 0
