"""The network security audit: CIS Docker Benchmark v1.6.0 checks, and some of ours. Pure.

Each check reads the model (containers, networks) and what is known of the
daemon and the host, and returns ``Finding``s: one per check and subject, so
a script can tell which container fails which check, and a finding on a
container that is not running says it will apply once the container starts
(Docker Bench looks at running containers only). A fact we do not know (a
remote engine's flags) yields no finding rather than a guess.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from pathlib import PurePosixPath

from tui.core.daemon import is_loopback, is_tcp
from tui.core.model import Container, Mode, Network, PortBinding, bracketed
from tui.core.namespaces import mode_of, namespace_chain
from tui.core.ports import mode_publishes
from tui.core.state import HostState

ICC_OPTION = "com.docker.network.bridge.enable_icc"
DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge"
DEFAULT_BRIDGE = "bridge"
WILDCARDS = frozenset({"0.0.0.0", "::", "", "[::]", "*"})
PRIVILEGED_PORT_LIMIT = 1024


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


@dataclass(frozen=True, slots=True)
class Rule:
    """One check: its stable id, the CIS id where there is one, and its general why and fix."""

    id: str
    cis: str | None
    title: str
    scope: Scope
    why: str
    fix: str


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


# The rules ------------------------------------------------------------------

ICC_DEFAULT = Rule(
    "ND-ICC-DEFAULT",
    "2.2",
    "Inter-container communication is enabled on the default bridge",
    Scope.NETWORK,
    "Every container on docker0 can reach every port of every other one, so one compromised "
    "container can probe and attack all its neighbours (the daemon's default, --icc=true).",
    'Start dockerd with --icc=false, or set "icc": false in /etc/docker/daemon.json; '
    "containers that must talk then share a user network.",
)
ICC_USER = Rule(
    "ND-ICC-USER-BRIDGE",
    None,
    "Inter-container communication is enabled on a user bridge network",
    Scope.NETWORK,
    "Containers on this network reach each other on every port; the daemon's --icc does not "
    "apply to user networks, and Docker Bench (CIS 2.2) looks only at the default bridge.",
    "Create the network with -o com.docker.network.bridge.enable_icc=false (compose: "
    'driver_opts: {com.docker.network.bridge.enable_icc: "false"}), or split it so that only '
    "containers that must talk share one.",
)
IPTABLES_OFF = Rule(
    "ND-IPTABLES-OFF",
    "2.4",
    "Docker may not manage iptables",
    Scope.DAEMON,
    "With --iptables=false the daemon writes no isolation or NAT rules: networks are not "
    "isolated from each other, icc=false cannot be enforced, and published ports depend on "
    "rules kept by hand.",
    'Remove --iptables=false from dockerd\'s command line, or "iptables": false from '
    "/etc/docker/daemon.json (the default is true).",
)
IP_FORWARD_OFF = Rule(
    "ND-IP-FORWARD-OFF",
    None,
    "IPv4 forwarding is off while containers publish ports",
    Scope.CONTAINER,
    "With net.ipv4.ip_forward=0 the kernel drops packets routed to the container networks: "
    "other hosts cannot reach the published ports, and containers cannot reach out.",
    "sysctl -w net.ipv4.ip_forward=1 (persist it in /etc/sysctl.d/), or let dockerd set it "
    "(--ip-forward=true, the default); firewall the FORWARD chain instead.",
)
API_PLAIN_TCP = Rule(
    "ND-API-TCP-NO-TLS",
    "2.7",
    "The Docker API is served on TCP without TLS",
    Scope.DAEMON,
    "Anyone who can reach the port controls the engine, and through it the host, as root: "
    "no credentials, one request that starts a privileged container.",
    "Serve the API on the unix socket only, or add --tlsverify --tlscacert --tlscert "
    '--tlskey (daemon.json: "tls": true, "tlsverify": true and the file paths).',
)
API_NO_VERIFY = Rule(
    "ND-API-TLS-NO-VERIFY",
    "2.7",
    "The Docker API is served on TCP with TLS but without client verification",
    Scope.DAEMON,
    "The traffic is encrypted but any client is accepted: anyone who can reach the port "
    "controls the engine as root.",
    'Add --tlsverify and --tlscacert (daemon.json: "tlsverify": true, "tlscacert": ...) so '
    "only clients with a certificate from your CA are let in.",
)
USERLAND_PROXY = Rule(
    "ND-USERLAND-PROXY",
    "2.16",
    "The userland proxy is enabled",
    Scope.DAEMON,
    "Every published port runs a docker-proxy process on the host, more code listening on the "
    "network; hairpin NAT in the kernel does the same job.",
    'Start dockerd with --userland-proxy=false, or set "userland-proxy": false in '
    "/etc/docker/daemon.json.",
)
CAP_ADD = Rule(
    "ND-CAP-ADD",
    "5.4",
    "Network-relevant capabilities are added",
    Scope.CONTAINER,
    "NET_ADMIN lets the container reconfigure interfaces, routes and firewall rules of its "
    "namespace (the host's, in host mode); SYS_ADMIN is close to root on the host; NET_RAW "
    "allows raw sockets, ARP and DNS spoofing of neighbours.",
    "Remove the --cap-add (compose: cap_add) or narrow it; drop what the process does not "
    "need: --cap-drop ALL, then add back only what it must have.",
)
PRIVILEGED = Rule(
    "ND-PRIVILEGED",
    "5.5",
    "Privileged container",
    Scope.CONTAINER,
    "A privileged container has every capability and every host device: escaping to the "
    "host is trivial, and it can rewrite the host's network.",
    "Drop --privileged (compose: privileged: true); give the few capabilities or devices it "
    "needs with --cap-add and --device.",
)
PRIVILEGED_PORT = Rule(
    "ND-PORT-PRIVILEGED",
    "5.8",
    "Privileged host port mapped",
    Scope.CONTAINER,
    "Ports below 1024 are reserved for system services; a container on one may impersonate "
    "or shadow such a service (SSH, DNS, HTTP) on the host.",
    'Publish on a host port of 1024 or more: -p 8080:80 (compose: ports: ["8080:80"]).',
)
ALL_INTERFACES = Rule(
    "ND-PORT-ALL-INTERFACES",
    "5.14",
    "Port published on all host interfaces",
    Scope.CONTAINER,
    "A binding on 0.0.0.0 or :: takes traffic from every network the host is on, and Docker's "
    "NAT rules bypass host firewalls such as ufw; Docker Bench misses the IPv6 :: bindings.",
    'Bind to one address: -p 127.0.0.1:8080:80 (compose: ports: ["127.0.0.1:8080:80"]), or '
    "set the network's default with -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 "
    "(dockerd --ip for the default bridge).",
)
HOST_NETWORK = Rule(
    "ND-NET-HOST",
    "5.10",
    "The host's network namespace is shared",
    Scope.CONTAINER,
    "In host mode the container has the host's interfaces and addresses: every port it opens "
    "is open on the host, with no isolation and no port mapping in between.",
    "Use a bridge network and publish only the ports needed (remove --network host / "
    "network_mode: host).",
)
HOST_PID = Rule(
    "ND-PID-HOST",
    "5.16",
    "The host's process namespace is shared",
    Scope.CONTAINER,
    "The container sees every process on the host and, with enough privilege, can signal or "
    "trace them.",
    "Remove --pid=host (compose: pid: host).",
)
HOST_IPC = Rule(
    "ND-IPC-HOST",
    "5.17",
    "The host's IPC namespace is shared",
    Scope.CONTAINER,
    "The container can read and write the host's shared memory segments and semaphores.",
    "Remove --ipc=host (compose: ipc: host).",
)
HOST_UTS = Rule(
    "ND-UTS-HOST",
    "5.21",
    "The host's UTS namespace is shared",
    Scope.CONTAINER,
    "The container can change the host's hostname and domain name.",
    "Remove --uts=host (compose: uts: host).",
)
DEFAULT_BRIDGE_USED = Rule(
    "ND-DEFAULT-BRIDGE",
    "5.30",
    'Docker\'s default bridge "docker0" is used',
    Scope.CONTAINER,
    "On the default bridge containers get no DNS names and every container on the host "
    "shares one segment, which icc leaves open between them.",
    "Attach the container to a user-defined network: docker network create app, then "
    "--network app (compose does this for you).",
)
DOCKER_SOCKET = Rule(
    "ND-DOCKER-SOCKET",
    "5.32",
    "The Docker socket is mounted into a container",
    Scope.CONTAINER,
    "Whoever is in the container controls the engine, and so the host, as root.",
    "Remove the -v /var/run/docker.sock mount; when a tool needs the API, give it a "
    "filtering proxy that allows only the calls it makes.",
)
OVERLAY_PLAIN = Rule(
    "ND-OVERLAY-UNENCRYPTED",
    "7.3",
    "Overlay network without encryption",
    Scope.NETWORK,
    "Traffic between containers on different hosts crosses the wire in clear VXLAN.",
    'Create the network with --opt encrypted (compose: driver_opts: {encrypted: ""}).',
)
NETNS_INHERITED = Rule(
    "ND-NETNS-INHERITED",
    None,
    "Joins the network namespace of an exposed container",
    Scope.CONTAINER,
    "In container mode a container has the network of the one it joins: the host's own, when "
    "that one is in host mode; one a privileged container controls, when it is privileged.",
    "Join a container that is neither in host mode nor privileged, or give this one its own "
    "network.",
)
MULTI_HOMED = Rule(
    "ND-MULTI-HOMED",
    None,
    "Container bridges separate networks",
    Scope.CONTAINER,
    "Docker isolates networks from each other; a container attached to several can relay "
    "between them, so a compromise on one side reaches the other.",
    "Attach it only to the networks it must serve (docker network disconnect NET NAME), and "
    "keep internal networks (--internal) reachable through one audited gateway at most.",
)

RULES: tuple[Rule, ...] = (
    ICC_DEFAULT,
    ICC_USER,
    IPTABLES_OFF,
    IP_FORWARD_OFF,
    API_PLAIN_TCP,
    API_NO_VERIFY,
    USERLAND_PROXY,
    CAP_ADD,
    PRIVILEGED,
    PRIVILEGED_PORT,
    ALL_INTERFACES,
    HOST_NETWORK,
    HOST_PID,
    HOST_IPC,
    HOST_UTS,
    DEFAULT_BRIDGE_USED,
    DOCKER_SOCKET,
    OVERLAY_PLAIN,
    NETNS_INHERITED,
    MULTI_HOMED,
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def _on(
    rule: Rule, severity: Severity, container: Container, title: str, why: str | None = None
) -> Finding:
    return replace(
        _on_subject(rule, severity, Scope.CONTAINER, container.name, container.id, title, why),
        applies_when_started=not container.running,
    )


def _on_network(
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


def _on_daemon(
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _binding(p: PortBinding) -> str:
    port = p.host_port if p.host_port is not None else "*"
    return f"{bracketed(p.host_ip)}:{port}->{p.container_port}/{p.proto}"


@dataclass(frozen=True, slots=True)
class _View:
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
    """Container ID -> its network mode (``mode_of``)."""

    @classmethod
    def of(cls, state: HostState) -> _View:
        members: Counter[str] = Counter()
        by_name = {n.name: n for n in state.networks.values()}
        sockets = _socket_paths(state)
        for c in state.containers.values():
            for key in {ep.network_id or ep.network for ep in c.endpoints}:
                members[key] += 1
        return cls(
            state=state,
            members=members,
            default_bridges=frozenset(
                n.id for n in state.networks.values() if _is_default_bridge(n)
            ),
            networks_by_name=by_name,
            sockets=frozenset(sockets),
            socket_holders=frozenset(
                str(parent) for sock in sockets for parent in PurePosixPath(sock).parents
            ),
            modes={c.id: mode_of(state, c) for c in state.containers.values()},
        )

    def mode(self, c: Container) -> str:
        found = self.modes.get(c.id)
        return found if found is not None else mode_of(self.state, c)

    def publishes(self, c: Container) -> bool:
        """Whether the engine publishes the container's ports: it has some, and its mode
        lets it (the rule ``ports.publishes`` follows)."""
        return bool(c.ports) and mode_publishes(self.mode(c))

    def attached(self, network: Network) -> int:
        return self.members[network.id] + (
            self.members[network.name] if network.name != network.id else 0
        )


# Daemon and network checks ----------------------------------------------------


def _is_default_bridge(network: Network) -> bool:
    if network.driver != "bridge":
        return False
    flag = network.options.get(DEFAULT_BRIDGE_OPTION)
    return flag == "true" if flag is not None else network.name == DEFAULT_BRIDGE


def _icc(view: _View) -> Iterator[Finding]:
    state = view.state
    for network in state.networks.values():
        if network.driver != "bridge":
            continue
        option = network.options.get(ICC_OPTION)
        members = view.attached(network)
        on = f"{_plural(members, 'container')} attached"
        if _is_default_bridge(network):
            enabled = option != "false" if option is not None else state.daemon.icc
            if enabled:
                yield _on_network(
                    ICC_DEFAULT,
                    Severity.MEDIUM,
                    network,
                    f"Containers on the default bridge reach each other ({on})",
                )
        elif option != "false" and members >= 2:
            # Netdock's own check is about containers reaching each other: one alone
            # reaches no one (CIS 2.2 above is the daemon's setting, as Docker Bench reads it).
            yield _on_network(
                ICC_USER,
                Severity.LOW,
                network,
                f"Containers on {network.name} reach each other ({on})",
            )


def _overlay(state: HostState) -> Iterator[Finding]:
    for network in state.networks.values():
        if network.driver == "overlay" and "encrypted" not in network.options:
            yield _on_network(
                OVERLAY_PLAIN,
                Severity.MEDIUM,
                network,
                f"Overlay network {network.name} is not encrypted",
            )


def _daemon(state: HostState) -> Iterator[Finding]:
    daemon = state.daemon
    if daemon.iptables is False:
        yield _on_daemon(IPTABLES_OFF, Severity.MEDIUM, "dockerd runs with --iptables=false")
    if daemon.userland_proxy is True:
        yield _on_daemon(
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
            yield _on_daemon(
                API_PLAIN_TCP, severity, f"The Docker API is served on {host} without TLS", (host,)
            )
        elif not daemon.tls_verify:
            yield _on_daemon(
                API_NO_VERIFY,
                severity,
                f"The Docker API is served on {host} without client verification",
                (host,),
            )


# Container checks ---------------------------------------------------------------


def _cap_names(caps: Iterable[str]) -> set[str]:
    return {c.upper().removeprefix("CAP_") for c in caps}


def _caps(view: _View, c: Container) -> Iterator[Finding]:
    if c.privileged:
        return  # every capability: PRIVILEGED says it
    added = _cap_names(c.cap_add)
    dropped = _cap_names(c.cap_drop)
    strong = sorted(added & {"NET_ADMIN", "SYS_ADMIN", "ALL"})
    raw_back = "NET_RAW" in added and bool(dropped & {"NET_RAW", "ALL"})
    if strong:
        names = ", ".join([*strong, *(["NET_RAW"] if raw_back else [])])
        yield _on(CAP_ADD, Severity.HIGH, c, f"{c.name} adds {names}")
    elif raw_back:
        yield _on(CAP_ADD, Severity.LOW, c, f"{c.name} adds NET_RAW back after dropping it")


def _privileged(view: _View, c: Container) -> Iterator[Finding]:
    if c.privileged:
        yield _on(PRIVILEGED, Severity.CRITICAL, c, f"{c.name} is privileged")


def _ports(view: _View, c: Container) -> Iterator[Finding]:
    if not view.publishes(c):
        return
    low = [p for p in c.ports if p.host_port is not None and p.host_port < PRIVILEGED_PORT_LIMIT]
    if low:
        ports = ", ".join(sorted({f"{p.host_port}/{p.proto}" for p in low}))
        yield _on(PRIVILEGED_PORT, Severity.LOW, c, f"{c.name} publishes host port {ports}")
    wide = [p for p in c.ports if p.host_ip in WILDCARDS]
    if wide:
        listed = ", ".join(_binding(p) for p in wide)
        yield _on(
            ALL_INTERFACES, Severity.MEDIUM, c, f"{c.name} publishes on all interfaces: {listed}"
        )


def _host_listeners(view: _View, c: Container) -> Iterator[Finding]:
    """A host-mode container's sockets on all interfaces are 5.14 too, with no -p to see."""
    if view.mode(c) != Mode.HOST:
        return
    wide = sorted(
        {
            f"{'[::]' if ':' in li.address else li.address}:{li.port}/{li.proto}"
            for li in view.state.host.listeners
            if li.container_id == c.id and li.address in WILDCARDS
        }
    )
    if wide:
        yield _on(
            ALL_INTERFACES,
            Severity.MEDIUM,
            c,
            f"{c.name} (host network) listens on all interfaces: {', '.join(wide)}",
        )


