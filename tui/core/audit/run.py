"""Running every check over a host state."""

from __future__ import annotations

from tui.core.audit.containers import CONTAINER_CHECKS
from tui.core.audit.daemon import daemon_checks
from tui.core.audit.finding import Finding
from tui.core.audit.networks import icc, overlay
from tui.core.audit.view import View
from tui.core.state import HostState

# The last state audited and its findings: the tab, the header and the table's marks all ask
# for the same state's audit, and a HostState never changes, so once is enough.
_last: tuple[HostState, tuple[Finding, ...]] | None = None


def audit(state: HostState) -> tuple[Finding, ...]:
    """Every finding on this host, most severe first, then by check and subject."""
    global _last
    if _last is not None and _last[0] is state:
        return _last[1]
    findings = _audit(state)
    _last = (state, findings)
    return findings


def _audit(state: HostState) -> tuple[Finding, ...]:
    view = View.of(state)
    found: list[Finding] = [*daemon_checks(state), *icc(view), *overlay(state)]
    for c in state.containers.values():
        for check in CONTAINER_CHECKS:
            found.extend(check(view, c))
    return tuple(sorted(found, key=Finding.sort_key))
