"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse
from dataclasses import replace

from tui.cli.common import chosen_endpoint, new_live, open_backend
from tui.engine.firstread import FirstRead


def run(args: argparse.Namespace) -> int:
    endpoint = chosen_endpoint(args)
    # The engine reads while Textual and aiodocker import: the first rows come sooner.
    first_read = FirstRead.of(endpoint.url)
    painted = None
    if first_read is not None:
        # Its rows on screen before Textual is even imported (see tui.ui.firstpaint).
        from tui.ui import firstpaint

        painted = firstpaint.show(first_read, endpoint.url)
    try:
        from tui.engine.config_files import load_config
        from tui.ui.app import NetdockApp

        config, problems = load_config()
        if args.no_accept:
            config = replace(config, accept=())
        backend = open_backend(args, endpoint)
        app = NetdockApp(
            new_live(backend, first_read=first_read, state=painted),
            read_only=args.read_only,
            config=config,
            config_problems=problems,
        )
    except BaseException:
        if painted is not None:
            firstpaint.leave()
        raise
    app.run()
    # Textual restores the terminal and prints the traceback of an unhandled error;
    # the exit status must say so too (1), not 0.
    return app.return_code or 0
