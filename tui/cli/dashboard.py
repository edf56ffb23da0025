"""``netdock``: the live dashboard."""

from __future__ import annotations

import argparse
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.cli.common import chosen_endpoints, fail, new_live, open_backend
from tui.engine.firstread import FirstRead

if TYPE_CHECKING:
    from tui.core.state import HostState


def run(args: argparse.Namespace) -> int:
    endpoints = chosen_endpoints(args)
    # The local engines read while Textual and asyncio import: their first rows come
    # sooner. One ``news`` for all: the first paint waits for whichever answers first.
    news = threading.Condition()
    first_reads = [FirstRead.of(endpoint.url, news) for endpoint in endpoints]
    painted: list[HostState | None] = [None] * len(endpoints)
    if any(first_reads):
        # Their rows on screen before Textual is even imported (see tui.ui.firstpaint).
        from tui.ui import firstpaint

        painted = firstpaint.show(first_reads, endpoints)
    try:
        # Not before the first paint: ctypes is a few milliseconds to import. Only the first
        # read's thread has an arena of its own by then.
        from tui.engine.allocator import freeze_after_peaks, one_arena

        one_arena()
        freeze_after_peaks()
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
            new_live(backend, first_read=first_read, state=state, sample_interval=interval)
            for backend, first_read, state in zip(backends, first_reads, painted, strict=True)
        ]
        app = NetdockApp(
            lives[0] if len(lives) == 1 else lives,
            read_only=args.read_only,
            config=config,
            config_problems=problems,
        )
    except BaseException:
        if any(painted):
            firstpaint.leave()
        raise
    # The first frame's state (its containers as the list told them) and the first read
    # are the pipeline's to drop once the inspects are in: not this frame's to hold.
    del painted, first_reads
    app.run()
    return app.return_code or 0
