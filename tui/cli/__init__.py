"""The ``netdock`` command: the dashboard, and headless subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, imported only when chosen: each costs import time the
# dashboard's first paint should not pay.
SUBCOMMANDS = {
    "snapshot": "tui.cli.snapshot",
}


def build_parser() -> argparse.ArgumentParser:
    from tui.cli.common import add_engine_args

    parser = argparse.ArgumentParser(
        prog="netdock",
        description="Live network state of the containers on a Docker host.",
    )
    add_engine_args(parser)
    parser.add_argument(
        "--read-only", action="store_true", help="disable every action that changes the engine"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from tui.cli.dashboard import run

            return run(args)
        code: int = args.func(args)
    except BrokenPipeError:
        # `netdock snapshot | head`: the reader left; that is not an error.
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
