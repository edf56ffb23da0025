"""What the analyses add to the main table and the header: marks and counts."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from tui.core.audit import Finding, Severity, check_counts, findings_by_container, tally
from tui.core.ports import Conflict, blocking, conflicted_container_ids

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def container_marks(conflicts: Iterable[Conflict], findings: Iterable[Finding]) -> dict[str, Text]:
    """Container ID -> its mark: ``✖`` in a port collision (``!`` a warning only), then ``●``
    in the colour of its worst security finding."""
    conflicts = tuple(conflicts)
    colliding = conflicted_container_ids(conflicts)
    warned = conflicted_container_ids(conflicts, warnings=True) - colliding
    worst = findings_by_container(findings)
    marks: dict[str, Text] = {}
    for cid in colliding | warned | set(worst):
        mark = Text()
        if cid in colliding:
            mark.append("✖", style="bold red")
        elif cid in warned:
            mark.append("!", style="bold yellow")
        else:
            mark.append(" ")
        if cid in worst:
            mark.append("●", style=SEVERITY_STYLE[worst[cid]])
        marks[cid] = mark
    return marks


def header_segments(conflicts: Iterable[Conflict], findings: Iterable[Finding]) -> list[Text]:
    """``✖ 2 collisions`` and ``audit: 1 high 2 low (39)`` for the header: the checks that
    fired per severity, and the findings they made beside them when more."""
    segments = []
    count = len(blocking(conflicts))
    segments.append(
        Text(f"✖ {count} port collision{'s' * (count != 1)}", style="bold red" if count else "dim")
    )
    counts = check_counts(findings)
    audit = Text("audit:", style="bold")
    for severity, (checks, found) in counts.items():
        if checks:
            audit.append(f" {tally(severity, checks, found)}", style=SEVERITY_STYLE[severity])
    if not any(checks for checks, _ in counts.values()):
        audit.append(" clean", style="dim")
    segments.append(audit)
    return segments
