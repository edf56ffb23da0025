"""The audit's checks on hand-made states: each finding present when it should be, else absent."""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType

import pytest
from audit_states import DEFAULT_BRIDGE, DEFAULTS, HARDENED, LOOPBACK_8080, QUIET, container, state

from tui.core.audit import (
    RULES,
    AuditMemo,
    Finding,
    Scope,
    Severity,
    at_or_above,
    audit,
    check_counts,
    findings_by_container,
)
from tui.core.model import (
    Container,
    DaemonFacts,
    Endpoint,
    HostFacts,
    Listener,
    Network,
    PortBinding,
)
from tui.core.ports import port_bindings
from tui.core.state import HostState


def ids(s: HostState) -> list[str]:
    return [f.id for f in audit(s)]


def only(s: HostState, check: str) -> Finding:
    found = [f for f in audit(s) if f.id == check]
    assert len(found) == 1, found
    return found[0]


def test_a_clean_host_has_no_findings() -> None:
    assert audit(state(container("web"), container("db", ports=()))) == ()


def test_an_empty_state_has_no_findings() -> None:
    assert audit(HostState()) == ()


# 2.2 and user bridges -------------------------------------------------------------------------


def test_icc_on_the_default_bridge() -> None:
    web = container("web", endpoints=(Endpoint("bridge", "netbridge"),), network_mode="default")
    f = only(state(web, networks=(DEFAULT_BRIDGE, QUIET)), "ND-ICC-DEFAULT")
    assert (f.cis, f.severity, f.subjects, f.scope) == (
        "2.2",
        Severity.MEDIUM,
        ("bridge",),
        Scope.NETWORK,
    )
    assert "1 container attached" in f.title


def test_no_icc_finding_when_the_default_bridge_has_icc_off() -> None:
    off = dataclasses.replace(
        DEFAULT_BRIDGE,
        options=MappingProxyType(
            {
                "com.docker.network.bridge.default_bridge": "true",
                "com.docker.network.bridge.enable_icc": "false",
            }
        ),
    )
    assert "ND-ICC-DEFAULT" not in ids(state(networks=(off,)))


def test_icc_falls_back_to_the_daemon_flag_when_the_option_is_missing() -> None:
    bare = Network("netbridge", "bridge", "bridge", "local")
    assert "ND-ICC-DEFAULT" in ids(state(networks=(bare,), daemon=DEFAULTS))
    assert "ND-ICC-DEFAULT" not in ids(state(networks=(bare,), daemon=HARDENED))
    assert "ND-ICC-DEFAULT" not in ids(state(networks=(bare,), daemon=DaemonFacts()))


def test_no_default_bridge_no_icc_finding() -> None:
    """dockerd --bridge=none: there is no docker0 to be open."""
    assert "ND-ICC-DEFAULT" not in ids(state(networks=(), daemon=DEFAULTS))


def test_icc_on_a_user_bridge() -> None:
    front = Network("netfront", "front", "bridge", "local")
    alone = container("a", endpoints=(Endpoint("front", "netfront"),), network_mode="front")
    assert "ND-ICC-USER-BRIDGE" not in ids(state(alone, networks=(front,))), "no one to reach"
    pair = (alone, container("b", endpoints=(Endpoint("front", "netfront"),), network_mode="front"))
    f = only(state(*pair, networks=(front,)), "ND-ICC-USER-BRIDGE")
    assert (f.cis, f.severity, f.subjects, f.subject_ids) == (
        None,
        Severity.LOW,
        ("front",),
        ("netfront",),
    )


def test_no_user_bridge_icc_finding_for_other_drivers_or_icc_off() -> None:
    lan = Network("netlan", "lan", "macvlan", "local")
    assert "ND-ICC-USER-BRIDGE" not in ids(state(networks=(lan, QUIET)))


# 2.4 and ip_forward ---------------------------------------------------------------------------


def test_iptables_disabled() -> None:
    f = only(state(daemon=dataclasses.replace(HARDENED, iptables=False)), "ND-IPTABLES-OFF")
    assert (f.cis, f.severity, f.scope, f.subjects) == ("2.4", Severity.MEDIUM, Scope.DAEMON, ())
    assert "ND-IPTABLES-OFF" not in ids(state(daemon=DaemonFacts()))


