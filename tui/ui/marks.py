"""What the analyses add to the main table and the header: marks and counts."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from tui.core.audit import Finding, Severity, findings_by_container, severity_counts
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
    """``✖ 2 collisions`` and ``findings: 1 high 3 medium ...`` for the header."""
    segments = []
    count = len(blocking(conflicts))
    segments.append(
        Text(f"✖ {count} port collision{'s' * (count != 1)}", style="bold red" if count else "dim")
    )
    counts = severity_counts(findings)
    finding = Text("findings:", style="bold")
    for severity, n in counts.items():
        if n:
            finding.append(f" {n} {severity.name.lower()}", style=SEVERITY_STYLE[severity])
    if not any(counts.values()):
        finding.append(" none", style="dim")
    segments.append(finding)
    return segments
