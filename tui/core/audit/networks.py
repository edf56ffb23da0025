"""The checks of each network: inter-container communication, overlay encryption."""

from __future__ import annotations

from collections.abc import Iterator

from tui.core.audit.catalogue import ICC_DEFAULT, ICC_USER, OVERLAY_PLAIN
from tui.core.audit.finding import Finding, Severity, on_network
from tui.core.audit.view import ICC_OPTION, View, is_default_bridge, plural
from tui.core.state import HostState


def icc(view: View) -> Iterator[Finding]:
    state = view.state
    for network in state.networks.values():
        if network.driver != "bridge":
            continue
        option = network.options.get(ICC_OPTION)
        members = view.attached(network)
        on = f"{plural(members, 'container')} attached"
        if is_default_bridge(network):
            enabled = option != "false" if option is not None else state.daemon.icc
            if enabled:
                yield on_network(
                    ICC_DEFAULT,
                    Severity.MEDIUM,
                    network,
                    f"Containers on the default bridge reach each other ({on})",
                )
        elif option != "false":
            yield on_network(
                ICC_USER,
                Severity.LOW,
                network,
                f"Containers on {network.name} reach each other ({on})",
            )


def overlay(state: HostState) -> Iterator[Finding]:
    for network in state.networks.values():
        if network.driver == "overlay" and "encrypted" not in network.options:
            yield on_network(
                OVERLAY_PLAIN,
                Severity.MEDIUM,
                network,
                f"Overlay network {network.name} is not encrypted",
            )