def test_ip_forward_off_with_published_ports() -> None:
    off = dataclasses.replace(HARDENED, ip_forward=False)
    f = only(state(container("web"), daemon=off), "ND-IP-FORWARD-OFF")
    assert (f.cis, f.severity, f.subjects) == (None, Severity.LOW, ("web",))


def test_ip_forward_off_but_nothing_published() -> None:
    off = dataclasses.replace(HARDENED, ip_forward=False)
    assert "ND-IP-FORWARD-OFF" not in ids(state(container("db", ports=()), daemon=off))
    assert "ND-IP-FORWARD-OFF" not in ids(state(container("web")))


def test_ip_forward_from_the_host_when_the_daemon_does_not_say() -> None:
    unknown = dataclasses.replace(HARDENED, ip_forward=None)
    s = state(container("web"), daemon=unknown, host=HostFacts(ip_forward=False))
    assert "ND-IP-FORWARD-OFF" in ids(s)


def test_host_mode_ports_are_not_published_so_ip_forward_does_not_matter() -> None:
    off = dataclasses.replace(HARDENED, ip_forward=False)
    hosted = container(
        "hosted",
        network_mode="host",
        endpoints=(),
        ports=(PortBinding("0.0.0.0", 80, 80, "tcp", False),),
        state="created",
    )
    assert not {"ND-IP-FORWARD-OFF", "ND-PORT-PRIVILEGED", "ND-PORT-ALL-INTERFACES"} & set(
        ids(state(hosted, daemon=off))
    )


def test_the_audit_and_the_ports_table_agree_on_what_is_published() -> None:
    """The mode decides, as ``ports.publishes`` has it: the host network named by its ID is
    host mode, whose -p the engine discards, so no port finding and no row."""
    host_net = Network("nethostid", "host", "host", "local")
    wide = (PortBinding("0.0.0.0", 80, 80, "tcp", False),)
    hosted = container("hosted", network_mode="nethostid", endpoints=(), ports=wide)
    off = dataclasses.replace(HARDENED, ip_forward=False)
    s = state(hosted, networks=(QUIET, host_net), daemon=off)
    assert port_bindings(s) == ()
    found = ids(s)
    assert not {"ND-IP-FORWARD-OFF", "ND-PORT-PRIVILEGED", "ND-PORT-ALL-INTERFACES"} & set(found)
    assert "ND-NET-HOST" in found


# 2.7 and 2.16 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "severity"),
    [
        ("tcp://0.0.0.0:2375", Severity.CRITICAL),
        ("tcp://127.0.0.1:2375", Severity.HIGH),
        ("tcp://localhost:2375", Severity.HIGH),
    ],
)
def test_api_on_tcp_without_tls(host: str, severity: Severity) -> None:
    daemon = dataclasses.replace(HARDENED, hosts=("unix:///var/run/docker.sock", host))
    f = only(state(daemon=daemon), "ND-API-TCP-NO-TLS")
    assert (f.cis, f.severity, f.subjects) == ("2.7", severity, (host,))
    assert "ND-API-TLS-NO-VERIFY" not in ids(state(daemon=daemon))


def test_api_on_tcp_with_tls_but_no_verification() -> None:
    daemon = dataclasses.replace(HARDENED, hosts=("tcp://10.0.0.5:2376",), tls=True)
    f = only(state(daemon=daemon), "ND-API-TLS-NO-VERIFY")
    assert (f.cis, f.severity) == ("2.7", Severity.CRITICAL)
    assert "ND-API-TCP-NO-TLS" not in ids(state(daemon=daemon))


def test_api_on_tcp_with_verified_tls_or_on_the_socket_only() -> None:
    verified = dataclasses.replace(
        HARDENED, hosts=("tcp://0.0.0.0:2376",), tls=True, tls_verify=True
    )
    sockets = dataclasses.replace(HARDENED, hosts=("unix:///var/run/docker.sock", "fd://"))
    for daemon in (verified, sockets):
        assert not {"ND-API-TCP-NO-TLS", "ND-API-TLS-NO-VERIFY"} & set(ids(state(daemon=daemon)))


def test_userland_proxy() -> None:
    f = only(state(daemon=DEFAULTS, networks=()), "ND-USERLAND-PROXY")
    assert (f.cis, f.severity, f.scope) == ("2.16", Severity.LOW, Scope.DAEMON)
    assert "ND-USERLAND-PROXY" not in ids(state(daemon=DaemonFacts()))


