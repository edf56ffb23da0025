"""Accepted risks: findings a team has decided to live with, and why.

An ``Acceptance`` names a check, optionally narrowed to subjects by fnmatch globs
(``ci-runner-*``), with a reason. ``assess`` splits an audit's findings into those
that count (the header, ``--fail-on``, the containers tab's marks) and those
accepted (kept, with their reason, for the security tab's folded group and
``audit --json``). An acceptance that matches no finding is itself reported, as an
info finding ``ND-ACCEPT-STALE``: it then shows wherever findings show (the tab,
the report, ``--json``, ``--fail-on info``) with no channel of its own to learn.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from tui.core.audit.catalogue import ACCEPT_STALE, RULES_BY_ID
from tui.core.audit.finding import Finding, Scope, Severity
from tui.core.audit.run import AuditMemo, audit
from tui.core.state import HostState


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A risk accepted: a check, the subjects it is accepted for (globs; none: every one),
    the reason, and where it is written."""

    check: str
    reason: str
    subjects: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None

    def matches(self, finding: Finding) -> bool:
        if finding.id != self.check:
            return False
        if not self.subjects:
            return True
        return any(fnmatchcase(s, glob) for s in finding.subjects for glob in self.subjects)

    @property
    def where(self) -> str:
        """``~/.config/netdock/config.toml, line 12``."""
        return f"{self.source}, line {self.line}" if self.line else self.source

    @property
    def written(self) -> str:
        """The entry as a reader recognises it: ``ND-DEFAULT-BRIDGE ci-runner-*``."""
        return " ".join((self.check, *self.subjects))


def check_problem(check: str) -> str | None:
    """Why ``check`` cannot be accepted, or None: it must be one of the audit's checks."""
    if check in RULES_BY_ID and check != ACCEPT_STALE.id:
        return None
    if check == ACCEPT_STALE.id:
        return f"{check} cannot be accepted: remove or correct the stale entry instead"
    close = difflib.get_close_matches(check.upper(), list(RULES_BY_ID), n=1)
    hint = f"did you mean {close[0]}?" if close else "the README's table lists the checks"
    return f"unknown check {check!r} ({hint})"


def glob_problem(glob: str) -> str | None:
    """Why ``glob`` is not a usable subject pattern, or None."""
    if not glob.strip():
        return "an empty subject matches nothing"
    if glob != glob.strip():
        return f"{glob!r} has spaces around it, which no name has"
    depth = 0
    for char in glob:
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
    if depth:
        return f"{glob!r} opens a [ it does not close (write [[] for a literal [)"
    return None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A finding, and the acceptance that took it out of the counts."""

    finding: Finding
    acceptance: Acceptance


@dataclass(frozen=True, slots=True)
class Assessment:
    """An audit with the accepted risks applied."""

    findings: tuple[Finding, ...]
    """What counts: every finding not accepted, and a stale one per acceptance that
    matched nothing; most severe first, then by check and subject."""
    accepted: tuple[Accepted, ...] = ()

    def reasons(self) -> dict[str, str]:
        """Accepted finding's key -> its reason."""
        return {a.finding.key: a.acceptance.reason for a in self.accepted}

    def to_json(self) -> list[dict[str, object]]:
        """Every finding, accepted or not, for ``audit --json``: in the audit's order, each
        with ``accepted``, and the ``reason`` of an accepted one."""
        rows: list[tuple[Finding, str | None]] = [(f, None) for f in self.findings]
        rows += [(a.finding, a.acceptance.reason) for a in self.accepted]
        document = []
        for finding, reason in sorted(rows, key=lambda row: row[0].sort_key()):
            entry = finding.to_json()
            entry["accepted"] = reason is not None
            if reason is not None:
                entry["reason"] = reason
            document.append(entry)
        return document


def stale(acceptance: Acceptance, index: int) -> Finding:
    """The finding that an acceptance matched nothing."""
    return Finding(
        id=ACCEPT_STALE.id,
        cis=None,
        severity=Severity.INFO,
        title=f"accept {acceptance.written} matches nothing ({acceptance.where})",
        subjects=(acceptance.written,),
        subject_ids=(f"{acceptance.where}#{index}",),
        why=ACCEPT_STALE.why,
        fix=f"Remove the entry from {acceptance.where}, or correct its check id or subjects.",
        scope=Scope.CONFIG,
    )


def apply_acceptances(findings: Iterable[Finding], acceptances: Iterable[Acceptance]) -> Assessment:
    """Split ``findings`` by ``acceptances`` (the first that matches a finding takes it)."""
    acceptances = tuple(acceptances)
    used: set[int] = set()
    counted: list[Finding] = []
    accepted: list[Accepted] = []
    for f in findings:
        taker = next((i for i, a in enumerate(acceptances) if a.matches(f)), None)
        if taker is None:
            counted.append(f)
        else:
            used.add(taker)
            accepted.append(Accepted(f, acceptances[taker]))
    counted += [stale(a, i) for i, a in enumerate(acceptances) if i not in used]
    return Assessment(tuple(sorted(counted, key=Finding.sort_key)), tuple(accepted))


def assess(
    state: HostState, acceptances: tuple[Acceptance, ...] = (), memo: AuditMemo | None = None
) -> Assessment:
    """The audit of ``state`` with ``acceptances`` applied (``memo``: see ``audit``)."""
    return apply_acceptances(audit(state, memo), acceptances)
