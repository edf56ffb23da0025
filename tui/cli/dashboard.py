"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse

from tui.cli.common import chosen_endpoints, new_live, open_backend
from tui.engine.firstread import FirstRead


def run(args: argparse.Namespace) -> int:
    endpoints = chosen_endpoints(args)
    # The first engine reads while Textual and aiodocker import: its first rows come sooner.
    first_read = FirstRead.of(endpoints[0].url)

    from tui.engine.config_files import load_config
    from tui.ui.app import NetdockApp

    config, problems = load_config()
    backends = [open_backend(endpoint) for endpoint in endpoints]
    lives = [new_live(backends[0], first_read=first_read)]
    lives += [new_live(backend) for backend in backends[1:]]
    app = NetdockApp(
        lives[0] if len(lives) == 1 else lives,
        read_only=args.read_only,
        config=config,
        config_problems=problems,
    )
    app.run()
    return 0
