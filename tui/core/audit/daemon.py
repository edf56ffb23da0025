"""The checks of the daemon: its flags and where it serves the API."""

from __future__ import annotations

from collections.abc import Iterator

from tui.core.audit.catalogue import API_NO_VERIFY, API_PLAIN_TCP, IPTABLES_OFF, USERLAND_PROXY
from tui.core.audit.finding import Finding, Severity, on_daemon
from tui.core.daemon import is_loopback, is_tcp
from tui.core.state import HostState


def daemon_checks(state: HostState) -> Iterator[Finding]:
    daemon = state.daemon
    if daemon.iptables is False:
        yield on_daemon(IPTABLES_OFF, Severity.MEDIUM, "dockerd runs with --iptables=false")
    if daemon.userland_proxy is True:
        yield on_daemon(
            USERLAND_PROXY,
            Severity.LOW,
            "dockerd runs docker-proxy for published ports (--userland-proxy)",
        )
    for host in daemon.hosts:
        if not is_tcp(host):
            continue
        # On loopback only local users get in; elsewhere, anyone on the network.
        severity = Severity.HIGH if is_loopback(host) else Severity.CRITICAL
        if not daemon.tls:
            yield on_daemon(
                API_PLAIN_TCP, severity, f"The Docker API is served on {host} without TLS", (host,)
            )
        elif not daemon.tls_verify:
            yield on_daemon(
                API_NO_VERIFY,
                severity,
                f"The Docker API is served on {host} without client verification",
                (host,),
            )
