"""What several checks look up, computed once per audit."""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from tui.core.model import Container, Network, PortBinding, bracketed
from tui.core.namespaces import mode_of
from tui.core.ports import mode_publishes
from tui.core.state import HostState

ICC_OPTION = "com.docker.network.bridge.enable_icc"
DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge"
DEFAULT_BRIDGE = "bridge"
WILDCARDS = frozenset({"0.0.0.0", "::", "", "[::]", "*"})
PRIVILEGED_PORT_LIMIT = 1024


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def binding_text(p: PortBinding) -> str:
    port = p.host_port if p.host_port is not None else "*"
    return f"{bracketed(p.host_ip)}:{port}->{p.container_port}/{p.proto}"


@dataclass(frozen=True, slots=True)
class View:
    """The state, and what several checks look up, computed once per audit."""

    state: HostState
    members: Counter[str]
    """Network ID (or name, for an endpoint without an ID) -> how many containers are on it."""
    default_bridges: frozenset[str]
    networks_by_name: dict[str, Network]
    sockets: frozenset[str]
    """The engine's socket, by the paths it may have."""
    socket_holders: frozenset[str]
    """The directories whose mount exposes the socket too: its own and every ancestor."""
    modes: dict[str, str]
    """Container ID -> its network mode (``mode_of``), filled as the checks ask: an audit
    with a memo checks only the containers that changed."""

    @classmethod
    def of(cls, state: HostState) -> View:
        members: Counter[str] = Counter()
        by_name = {n.name: n for n in state.networks.values()}
        sockets = socket_paths(state)
        for c in state.containers.values():
            for key in {ep.network_id or ep.network for ep in c.endpoints}:
                members[key] += 1
        return cls(
            state=state,
            members=members,
            default_bridges=frozenset(
                n.id for n in state.networks.values() if is_default_bridge(n)
            ),
            networks_by_name=by_name,
            sockets=frozenset(sockets),
            socket_holders=frozenset(
                str(parent) for sock in sockets for parent in PurePosixPath(sock).parents
            ),
            modes={},
        )

    def mode(self, c: Container) -> str:
        found = self.modes.get(c.id)
        if found is None:
            found = self.modes[c.id] = mode_of(self.state, c)
        return found

    def publishes(self, c: Container) -> bool:
        """Whether the engine publishes the container's ports: it has some, and its mode
        lets it (the rule ``ports.publishes`` follows)."""
        return bool(c.ports) and mode_publishes(self.mode(c))

    def attached(self, network: Network) -> int:
        return self.members[network.id] + (
            self.members[network.name] if network.name != network.id else 0
        )


def is_default_bridge(network: Network) -> bool:
    if network.driver != "bridge":
        return False
    flag = network.options.get(DEFAULT_BRIDGE_OPTION)
    return flag == "true" if flag is not None else network.name == DEFAULT_BRIDGE


def socket_paths(state: HostState) -> set[str]:
    """Where the engine's socket is: the usual places, and the endpoint we talk to."""
    sockets = {"/var/run/docker.sock", "/run/docker.sock"}
    if state.engine is not None and state.engine.endpoint.startswith("unix://"):
        sockets.add(normal_path(state.engine.endpoint.removeprefix("unix://")))
    return sockets


def normal_path(path: str) -> str:
    """``/var//run/./`` -> ``/var/run``; ``//`` -> ``/``."""
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else path