# 5.4 and 5.5 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("add", "drop", "severity"),
    [
        (("NET_ADMIN",), (), Severity.HIGH),
        (("cap_sys_admin",), (), Severity.HIGH),
        (("ALL",), (), Severity.HIGH),
        (("NET_RAW",), ("ALL",), Severity.LOW),
        (("CAP_NET_RAW",), ("NET_RAW",), Severity.LOW),
    ],
)
def test_network_capabilities_added(
    add: tuple[str, ...], drop: tuple[str, ...], severity: Severity
) -> None:
    f = only(state(container("tool", cap_add=add, cap_drop=drop)), "ND-CAP-ADD")
    assert (f.cis, f.severity) == ("5.4", severity)


@pytest.mark.parametrize("add", [(), ("NET_RAW",), ("SYS_PTRACE", "NET_BIND_SERVICE")])
def test_capabilities_that_are_defaults_or_not_network_ones(add: tuple[str, ...]) -> None:
    assert "ND-CAP-ADD" not in ids(state(container("tool", cap_add=add)))


def test_privileged_container_not_started() -> None:
    s = state(container("dbg", privileged=True, cap_add=("NET_ADMIN",), state="created"))
    f = only(s, "ND-PRIVILEGED")
    assert (f.cis, f.severity, f.applies_when_started) == ("5.5", Severity.CRITICAL, True)
    assert "ND-CAP-ADD" not in ids(s)  # privileged has every capability already


# 5.8 and 5.14 ---------------------------------------------------------------------------------


def test_privileged_host_port() -> None:
    web = container("web", ports=(PortBinding("127.0.0.1", 80, 80, "tcp", True),))
    f = only(state(web), "ND-PORT-PRIVILEGED")
    assert (f.cis, f.severity, f.title) == ("5.8", Severity.LOW, "web publishes host port 80/tcp")


def test_high_or_dynamic_host_ports_are_not_privileged() -> None:
    dynamic = PortBinding("127.0.0.1", None, 80, "tcp", False, True)
    web = container("web", state="exited", ports=(LOOPBACK_8080, dynamic))
    assert "ND-PORT-PRIVILEGED" not in ids(state(web))


def test_bindings_on_all_interfaces_ipv4_and_ipv6() -> None:
    web = container(
        "web",
        ports=(
            PortBinding("0.0.0.0", 8080, 80, "tcp", True),
            PortBinding("::", 8080, 80, "tcp", True),
        ),
    )
    f = only(state(web), "ND-PORT-ALL-INTERFACES")
    assert (f.cis, f.severity) == ("5.14", Severity.MEDIUM)
    assert "0.0.0.0:8080->80/tcp" in f.title and "[::]:8080->80/tcp" in f.title


def test_ipv6_wildcard_alone_is_found() -> None:
    """The case Docker Bench misses: it only looks for 0.0.0.0."""
    web = container("web", ports=(PortBinding("::", 8080, 80, "tcp", True),))
    assert "ND-PORT-ALL-INTERFACES" in ids(state(web))


def test_configured_binding_of_a_stopped_container_applies_when_started() -> None:
    later = container(
        "later", state="exited", ports=(PortBinding("0.0.0.0", None, 80, "tcp", False, True),)
    )
    f = only(state(later), "ND-PORT-ALL-INTERFACES")
    assert f.applies_when_started and "0.0.0.0:*->80/tcp" in f.title


def test_host_mode_container_listening_on_all_interfaces() -> None:
    hosted = container("hosted", network_mode="host", endpoints=(), ports=())
    host = HostFacts(
        ip_forward=True,
        listeners=(
            Listener("tcp", "0.0.0.0", 80, container_id="id-hosted"),
            Listener("tcp", "127.0.0.1", 9000, container_id="id-hosted"),
            Listener("tcp", "::", 22, process="sshd"),
        ),
    )
    f = only(state(hosted, host=host), "ND-PORT-ALL-INTERFACES")
    assert "0.0.0.0:80/tcp" in f.title and "9000" not in f.title and "22" not in f.title


# 5.10, 5.16, 5.17, 5.21 -----------------------------------------------------------------------


