"""What the audit speaks in: a check (``Rule``), how bad (``Severity``), and a ``Finding``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

from tui.core.model import Container, Network


class Severity(IntEnum):
    """How bad a finding is; ordered, so ``>=`` compares."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` -> ``Severity.HIGH`` (ValueError when it names none)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}: one of {names}") from None


class Scope(StrEnum):
    """What a finding's subjects are."""

    CONTAINER = "container"
    NETWORK = "network"
    DAEMON = "daemon"
    CONFIG = "config"
    """An entry of netdock's own config file (a stale accepted risk)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One check: its stable id, the CIS id where there is one, and its general why and fix."""

    id: str
    cis: str | None
    title: str
    scope: Scope
    why: str
    fix: str
    what: str
    """What the check found and how often, with ``{n}`` the count and ``{s}`` (``{es}``,
    ``{ies}``) its plural ending: ``"{n} container{s} on the default bridge"``."""

    def counted(self, n: int) -> str:
        """``what`` for ``n`` subjects: ``37 containers on the default bridge``."""
        one = n == 1
        return self.what.format(n=n, s="" if one else "s", es="" if one else "es",
                                ies="y" if one else "ies")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """One check failed by one subject (a container, a network, or the daemon's endpoint)."""

    id: str
    cis: str | None
    severity: Severity
    title: str
    subjects: tuple[str, ...]
    """Names: of containers, of networks, or the daemon's listening address."""
    subject_ids: tuple[str, ...]
    """The same subjects' IDs, in the same order."""
    why: str
    fix: str
    applies_when_started: bool = False
    """The container is not running: the finding applies once it starts."""
    scope: Scope = Scope.CONTAINER

    @property
    def key(self) -> str:
        """Unique among one audit's findings, and stable across audits (a row key)."""
        return f"{self.id}:{','.join(self.subject_ids)}"

    def sort_key(self) -> tuple[int, str, tuple[str, ...]]:
        return (-self.severity, self.id, self.subjects)

    def to_json(self) -> dict[str, object]:
        """The finding in ``netdock audit --json``."""
        return {
            "id": self.id,
            "cis": self.cis,
            "severity": self.severity.label,
            "title": self.title,
            "subjects": list(self.subjects),
            "why": self.why,
            "fix": self.fix,
            "applies_when_started": self.applies_when_started,
        }


# Making a rule's finding on a subject ---------------------------------------------------


def on_container(
    rule: Rule, severity: Severity, container: Container, title: str, why: str | None = None
) -> Finding:
    return replace(
        _on_subject(rule, severity, Scope.CONTAINER, container.name, container.id, title, why),
        applies_when_started=not container.running,
    )


def on_network(
    rule: Rule, severity: Severity, network: Network, title: str, why: str | None = None
) -> Finding:
    return _on_subject(rule, severity, Scope.NETWORK, network.name, network.id, title, why)


def _on_subject(
    rule: Rule, severity: Severity, scope: Scope, name: str, sid: str, title: str,
    why: str | None,
) -> Finding:  # fmt: skip
    return Finding(
        id=rule.id,
        cis=rule.cis,
        severity=severity,
        title=title,
        subjects=(name,),
        subject_ids=(sid,),
        why=why or rule.why,
        fix=rule.fix,
        scope=scope,
    )


def on_daemon(
    rule: Rule, severity: Severity, title: str, subjects: tuple[str, ...] = ()
) -> Finding:
    return Finding(
        id=rule.id,
        cis=rule.cis,
        severity=severity,
        title=title,
        subjects=subjects,
        subject_ids=subjects,
        why=rule.why,
        fix=rule.fix,
        scope=Scope.DAEMON,
    )
