"""``netdock ports``: host port bindings, host listeners and their collisions, once.

``--check`` is the pre-deploy gate: exit 1 when something will fail to start (or
already clashes), 0 when clean or only warned, 2 when the engine cannot be reached.
"""

from __future__ import annotations

import argparse

from tui.cli.common import (
    add_engine_args,
    answered,
    engines_document,
    load_states,
    print_engine_heading,
    print_json,
    print_table,
)
from tui.core.ports import (
    Conflict,
    Owner,
    blocking,
    conflicts_of_binding,
    find_conflicts,
    listener_rows,
    port_bindings,
    ports_document,
)
from tui.core.state import HostState


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "ports", help="print host port bindings, host listeners and port collisions"
    )
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON document")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on any collision but dynamic-range warnings (for CI), 0 when clean",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reads = load_states(args)
    if args.json:
        print_json(
            engines_document(reads, lambda state: ports_document(state, find_conflicts(state)))
        )
    else:
        for read in reads:
            if print_engine_heading(reads, read):
                assert read.state is not None
                conflicts = find_conflicts(read.state)
                if args.check:
                    print_conflicts(conflicts)
                else:
                    print_ports(read.state, conflicts)
    # Each engine's collisions are its own: two hosts may each bind 8080.
    if args.check and any(blocking(find_conflicts(state)) for state in answered(reads)):
        return 1
    return 0


def print_conflicts(conflicts: tuple[Conflict, ...]) -> None:
    if not conflicts:
        print("no port collisions")
        return
    for c in conflicts:
        level = "warning" if c.warning else "conflict"
        print(f"{level}: {c.kind} {c.host_port}/{c.proto} ({', '.join(c.host_ips)}): {c.message}")


def print_ports(state: HostState, conflicts: tuple[Conflict, ...]) -> None:
    bindings: list[tuple[str, ...]] = []
    for r in port_bindings(state):
        kinds = ",".join(c.kind for c in conflicts_of_binding(conflicts, r))
        bindings.append(
            (
                r.host_ip,
                str(r.host_port) if r.host_port is not None else "-",
                r.proto,
                r.container,
                str(r.container_port),
                r.state,
                ("bound" if r.bound else "configured") + (" dynamic" if r.dynamic else " fixed"),
                kinds,
            )
        )
    headers = ("HOST IP", "HOST PORT", "PROTO", "CONTAINER", "PORT", "STATE", "BINDING")
    print_table((*headers, "CONFLICT"), bindings)
    # The engine's proxies for published ports are the bindings above, not other listeners.
    listeners: list[tuple[str, ...]] = [
        (
            r.proto,
            r.address,
            str(r.port),
            str(r.pid) if r.pid is not None else "-",
            r.process or "-",
            r.container or "-",
        )
        for r in listener_rows(state)
        if r.owner is not Owner.PUBLISHED
    ]
    if listeners:
        print()
        print_table(("PROTO", "ADDRESS", "PORT", "PID", "PROCESS", "CONTAINER"), listeners)
    print()
    print_conflicts(conflicts)
