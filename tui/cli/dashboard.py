"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse
from dataclasses import replace

from tui.cli.common import chosen_endpoint, fail, new_live, open_backend
from tui.engine.firstread import FirstRead
from tui.engine.live import SAMPLE_SECONDS


def run(args: argparse.Namespace) -> int:
    endpoint = chosen_endpoint(args)
    # The engine reads while Textual and aiodocker import: the first rows come sooner.
    first_read = FirstRead.of(endpoint.url)

    from tui.engine.config_files import load_config
    from tui.ui.app import NetdockApp

    config, problems = load_config()
    if args.no_accept:
        config = replace(config, accept=())
    interval = args.sample_interval
    if interval is None:
        interval = config.sample_interval if config.sample_interval is not None else SAMPLE_SECONDS
    if interval < 0:
        fail("--sample-interval: seconds, 0 or more")
    backend = open_backend(args, endpoint)
    app = NetdockApp(
        new_live(backend, first_read=first_read, sample_interval=interval),
        read_only=args.read_only,
        config=config,
        config_problems=problems,
    )
    app.run()
    return 0
