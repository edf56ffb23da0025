"""``netdock audit``: the network security findings, as a report or JSON, with a CI exit code."""

from __future__ import annotations

import argparse
import shutil
import textwrap

from tui.cli.common import (
    add_engine_args,
    answered,
    engines_document,
    load_states,
    print_engine_heading,
    print_json,
)
from tui.core.audit import RULES_BY_ID, Finding, Severity, at_or_above, audit, severity_counts
from tui.core.state import HostState

SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "audit",
        help="check the host's network security (CIS Docker Benchmark and more)",
        description="Check the daemon, networks and containers (running or not) for network "
        "security findings, mapped to the CIS Docker Benchmark v1.6.0 where it has a check.",
    )
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=SEVERITIES,
        help=f"exit 1 when a finding at or above SEVERITY exists ({', '.join(SEVERITIES)})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reads = load_states(args)
    if args.json:
        print_json(engines_document(reads, findings_document))
    else:
        for read in reads:
            if print_engine_heading(reads, read):
                assert read.state is not None
                print(report(read.state, audit(read.state)))
    states = answered(reads)
    if args.fail_on and any(
        at_or_above(audit(state), Severity.parse(args.fail_on)) for state in states
    ):
        return 1
    return 0


def findings_document(state: HostState) -> dict[str, object]:
    return {"findings": [f.to_json() for f in audit(state)]}


def report(state: HostState, findings: tuple[Finding, ...], width: int | None = None) -> str:
    """The findings as text, grouped by severity, each with its why and fix."""
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    counts = severity_counts(findings)
    summary = ", ".join(f"{n} {s.label}" for s, n in counts.items())
    engine = state.engine.endpoint if state.engine else "the engine"
    lines = [f"netdock audit of {engine}: {summary}"]
    if not state.daemon.config_read:
        lines += textwrap.wrap(
            "note: dockerd's command line and daemon.json were not readable (a remote engine, "
            "or not root), so the checks of --iptables and --userland-proxy were skipped.",
            width,
        )
    if not findings:
        lines += ["", "No findings."]
    for severity in counts:
        group = [f for f in findings if f.severity is severity]
        if group:
            lines += ["", severity.label.upper()]
        for check in dict.fromkeys(f.id for f in group):
            same = [f for f in group if f.id == check]
            first = same[0]
            cis = f" [CIS {first.cis}]" if first.cis else ""
            lines.append(f"  {check}{cis} {RULES_BY_ID[check].title}")
            for f in same:
                later = " (applies when started)" if f.applies_when_started else ""
                lines += textwrap.wrap(
                    f"- {f.title}{later}", width, initial_indent="    ", subsequent_indent="      "
                )
            # Why and fix are the check's own, but for a few findings that explain their case.
            for text in dict.fromkeys(f.why for f in same):
                lines += textwrap.wrap(
                    f"why: {text}", width, initial_indent="    ", subsequent_indent="         "
                )
            lines += textwrap.wrap(
                f"fix: {first.fix}", width, initial_indent="    ", subsequent_indent="         "
            )
    return "\n".join(lines)