def _namespaces(view: _View, c: Container) -> Iterator[Finding]:
    if view.mode(c) == Mode.HOST:
        yield _on(HOST_NETWORK, Severity.HIGH, c, f"{c.name} uses the host's network")
    if c.pid_mode == "host":
        yield _on(HOST_PID, Severity.HIGH, c, f"{c.name} shares the host's process namespace")
    if c.ipc_mode == "host":
        yield _on(HOST_IPC, Severity.MEDIUM, c, f"{c.name} shares the host's IPC namespace")
    if c.uts_mode == "host":
        yield _on(HOST_UTS, Severity.LOW, c, f"{c.name} shares the host's UTS namespace")


def _default_bridge(view: _View, c: Container) -> Iterator[Finding]:
    if any(
        ep.network == DEFAULT_BRIDGE or ep.network_id in view.default_bridges for ep in c.endpoints
    ):
        yield _on(DEFAULT_BRIDGE_USED, Severity.LOW, c, f"{c.name} is on the default bridge")


def _socket_paths(state: HostState) -> set[str]:
    """Where the engine's socket is: the usual places, and the endpoint we talk to."""
    sockets = {"/var/run/docker.sock", "/run/docker.sock"}
    if state.engine is not None and state.engine.endpoint.startswith("unix://"):
        sockets.add(_normal(state.engine.endpoint.removeprefix("unix://")))
    return sockets