def test_host_namespaces() -> None:
    s = state(
        container("net", network_mode="host", endpoints=(), ports=()),
        container("pid", pid_mode="host"),
        container("ipc", ipc_mode="host"),
        container("uts", uts_mode="host"),
    )
    found = {f.id: (f.cis, f.severity, f.subjects) for f in audit(s)}
    assert found == {
        "ND-NET-HOST": ("5.10", Severity.HIGH, ("net",)),
        "ND-PID-HOST": ("5.16", Severity.HIGH, ("pid",)),
        "ND-IPC-HOST": ("5.17", Severity.MEDIUM, ("ipc",)),
        "ND-UTS-HOST": ("5.21", Severity.LOW, ("uts",)),
    }


def test_private_namespaces_are_fine() -> None:
    s = state(
        container(
            "web",
            pid_mode="",
            ipc_mode="private",
            uts_mode="",
            network_mode="container:x",
            endpoints=(),
            ports=(),
        )
    )
    assert ids(s) == []


# 5.30 and 5.32 --------------------------------------------------------------------------------


def test_container_on_the_default_bridge() -> None:
    web = container(
        "web", network_mode="default", endpoints=(Endpoint("bridge", "netbridge"),), state="created"
    )
    f = only(state(web, networks=(DEFAULT_BRIDGE,), daemon=HARDENED), "ND-DEFAULT-BRIDGE")
    assert (f.cis, f.severity, f.applies_when_started) == ("5.30", Severity.LOW, True)


def test_default_mode_without_a_bridge_endpoint_is_not_on_docker0() -> None:
    """dockerd --bridge=none: a default-mode container gets no network at all."""
    assert "ND-DEFAULT-BRIDGE" not in ids(
        state(container("web", network_mode="default", endpoints=()))
    )


@pytest.mark.parametrize(
    "source", ["/var/run/docker.sock", "/run/docker.sock", "/var/run/", "/home/me/docker.sock"]
)
def test_docker_socket_mounted(source: str) -> None:
    f = only(state(container("ci", mount_sources=("/srv/data", source))), "ND-DOCKER-SOCKET")
    assert (f.cis, f.severity) == ("5.32", Severity.CRITICAL)


def test_the_engines_own_socket_and_its_directory() -> None:
    for source in ("/tmp/x/engine.sock", "/tmp/x"):
        s = state(container("ci", mount_sources=(source,)), endpoint="unix:///tmp/x/engine.sock")
        assert "ND-DOCKER-SOCKET" in ids(s)


@pytest.mark.parametrize("source", ["/", "/var", "/var/", "/run", "//"])
def test_a_mount_of_an_ancestor_of_the_socket_exposes_it(source: str) -> None:
    f = only(state(container("agent", mount_sources=(source, "/srv"))), "ND-DOCKER-SOCKET")
    assert (f.cis, f.severity, f.subjects) == ("5.32", Severity.CRITICAL, ("agent",))
    assert f.title == f"agent mounts {source}, which holds the Docker socket"


def test_ancestors_of_the_engines_own_socket() -> None:
    endpoint = "unix:///run/user/1000/docker.sock"
    for source in ("/run/user/1000", "/run/user", "/run"):
        s = state(container("ci", mount_sources=(source,)), endpoint=endpoint)
        assert "ND-DOCKER-SOCKET" in ids(s), source
    s = state(container("ci", mount_sources=("/run/user/1001",)), endpoint=endpoint)
    assert "ND-DOCKER-SOCKET" not in ids(s)


def test_other_mounts_are_not_the_socket() -> None:
    assert ids(state(container("app", mount_sources=("/srv/data", "/var/lib/app")))) == []
    assert ids(state(container("app", mount_sources=("/var/lib", "/varnish", "/home")))) == []


# 7.3 ------------------------------------------------------------------------------------------


def test_overlay_without_encryption() -> None:
    plain = Network("netplain", "plain", "overlay", "swarm")
    sealed = Network(
        "netsealed", "sealed", "overlay", "swarm", options=MappingProxyType({"encrypted": ""})
    )
    found = [f for f in audit(state(networks=(plain, sealed))) if f.id == "ND-OVERLAY-UNENCRYPTED"]
    assert [(f.cis, f.severity, f.subjects) for f in found] == [
        ("7.3", Severity.MEDIUM, ("plain",))
    ]


# Ours: container mode, multi-homed ------------------------------------------------------------


