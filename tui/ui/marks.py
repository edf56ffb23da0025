"""What the analyses add to the main table and the header: marks and counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

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
    marks = {}
    for cid in colliding | warned | set(worst):
        port = "collision" if cid in colliding else "warning" if cid in warned else ""
        marks[cid] = _mark(port, worst.get(cid))
    return marks


@cache
def _mark(port: str, severity: Severity | None) -> Text:
    """One mark per kind, shared by every row that bears it: a row whose mark is the same
    object as before is not built again (tui.ui.tabs.containers)."""
    mark = Text()
    if port == "collision":
        mark.append("✖", style="bold red")
    elif port == "warning":
        mark.append("!", style="bold yellow")
    else:
        mark.append(" ")
    if severity is not None:
        mark.append("●", style=SEVERITY_STYLE[severity])
    return mark


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
    container_id: str,
    conflicts: Iterable[Conflict],
    findings: Iterable[Finding],
    refusals: Mapping[str, str],
) -> list[DetailLine]:
    """The lines a container's detail adds to what the model says: each collision and
    security finding it takes part in (what its mark stands for), and the engine's last
    refusal of a request on it. Asked for the container on screen only: O(findings)."""
    notes: list[DetailLine] = []
    for c in conflicts:
        if container_id in c.container_ids:
            style = "yellow" if c.warning else "bold red"
            word = "warning" if c.warning else "collision"
            notes.append((word, Text(f"{c.kind}: {c.message}", style=style)))
    mine = (f for f in findings if f.scope is Scope.CONTAINER and container_id in f.subject_ids)
    for f in sorted(mine, key=Finding.sort_key):
        line = Text()
        line.append(f.severity.label, style=SEVERITY_STYLE[f.severity])
        line.append(f"  {f.title}" + ("  (when started)" if f.applies_when_started else ""))
        line.append(f"  {f.id}", style="dim")
        notes.append(("finding", line))
    if container_id in refusals:
        notes.append(("refused", Text(refusals[container_id], style="red")))
    return notes