def _normal(path: str) -> str:
    """``/var//run/./`` -> ``/var/run``; ``//`` -> ``/``."""
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else path


def _socket(view: _View, c: Container) -> Iterator[Finding]:
    # A mount of the socket's directory or any ancestor (-v /:/host, -v /var:/var) hands
    # the socket over as surely as a mount of the socket itself.
    direct, holders = [], []
    for source in sorted(set(c.mount_sources)):
        path = _normal(source)
        if path in view.sockets or PurePosixPath(path).name == "docker.sock":
            direct.append(source)
        elif path in view.socket_holders:
            holders.append(source)
    if direct:
        listed = ", ".join(sorted([*direct, *holders]))
        yield _on(
            DOCKER_SOCKET, Severity.CRITICAL, c, f"{c.name} mounts the Docker socket ({listed})"
        )
    elif holders:
        listed = ", ".join(holders)
        hold = "holds" if len(holders) == 1 else "hold"
        yield _on(
            DOCKER_SOCKET,
            Severity.CRITICAL,
            c,
            f"{c.name} mounts {listed}, which {hold} the Docker socket",
            f"The engine's socket is inside {listed}: whoever is in the container can connect "
            "to it, even through a read-only mount, and so controls the engine, and the host, "
            "as root.",
        )


def _inherited(view: _View, c: Container) -> Iterator[Finding]:
    if c.namespace_ref is None:
        return
    chain = namespace_chain(view.state, c)
    host = next((o for o in chain if view.mode(o) == Mode.HOST), None)
    if host is not None:
        yield _on(
            NETNS_INHERITED,
            Severity.HIGH,
            c,
            f"{c.name} joins {host.name}, which uses the host's network",
            f"{c.name} has the host's own network through {host.name}, in host mode: "
            "every port it opens is open on the host (CIS 5.10, by another way).",
        )
        return
    privileged = next((o for o in chain if o.privileged), None)
    if privileged is not None:
        yield _on(
            NETNS_INHERITED,
            Severity.MEDIUM,
            c,
            f"{c.name} joins the network of privileged {privileged.name}",
            f"{c.name}'s interfaces, routes and firewall rules belong to {privileged.name}, "
            "a privileged container that can rewrite them and sniff all their traffic.",
        )


