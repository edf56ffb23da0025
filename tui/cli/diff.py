"""``netdock diff OLD.json [NEW.json]``: what changed between two snapshot documents, or
between one and the engine now. Exit 0: nothing; 1: something; 2: unreadable or no engine."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from tui.cli.common import add_engine_args, fail, load_state, print_json
from tui.core.changes import changes, view_of_document
from tui.core.document import snapshot_document


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "diff", help="compare two snapshot documents, or one with the engine now"
    )
    add_engine_args(parser)
    parser.add_argument(
        "old", metavar="OLD.json", help="a `netdock snapshot --json` file; - for stdin"
    )
    parser.add_argument(
        "new", metavar="NEW.json", nargs="?", help="another one; default: the engine now"
    )
    parser.add_argument("--json", action="store_true", help="the changes as a JSON list")
    parser.set_defaults(func=run)


def read_document(path: str) -> dict[str, Any]:
    """A snapshot document from a file (``-``: stdin); an unreadable one exits 2."""
    try:
        if path == "-":
            document = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(f"cannot read {path}: {exc}")
    if not _is_snapshot(document):
        fail(f"{path} is not a `netdock snapshot --json` document")
    return document  # type: ignore[no-any-return]


def _is_snapshot(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    containers, networks = document.get("containers"), document.get("networks")
    return (
        isinstance(containers, list)
        and isinstance(networks, list)
        and all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in containers)
        and all(isinstance(n, dict) and isinstance(n.get("name"), str) for n in networks)
    )


def run(args: argparse.Namespace) -> int:
    if args.old == "-" and args.new == "-":
        fail("only one of OLD and NEW can be stdin")
    old = read_document(args.old)
    new = read_document(args.new) if args.new else snapshot_document(load_state(args))
    found = changes(view_of_document(old), view_of_document(new), datetime.now(UTC))
    engine = str((new.get("engine") or {}).get("endpoint") or "")
    if args.json:
        print_json([c.to_json(engine) for c in found])
    else:
        for change in found:
            print(change.line())
    return 1 if found else 0
