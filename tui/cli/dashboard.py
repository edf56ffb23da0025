"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse
from dataclasses import replace

from tui.cli.common import chosen_endpoints, fail, new_live, open_backend
from tui.engine.firstread import FirstRead


def run(args: argparse.Namespace) -> int:
    endpoints = chosen_endpoints(args)
    # The first engine reads while Textual and aiodocker import: its first rows come sooner.
    first_read = FirstRead.of(endpoints[0].url)
    painted = None
    if first_read is not None and len(endpoints) == 1:
        # Its rows on screen before Textual is even imported (see tui.ui.firstpaint); with
        # several engines the screen has an engine column, which the first paint has not.
        from tui.ui import firstpaint

        painted = firstpaint.show(first_read, endpoints[0].url)
    try:
        # Not before the first paint: ctypes is a few milliseconds to import. Only the first
        # read's thread has an arena of its own by then.
        from tui.engine.allocator import one_arena

        one_arena()
        from tui.engine.config_files import load_config
        from tui.ui.app import NetdockApp

        config, problems = load_config()
        if args.no_accept:
            config = replace(config, accept=())
        interval = args.sample_interval
        if interval is None:
            interval = config.sample_interval
        if interval is not None and interval < 0:
            fail("--sample-interval: seconds, 0 or more")
        backends = [open_backend(endpoint) for endpoint in endpoints]
        lives = [
            new_live(backends[0], first_read=first_read, state=painted, sample_interval=interval)
        ]
        lives += [new_live(backend, sample_interval=interval) for backend in backends[1:]]
        app = NetdockApp(
            lives[0] if len(lives) == 1 else lives,
            read_only=args.read_only,
            config=config,
            config_problems=problems,
        )
    except BaseException:
        if painted is not None:
            firstpaint.leave()
        raise
    # The first frame's state (its containers as the list told them) and the first read
    # are the pipeline's to drop once the inspects are in: not this frame's to hold.
    del painted, first_read
    app.run()
    return app.return_code or 0