def test_joining_a_host_mode_container_down_a_chain() -> None:
    root = container("root", network_mode="host", endpoints=(), ports=())
    mid = container(
        "mid", network_mode="container:id-root", namespace_ref="id-root", endpoints=(), ports=()
    )
    leaf = container(
        "leaf",
        network_mode="container:mid",
        namespace_ref="mid",
        endpoints=(),
        ports=(),
        state="created",
    )
    found = [f for f in audit(state(root, mid, leaf)) if f.id == "ND-NETNS-INHERITED"]
    assert [(f.subjects, f.severity, f.applies_when_started) for f in found] == [
        (("leaf",), Severity.HIGH, True),
        (("mid",), Severity.HIGH, False),
    ]
    assert "root" in found[0].title


def test_joining_a_privileged_container() -> None:
    owner = container("owner", privileged=True, state="created")
    joiner = container(
        "joiner",
        network_mode="container:id-owner",
        namespace_ref="id-owner",
        endpoints=(),
        ports=(),
        state="created",
    )
    f = only(state(owner, joiner), "ND-NETNS-INHERITED")
    assert (f.subjects, f.severity) == (("joiner",), Severity.MEDIUM)


def test_joining_a_plain_container() -> None:
    owner = container("owner")
    joiner = container(
        "joiner",
        network_mode="container:id-owner",
        namespace_ref="id-owner",
        endpoints=(),
        ports=(),
    )
    assert ids(state(owner, joiner)) == []


def test_container_on_several_networks() -> None:
    back = Network(
        "netback",
        "back",
        "bridge",
        "local",
        options=MappingProxyType({"com.docker.network.bridge.enable_icc": "false"}),
    )
    proxy = container(
        "proxy", endpoints=(Endpoint("quiet", "netquiet"), Endpoint("back", "netback"))
    )
    f = only(state(proxy, networks=(QUIET, back)), "ND-MULTI-HOMED")
    assert (f.cis, f.severity, f.title) == (
        None,
        Severity.LOW,
        "proxy is on 2 networks (back, quiet)",
    )


def test_container_linking_an_internal_network_out() -> None:
    vault = Network(
        "netvault",
        "vault",
        "bridge",
        "local",
        internal=True,
        options=MappingProxyType({"com.docker.network.bridge.enable_icc": "false"}),
    )
    proxy = container(
        "proxy", endpoints=(Endpoint("quiet", "netquiet"), Endpoint("vault", "netvault"))
    )
    f = only(state(proxy, networks=(QUIET, vault)), "ND-MULTI-HOMED")
    assert f.severity is Severity.MEDIUM and "internal vault" in f.title


# The whole ------------------------------------------------------------------------------------


def _busy() -> HostState:
    return state(
        container("a-dbg", privileged=True, state="created"),
        container("b-web", ports=(PortBinding("0.0.0.0", 80, 80, "tcp", True),)),
        container("c-net", network_mode="host", endpoints=(), ports=()),
        container("d-ci", mount_sources=("/var/run/docker.sock",), pid_mode="host"),
        networks=(DEFAULT_BRIDGE, Network("netfront", "front", "bridge", "local")),
        daemon=DEFAULTS,
    )


def test_order_is_by_severity_then_check_then_subject_and_stable() -> None:
    found = audit(_busy())
    assert [f.severity for f in found] == sorted((f.severity for f in found), reverse=True)
    assert [f.id for f in found][:2] == ["ND-DOCKER-SOCKET", "ND-PRIVILEGED"]
    shuffled = dataclasses.replace(
        _busy(), containers=MappingProxyType(dict(reversed(_busy().containers.items())))
    )
    assert audit(shuffled) == found
    assert len({f.key for f in found}) == len(found)


def test_findings_by_container_holds_the_worst_and_only_containers() -> None:
    marks = findings_by_container(audit(_busy()))
    assert marks == {
        "id-a-dbg": Severity.CRITICAL,
        "id-b-web": Severity.MEDIUM,
        "id-c-net": Severity.HIGH,
        "id-d-ci": Severity.CRITICAL,
    }


def test_counts_and_threshold() -> None:
    found = audit(_busy())
    counts = check_counts(found)
    assert list(counts) == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.INFO,
    ]
    assert sum(n for _, n in counts.values()) == len(found) and counts[Severity.INFO] == (0, 0)
    assert all(
        checks == len({f.id for f in found if f.severity is s}) for s, (checks, _) in counts.items()
    )
    assert {f.severity for f in at_or_above(found, Severity.HIGH)} == {
        Severity.CRITICAL,
        Severity.HIGH,
    }


