"""Running every check over a host state."""

from __future__ import annotations

from tui.core.audit.containers import CONTAINER_CHECKS
from tui.core.audit.daemon import daemon_checks
from tui.core.audit.finding import Finding
from tui.core.audit.networks import icc, overlay
from tui.core.audit.view import View
from tui.core.state import HostState


def audit(state: HostState) -> tuple[Finding, ...]:
    """Every finding on this host, most severe first, then by check and subject."""
    view = View.of(state)
    found: list[Finding] = [*daemon_checks(state), *icc(view), *overlay(state)]
    for c in state.containers.values():
        for check in CONTAINER_CHECKS:
            found.extend(check(view, c))
    return tuple(sorted(found, key=Finding.sort_key))