def _multi_homed(view: _View, c: Container) -> Iterator[Finding]:
    names = sorted({ep.network for ep in c.endpoints})
    if len(names) < 2:
        return
    networks = [view.networks_by_name.get(n) for n in names]
    internal = {n.name for n in networks if n is not None and n.internal}
    listed = ", ".join(names)
    if internal and len(internal) < len(names):
        yield _on(
            MULTI_HOMED,
            Severity.MEDIUM,
            c,
            f"{c.name} links internal {', '.join(sorted(internal))} to other networks ({listed})",
            "An --internal network is meant to be cut off; this container, on it and on "
            "a routed network, is a way in and out of it.",
        )
    else:
        yield _on(MULTI_HOMED, Severity.LOW, c, f"{c.name} is on {len(names)} networks ({listed})")


def _ip_forward(view: _View, c: Container) -> Iterator[Finding]:
    forwarding = view.state.daemon.ip_forward
    if forwarding is None:
        forwarding = view.state.host.ip_forward
    if forwarding is False and view.publishes(c):
        yield _on(
            IP_FORWARD_OFF, Severity.LOW, c, f"{c.name} publishes ports, but IPv4 forwarding is off"
        )


ContainerCheck = Callable[[_View, Container], Iterator[Finding]]
_CONTAINER_CHECKS: tuple[ContainerCheck, ...] = (
    _caps,
    _privileged,
    _ports,
    _host_listeners,
    _namespaces,
    _default_bridge,
    _inherited,
    _multi_homed,
    _ip_forward,
    _socket,
)


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
    view = _View.of(state)
    found: list[Finding] = [*_daemon(state), *_icc(view), *_overlay(state)]
    for c in state.containers.values():
        for check in _CONTAINER_CHECKS:
            found.extend(check(view, c))
    return tuple(sorted(found, key=Finding.sort_key))


def findings_by_container(findings: Iterable[Finding]) -> dict[str, Severity]:
    """Container ID -> the highest severity of the findings on it (the main table's mark)."""
    worst: dict[str, Severity] = {}
    for f in findings:
        if f.scope is not Scope.CONTAINER:
            continue
        for cid in f.subject_ids:
            if cid not in worst or f.severity > worst[cid]:
                worst[cid] = f.severity
    return worst


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Severity -> how many findings, every severity present (the header's counts)."""
    counted = Counter(f.severity for f in findings)
    return {s: counted.get(s, 0) for s in sorted(Severity, reverse=True)}


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> tuple[Finding, ...]:
    """The findings a ``--fail-on threshold`` fails on."""
    return tuple(f for f in findings if f.severity >= threshold)
