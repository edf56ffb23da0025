"""What the analyses add to the main table and the header: marks and counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from tui.core.audit import Finding, Scope, Severity, check_counts, findings_by_container, tally
from tui.core.ports import Conflict, blocking, conflicted_container_ids
from tui.ui.headline import UNKNOWN

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


UNKNOWN_SEGMENTS = tuple(Text(text, style=style) for text, style in UNKNOWN)


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


DetailLine = tuple[str, Text]


def container_notes(
    conflicts: Iterable[Conflict],
    findings: Iterable[Finding],
    refusals: Mapping[str, str],
) -> dict[str, list[DetailLine]]:
    """Container ID -> the lines its detail adds to what the model says: each collision and
    security finding it takes part in (what its mark stands for), and the engine's last
    refusal of a request on it."""
    notes: dict[str, list[DetailLine]] = {}
    for c in conflicts:
        style = "yellow" if c.warning else "bold red"
        word = "warning" if c.warning else "collision"
        for cid in c.container_ids:
            notes.setdefault(cid, []).append((word, Text(f"{c.kind}: {c.message}", style=style)))
    for f in sorted(findings, key=Finding.sort_key):
        if f.scope is not Scope.CONTAINER:
            continue
        line = Text()
        line.append(f.severity.label, style=SEVERITY_STYLE[f.severity])
        line.append(f"  {f.title}" + ("  (when started)" if f.applies_when_started else ""))
        line.append(f"  {f.id}", style="dim")
        for cid in f.subject_ids:
            notes.setdefault(cid, []).append(("finding", line))
    for cid, message in refusals.items():
        notes.setdefault(cid, []).append(("refused", Text(message, style="red")))
    return notes