def test_json_has_exactly_the_documented_fields() -> None:
    doc = json.loads(json.dumps({"findings": [f.to_json() for f in audit(_busy())]}))
    for entry in doc["findings"]:
        assert set(entry) == {
            "id",
            "cis",
            "severity",
            "title",
            "subjects",
            "why",
            "fix",
            "applies_when_started",
        }
        assert entry["severity"] in {"info", "low", "medium", "high", "critical"}


def test_severity_order_and_parse() -> None:
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert Severity.parse(" High ") is Severity.HIGH
    with pytest.raises(ValueError, match="one of"):
        Severity.parse("severe")


# The CIS Docker Benchmark v1.6.0 titles of the checks we map to.
CIS_160 = {
    "2.2": "Ensure network traffic is restricted between containers on the default bridge",
    "2.4": "Ensure Docker is allowed to make changes to iptables",
    "2.7": "Ensure TLS authentication for Docker daemon is configured",
    "2.16": "Ensure Userland Proxy is Disabled",
    "5.4": "Ensure that Linux kernel capabilities are restricted within containers",
    "5.5": "Ensure that privileged containers are not used",
    "5.8": "Ensure privileged ports are not mapped within containers",
    "5.10": "Ensure that the host's network namespace is not shared",
    "5.14": "Ensure that incoming container traffic is bound to a specific host interface",
    "5.16": "Ensure that the host's process namespace is not shared",
    "5.17": "Ensure that the host's IPC namespace is not shared",
    "5.21": "Ensure that the host's UTS namespace is not shared",
    "5.30": 'Ensure that Docker\'s default bridge "docker0" is not used',
    "5.32": "Ensure that the Docker socket is not mounted inside any containers",
    "7.3": "Ensure that all Docker swarm overlay networks are encrypted",
}


def test_rules_have_unique_ids_and_cover_the_issue_s_cis_checks() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert all(r.id.startswith("ND-") and r.why and r.fix for r in RULES)
    assert {r.cis for r in RULES if r.cis} == set(CIS_160)


def test_an_audit_with_its_memo_finds_what_a_fresh_one_does_at_every_step():
    """The memo checks again only the containers that changed: each step below changes
    what some unchanged container's checks read (a network, the daemon, the container a
    joiner joins), and a memo that missed it would keep the last findings."""
    on_bridge = (Endpoint("bridge", "netbridge", "172.17.0.2", 16),)
    wide = container("wide", network_mode="bridge", endpoints=on_bridge,
                     ports=(PortBinding("0.0.0.0", 80, 80, "tcp", True),))  # fmt: skip
    owner = container("owner", network_mode="host", endpoints=(), ports=())
    joiner = container("joiner", network_mode="container:id-owner", namespace_ref="id-owner",
                       endpoints=(), ports=())  # fmt: skip
    web = container("web")
    first = state(web, wide, owner, joiner, networks=(QUIET, DEFAULT_BRIDGE))

    def having(*containers: Container, **parts: object) -> HostState:
        # The parts not named are the very objects of the first state, as in the app.
        mapping = MappingProxyType({c.id: c for c in containers})
        return dataclasses.replace(first, containers=mapping, **parts)  # type: ignore[arg-type]

    renamed = dataclasses.replace(DEFAULT_BRIDGE, name="plain", options=MappingProxyType({}))
    moved = dataclasses.replace(owner, network_mode="quiet")  # off the host's network
    steps = [
        first,
        having(web, dataclasses.replace(wide, ports=()), owner, joiner),
        having(web, wide, owner, joiner),
        # no longer the default bridge: "on the default bridge" goes
        having(
            web,
            wide,
            owner,
            joiner,
            networks=MappingProxyType({QUIET.id: QUIET, renamed.id: renamed}),
        ),
        having(web, wide, owner, joiner, daemon=dataclasses.replace(HARDENED, ip_forward=False)),
        having(web, wide, owner, joiner),
        having(web, wide, moved, joiner),  # the joiner no longer has the host's network
    ]
    memo = AuditMemo()
    last = None
    for step in steps:
        fresh = audit(step)
        assert fresh != last, "each step changes the findings"
        assert audit(step, memo) == fresh
        last = fresh
