"""The ``netdock`` command: the dashboard, and headless subcommands for scripts and CI."""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, imported only when chosen: each costs import time the
# dashboard's first paint should not pay. The help line is here for `netdock -h`.
SUBCOMMANDS = {
    "snapshot": ("tui.cli.snapshot", "print the network state of every container once"),
    "ports": ("tui.cli.ports", "list host port bindings and listeners, and find collisions"),
    "audit": ("tui.cli.audit", "audit the network security of the engine and its containers"),
    "lab": ("tui.cli.lab", "set up (or remove) the four network modes side by side"),
    "watch": ("tui.cli.watch", "print the network changes as they happen"),
    "diff": ("tui.cli.diff", "compare two snapshot documents, or one with the engine now"),
    "traffic": ("tui.cli.traffic", "print each container's interface rates, sample by sample"),
}


def _chosen(argv: list[str]) -> str | None:
    return next((arg for arg in argv if arg in SUBCOMMANDS), None)


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the ``chosen`` subcommand's module is imported to fill in its options."""
    from tui.cli.common import add_engine_args

    parser = argparse.ArgumentParser(
        prog="netdock",
        description="Live network state of the containers on a Docker host.",
    )
    add_engine_args(parser)
    parser.add_argument(
        "--read-only", action="store_true", help="disable every action that changes the engine"
    )
    parser.add_argument(
        "--no-accept",
        action="store_true",
        help="show every security finding as if no risk were accepted in the config file",
    )
    parser.add_argument(
        "--sample-interval",
        metavar="S",
        type=float,
        default=None,
        help="seconds between two readings of the interfaces' counters (default 1; 0: off)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in SUBCOMMANDS.items():
        if name == chosen:
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser(_chosen(argv)).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
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
