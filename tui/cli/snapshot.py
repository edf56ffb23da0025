"""``netdock snapshot``: the containers' network state, once, as a table or JSON."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from tui.cli.common import add_engine_args, load_state, print_json, print_table
from tui.core.document import snapshot_document
from tui.core.namespaces import sharer_index
from tui.core.rows import COLUMNS, container_row


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("snapshot", help="print the network state of every container once")
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    state = load_state(args)
    if args.json:
        print_json(snapshot_document(state))
        return 0
    now = datetime.now(UTC)
    counts = {k: len(v) for k, v in sharer_index(state).items()}
    rows = [
        tuple(container_row(state, c, now, counts))
        for c in sorted(state.containers.values(), key=lambda c: c.name)
    ]
    print_table(COLUMNS, rows)
    return 0
