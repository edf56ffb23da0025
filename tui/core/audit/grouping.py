"""How findings are counted: per container, per severity, at or above a threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tui.core.audit.finding import Finding, Scope, Severity


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


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Severity -> how many findings, every severity present (the header's counts)."""
    counted = Counter(f.severity for f in findings)
    return {s: counted.get(s, 0) for s in sorted(Severity, reverse=True)}


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> tuple[Finding, ...]:
    """The findings a ``--fail-on threshold`` fails on."""
    return tuple(f for f in findings if f.severity >= threshold)
