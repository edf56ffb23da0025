"""Running every check over a host state, and again over the next one."""

from __future__ import annotations

from tui.core.audit.containers import CONTAINER_CHECKS
from tui.core.audit.daemon import daemon_checks
from tui.core.audit.finding import Finding
from tui.core.audit.networks import icc, overlay
from tui.core.audit.view import View
from tui.core.model import Container
from tui.core.state import HostState


class AuditMemo:
    """Each container's findings from the last audit, and the container they were found
    for: the next audit of the same host runs the container checks again only for the
    containers that changed (an event touches one or two of a thousand).

    A container's checks read the container, and the host's networks, daemon, host facts
    and engine endpoint; when one of those changed, every container is checked again. A
    joiner's (container mode) read the containers it joins as well: they always run.
    """

    def __init__(self) -> None:
        self._shared: tuple[object, ...] | None = None
        self._found: dict[str, tuple[Container, tuple[Finding, ...]]] = {}

    def container_findings(self, state: HostState, view: View) -> list[Finding]:
        shared = (state.networks, state.host, state.daemon, state.engine)
        last = self._found
        was = self._shared
        if was is None or any(a is not b for a, b in zip(shared, was, strict=True)):
            last = {}
        self._shared = shared
        found: dict[str, tuple[Container, tuple[Finding, ...]]] = {}
        every: list[Finding] = []
        for c in state.containers.values():
            known = last.get(c.id)
            if known is None or known[0] is not c or c.namespace_ref is not None:
                known = (c, _checked(view, c))
            found[c.id] = known
            every.extend(known[1])
        self._found = found
        return every


def _checked(view: View, c: Container) -> tuple[Finding, ...]:
    return tuple(f for check in CONTAINER_CHECKS for f in check(view, c))


def audit(state: HostState, memo: AuditMemo | None = None) -> tuple[Finding, ...]:
    """Every finding on this host, most severe first, then by check and subject (``memo``:
    the last audit of this host, to check again only what changed since)."""
    view = View.of(state)
    found: list[Finding] = [*daemon_checks(state), *icc(view), *overlay(state)]
    if memo is not None:
        found += memo.container_findings(state, view)
    else:
        for c in state.containers.values():
            found.extend(_checked(view, c))
    return tuple(sorted(found, key=Finding.sort_key))
