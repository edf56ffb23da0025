"""``netdock snapshot``: the containers' network state, once, as a table or JSON."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from tui.cli.common import (
    add_engine_args,
    answered,
    engines_document,
    load_states,
    print_engine_heading,
    print_json,
    print_table,
)
from tui.core.document import snapshot_document
from tui.core.namespaces import sharer_index
from tui.core.rows import COLUMNS, container_row
from tui.core.state import HostState


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("snapshot", help="print the network state of every container once")
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reads = load_states(args)
    if args.json:
        print_json(engines_document(reads, snapshot_document))
    else:
        for read in reads:
            if print_engine_heading(reads, read):
                assert read.state is not None
                print_containers(read.state)
    answered(reads)
    return 0


def print_containers(state: HostState) -> None:
    now = datetime.now(UTC)
    counts = {k: len(v) for k, v in sharer_index(state).items()}
    rows = [
        tuple(container_row(state, c, now, counts))
        for c in sorted(state.containers.values(), key=lambda c: c.name)
    ]
    print_table(COLUMNS, rows)
