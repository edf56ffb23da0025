"""How findings are grouped and counted: by check, per container, per severity.

A finding is one check failed by one subject, which is what scripts want; a reader
wants one line per check saying how many subjects fail it. ``by_check`` gives those
lines, and ``check_counts`` the header's measure: checks per severity, and how many
findings (subjects) beside them, so 250 containers on docker0 count as one problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tui.core.audit.catalogue import RULES_BY_ID
from tui.core.audit.finding import Finding, Rule, Scope, Severity

SEVERITIES = tuple(sorted(Severity, reverse=True))
"""Most severe first: the order of every grouped view."""


@dataclass(frozen=True, slots=True)
class CheckGroup:
    """One check's findings at one severity (a check such as ND-CAP-ADD may have two)."""

    severity: Severity
    id: str
    findings: tuple[Finding, ...]
    reason: str | None = None
    """Set on a group of accepted findings: the reason they were accepted for."""

    @property
    def rule(self) -> Rule:
        return RULES_BY_ID[self.id]

    @property
    def key(self) -> str:
        """Unique among one audit's groups, and stable across audits (a tree node's key)."""
        accepted = f":accepted:{self.reason}" if self.reason is not None else ""
        return f"{self.severity.label}:{self.id}{accepted}"

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(s for f in self.findings for s in f.subjects)

    @property
    def what(self) -> str:
        """What and how many: ``37 containers on the default bridge``."""
        return self.rule.counted(len(self.findings))


def by_check(
    findings: Iterable[Finding], reasons: dict[str, str] | None = None
) -> tuple[CheckGroup, ...]:
    """The findings grouped by severity and check, most severe first, then by check id;
    each group keeps its findings' order. With ``reasons`` (finding key -> why it was
    accepted), findings accepted for different reasons stay in different groups."""
    groups: dict[tuple[Severity, str, str | None], list[Finding]] = {}
    for f in findings:
        reason = reasons.get(f.key) if reasons is not None else None
        groups.setdefault((f.severity, f.id, reason), []).append(f)
    return tuple(
        CheckGroup(severity, check, tuple(members), reason)
        for (severity, check, reason), members in sorted(
            groups.items(), key=lambda item: (-item[0][0], item[0][1], item[0][2] or "")
        )
    )


def check_counts(findings: Iterable[Finding]) -> dict[Severity, tuple[int, int]]:
    """Severity -> (how many checks fired, how many findings they made), every severity
    present, most severe first (the header's ``2 low (39)``)."""
    checks: dict[Severity, set[str]] = {s: set() for s in SEVERITIES}
    counted: Counter[Severity] = Counter()
    for f in findings:
        checks[f.severity].add(f.id)
        counted[f.severity] += 1
    return {s: (len(checks[s]), counted[s]) for s in SEVERITIES}


def tally(severity: Severity, checks: int, findings: int) -> str:
    """``2 low (39)``: checks at a severity, and the findings they made when more."""
    beside = f" ({findings})" if findings != checks else ""
    return f"{checks} {severity.label}{beside}"


def findings_by_container(findings: Iterable[Finding]) -> dict[str, Severity]:
    """Container ID -> the highest severity of the findings on it (the main table's mark)."""
    worst: dict[str, Severity] = {}
    for f in findings:
        if f.scope is not Scope.CONTAINER:
            continue
        for cid in f.subject_ids:
            if cid not in worst or f.severity > worst[cid]:
                worst[cid] = f.severity
    return worst


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> tuple[Finding, ...]:
    """The findings a ``--fail-on threshold`` fails on."""
    return tuple(f for f in findings if f.severity >= threshold)
