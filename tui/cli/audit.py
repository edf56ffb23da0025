"""``netdock audit``: the network security findings, as a report or JSON, with a CI exit code."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap

from tui.cli.common import (
    add_engine_args,
    answered,
    engines_document,
    load_states,
    print_engine_heading,
    print_json,
)
from tui.core.audit import (
    Assessment,
    CheckGroup,
    Severity,
    assess,
    at_or_above,
    by_check,
    check_counts,
    tally,
)
from tui.core.state import HostState
from tui.engine.config_files import load_config

SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]
LISTED = 10
"""A check lists this many subjects one a line, with what is particular to each; the rest
by name only, so 250 containers on docker0 take a paragraph, not 250 lines."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "audit",
        help="check the host's network security (CIS Docker Benchmark and more)",
        description="Check the daemon, networks and containers (running or not) for network "
        "security findings, mapped to the CIS Docker Benchmark v1.6.0 where it has a check. "
        "Risks accepted in the config file ([audit] accept) are reported apart and not counted.",
    )
    add_engine_args(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=SEVERITIES,
        help=f"exit 1 when a finding at or above SEVERITY exists ({', '.join(SEVERITIES)}); "
        "accepted findings do not count",
    )
    parser.add_argument(
        "--no-accept",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show every finding as if no risk were accepted in the config file",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config, problems = load_config()
    for problem in problems:
        print(f"netdock: {problem}", file=sys.stderr)
    accept = () if args.no_accept else config.accept
    reads = load_states(args)
    # Each engine audited once, for its report (or document) and for --fail-on alike.
    assessed = {id(r.state): assess(r.state, accept) for r in reads if r.state is not None}

    def assessment(state: HostState) -> Assessment:
        return assessed[id(state)]

    if args.json:
        print_json(engines_document(reads, lambda s: {"findings": assessment(s).to_json()}))
    else:
        for read in reads:
            if print_engine_heading(reads, read):
                assert read.state is not None
                print(report(read.state, assessment(read.state)))
    states = answered(reads)
    threshold = Severity.parse(args.fail_on) if args.fail_on else None
    if threshold is not None and any(
        at_or_above(assessment(state).findings, threshold) for state in states
    ):
        return 1
    return 0


def report(state: HostState, assessment: Assessment, width: int | None = None) -> str:
    """The findings as text: by severity, then by check with its subjects, why and fix; the
    accepted risks last, with their reasons."""
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    summary = ", ".join(tally(s, *n) for s, n in check_counts(assessment.findings).items())
    groups = by_check(assessment.findings)
    accepted = by_check((a.finding for a in assessment.accepted), assessment.reasons())
    if accepted:
        checks = len(accepted)
        summary += f"; {checks} check{'s' * (checks != 1)} accepted ({len(assessment.accepted)})"
    engine = state.engine.endpoint if state.engine else "the engine"
    lines = [f"netdock audit of {engine}: checks failed: {summary}"]
    if not state.daemon.config_read:
        lines += textwrap.wrap(
            "note: dockerd's command line and daemon.json were not readable (a remote engine, "
            "or not root), so the checks of --iptables and --userland-proxy were skipped.",
            width,
        )
    if not groups:
        lines += ["", "No findings."]
    shown: Severity | None = None
    for group in groups:
        if group.severity is not shown:
            shown = group.severity
            lines += ["", group.severity.label.upper()]
        lines += _check(group, width)
    if accepted:
        lines += ["", "ACCEPTED (not counted)"]
        for group in accepted:
            lines += _check(group, width)
    return "\n".join(lines)


def _check(group: CheckGroup, width: int) -> list[str]:
    cis = f" [CIS {group.rule.cis}]" if group.rule.cis else ""
    severity = f" {group.severity.label}:" if group.reason is not None else ""
    lines = [f"  {group.id}{cis}{severity} {group.what}"]

    def wrap(text: str, hang: int) -> list[str]:
        return textwrap.wrap(text, width, initial_indent="    ", subsequent_indent=" " * (4 + hang))

    if group.reason is not None:
        lines += wrap(f"accepted: {group.reason}", 10)
        return lines + wrap(", ".join(group.subjects), 0)
    for f in group.findings[:LISTED]:
        later = " (applies when started)" if f.applies_when_started else ""
        lines += wrap(f"- {f.title}{later}", 2)
    rest = [s for f in group.findings[LISTED:] for s in f.subjects]
    if rest:
        lines += wrap(f"- and {len(rest)} more: {', '.join(rest)}", 2)
    # Why and fix are the check's own, but for a few findings that explain their case.
    for text in dict.fromkeys(f.why for f in group.findings):
        lines += wrap(f"why: {text}", 5)
    return lines + wrap(f"fix: {group.findings[0].fix}", 5)
