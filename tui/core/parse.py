"""Engine JSON -> model. Pure, and total: any JSON value yields a model or None.

The engine's documents vary by version and by state (a created container has
no ``NetworkSettings.Ports`` values, a container-mode one has no networks,
empty strings stand for "unset"), so every field is read defensively: a
missing or ill-typed field becomes its empty value, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from tui.core.model import (
    EMPTY,
    Container,
    Counters,
    CounterSample,
    Detail,
    EngineInfo,
    Event,
    NamespaceCounters,
    Network,
    PortBinding,
    Subnet,
)
from tui.core.model import Endpoint as NetEndpoint

WILDCARD_V4 = "0.0.0.0"
PROTOCOLS = ("tcp", "udp", "sctp")


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _opt(value: Any) -> str | None:
    """An engine string where "" means unset."""
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))


def _str_map(value: Any) -> Mapping[str, str]:
    pairs = {k: v for k, v in _dict(value).items() if isinstance(k, str) and isinstance(v, str)}
    return MappingProxyType(pairs) if pairs else EMPTY


def parse_time(value: Any) -> datetime | None:
    """An engine timestamp (RFC 3339 with nanoseconds, or Unix seconds); zero time is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = _str(value)
    if not text or text.startswith("0001-01-01"):
        return None
    # Python parses at most microseconds: trim the engine's nanoseconds.
    head, dot, tail = text.partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_port_key(key: Any) -> tuple[int, str] | None:
    """``"80/tcp"`` -> ``(80, "tcp")``; a bare number is tcp, as the engine means it."""
    number, _, proto = _str(key).partition("/")
    port = _int(number)
    proto = proto or "tcp"
    if port is None or proto not in PROTOCOLS:
        return None
    return port, proto


def _endpoints(networks: Any) -> tuple[NetEndpoint, ...]:
    found = []
    for name, raw in _dict(networks).items():
        if not isinstance(name, str):
            continue
        ep = _dict(raw)
        found.append(
            NetEndpoint(
                network=name,
                network_id=_opt(ep.get("NetworkID")),
                ipv4=_opt(ep.get("IPAddress")),
                prefix=_int(ep.get("IPPrefixLen")) or None,
                gateway=_opt(ep.get("Gateway")),
                ipv6=_opt(ep.get("GlobalIPv6Address")),
                ipv6_prefix=_int(ep.get("GlobalIPv6PrefixLen")) or None,
                mac=_opt(ep.get("MacAddress")),
            )
        )
    return tuple(sorted(found, key=lambda e: e.network))


def _configured_dynamic(config_bindings: Mapping[str, Any], key: str, publish_all: bool) -> bool:
    """Whether the user left the host port of ``key`` to the engine."""
    wanted = _list(config_bindings.get(key))
    if not wanted:
        return publish_all
    return all(_int(_dict(b).get("HostPort")) in (None, 0) for b in wanted)


def _bound_ports(
    actual: Mapping[str, Any], config_bindings: Mapping[str, Any], publish_all: bool
) -> list[PortBinding]:
    ports = []
    for key, bindings in actual.items():
        parsed = parse_port_key(key)
        if parsed is None:
            continue
        container_port, proto = parsed
        dynamic = _configured_dynamic(config_bindings, key, publish_all)
        for raw in _list(bindings):
            binding = _dict(raw)
            ports.append(
                PortBinding(
                    host_ip=_str(binding.get("HostIp")) or WILDCARD_V4,
                    host_port=_int(binding.get("HostPort")) or None,
                    container_port=container_port,
                    proto=proto,
                    bound=True,
                    dynamic=dynamic,
                )
            )
    return ports


def _configured_ports(config_bindings: Mapping[str, Any]) -> list[PortBinding]:
    """``HostConfig.PortBindings``: what a container that is not running will ask for."""
    ports = []
    for key, bindings in config_bindings.items():
        parsed = parse_port_key(key)
        if parsed is None:
            continue
        container_port, proto = parsed
        for raw in _list(bindings):
            binding = _dict(raw)
            host_port = _int(binding.get("HostPort")) or None
            ports.append(
                PortBinding(
                    host_ip=_str(binding.get("HostIp")) or WILDCARD_V4,
                    host_port=host_port,
                    container_port=container_port,
                    proto=proto,
                    bound=False,
                    dynamic=host_port is None,
                )
            )
    return ports


def _exposed(config: Mapping[str, Any], actual_ports: Mapping[str, Any]) -> tuple[str, ...]:
    keys = set(_dict(config.get("ExposedPorts"))) | set(actual_ports)
    return tuple(sorted((k for k in keys if parse_port_key(k)), key=_port_key_order))


def _port_key_order(key: str) -> tuple[int, str]:
    return parse_port_key(key) or (0, key)


def _namespace_ref(network_mode: str) -> str | None:
    prefix, sep, ref = network_mode.partition(":")
    return ref or None if sep and prefix == "container" else None


def parse_container(doc: Any) -> Container | None:
    """``GET /containers/{id}/json`` -> Container, or None when it names no container."""
    doc = _dict(doc)
    cid = _str(doc.get("Id"))
    if not cid:
        return None
    config = _dict(doc.get("Config"))
    host = _dict(doc.get("HostConfig"))
    settings = _dict(doc.get("NetworkSettings"))
    state = _dict(doc.get("State"))
    status = _str(state.get("Status")) or "unknown"
    network_mode = _str(host.get("NetworkMode")) or "default"
    publish_all = host.get("PublishAllPorts") is True
    config_bindings = _dict(host.get("PortBindings"))
    actual = _dict(settings.get("Ports"))
    exposed = _exposed(config, actual)
    running = status in ("running", "paused", "restarting")
    if running:
        ports = _bound_ports(actual, config_bindings, publish_all)
    else:
        ports = _configured_ports(config_bindings)
    return Container(
        id=cid,
        name=_str(doc.get("Name")).lstrip("/") or cid[:12],
        image=_str(config.get("Image")) or _str(doc.get("Image")),
        state=status,
        network_mode=network_mode,
        endpoints=_endpoints(settings.get("Networks")),
        ports=tuple(sorted(ports, key=PortBinding.sort_key)),
        exposed=exposed,
        started_at=parse_time(state.get("StartedAt")) if running else None,
        created_at=parse_time(doc.get("Created")),
        namespace_ref=_namespace_ref(network_mode),
        command=_strs(config.get("Cmd")),
        entrypoint=_strs(config.get("Entrypoint")),
        labels=_str_map(config.get("Labels")),
        publish_all=publish_all,
        privileged=host.get("Privileged") is True,
        cap_add=_strs(host.get("CapAdd")),
        cap_drop=_strs(host.get("CapDrop")),
        pid_mode=_str(host.get("PidMode")),
        ipc_mode=_str(host.get("IpcMode")),
        uts_mode=_str(host.get("UTSMode")),
        mount_sources=tuple(
            s for s in (_str(_dict(m).get("Source")) for m in _list(doc.get("Mounts"))) if s
        ),
        exit_code=_int(state.get("ExitCode")) if status in ("exited", "dead") else None,
        oom_killed=state.get("OOMKilled") is True,
        error=_str(state.get("Error")),
        finished_at=None if running else parse_time(state.get("FinishedAt")),
        detail=Detail.INSPECT,
        pid=(_int(state.get("Pid")) or None) if running else None,
    )


def parse_container_summary(doc: Any) -> Container | None:
    """An entry of ``GET /containers/json`` -> Container with what the list carries.

    Enough to paint a row before the inspects arrive: the list has the mode,
    the endpoints and the bound ports, but not configured bindings of stopped
    containers nor the start time.
    """
    doc = _dict(doc)
    cid = _str(doc.get("Id"))
    if not cid:
        return None
    names = _strs(doc.get("Names"))
    network_mode = _str(_dict(doc.get("HostConfig")).get("NetworkMode")) or "default"
    status = _str(doc.get("State")) or "unknown"
    ports = []
    exposed = set()
    for raw in _list(doc.get("Ports")):
        entry = _dict(raw)
        private = _int(entry.get("PrivatePort"))
        proto = _str(entry.get("Type")) or "tcp"
        if private is None or proto not in PROTOCOLS:
            continue
        exposed.add(f"{private}/{proto}")
        public = _int(entry.get("PublicPort"))
        if public:
            ports.append(
                PortBinding(_str(entry.get("IP")) or WILDCARD_V4, public, private, proto, True)
            )
    return Container(
        id=cid,
        name=(names[0].lstrip("/") if names else "") or cid[:12],
        image=_str(doc.get("Image")),
        state=status,
        network_mode=network_mode,
        endpoints=_endpoints(_dict(doc.get("NetworkSettings")).get("Networks")),
        ports=tuple(sorted(ports, key=PortBinding.sort_key)),
        exposed=tuple(sorted(exposed, key=_port_key_order)),
        created_at=parse_time(doc.get("Created")),
        namespace_ref=_namespace_ref(network_mode),
        command=(),
        labels=_str_map(doc.get("Labels")),
        detail=Detail.SUMMARY,
    )


def parse_network(doc: Any) -> Network | None:
    """``GET /networks/{id}`` (or an entry of ``GET /networks``) -> Network."""
    doc = _dict(doc)
    nid = _str(doc.get("Id"))
    if not nid:
        return None
    subnets = tuple(
        Subnet(subnet=_str(c.get("Subnet")), gateway=_opt(c.get("Gateway")))
        for c in map(_dict, _list(_dict(doc.get("IPAM")).get("Config")))
        if _str(c.get("Subnet"))
    )
    return Network(
        id=nid,
        name=_str(doc.get("Name")) or nid[:12],
        driver=_str(doc.get("Driver")) or "unknown",
        scope=_str(doc.get("Scope")) or "local",
        subnets=subnets,
        internal=doc.get("Internal") is True,
        ipv6=doc.get("EnableIPv6") is True,
        options=_str_map(doc.get("Options")),
        labels=_str_map(doc.get("Labels")),
    )


def parse_engine(version: Any, endpoint: str, local: bool) -> EngineInfo:
    """``GET /version`` -> EngineInfo."""
    doc = _dict(version)
    return EngineInfo(
        endpoint=endpoint,
        version=_str(doc.get("Version")),
        api_version=_str(doc.get("ApiVersion")),
        local=local,
        os=_str(doc.get("Os")),
        kernel=_str(doc.get("KernelVersion")),
    )


def parse_event(doc: Any) -> Event | None:
    """An entry of ``GET /events`` -> Event, or None when it names nothing."""
    doc = _dict(doc)
    actor = _dict(doc.get("Actor"))
    attributes = _str_map(actor.get("Attributes"))
    actor_id = _str(actor.get("ID")) or _str(doc.get("id"))
    kind = _str(doc.get("Type")) or _str(doc.get("type"))
    action = _str(doc.get("Action")) or _str(doc.get("status"))
    if not actor_id or not kind or not action:
        return None
    if kind == "container":
        container_id: str | None = actor_id
    else:
        container_id = attributes.get("container") or None
    time_nano = _int(doc.get("timeNano")) or (_int(doc.get("time")) or 0) * 1_000_000_000
    return Event(kind, action, actor_id, container_id, time_nano, attributes.get("name", ""))


def parse_stats(doc: Any, container_id: str) -> CounterSample | None:
    """One answer of ``GET /containers/{id}/stats?stream=false`` -> a sample of that one
    container's interface counters, timed by the engine's clock at its reading (``read``,
    Unix seconds), so the rate between two answers does not depend on the round trips.

    None when the engine read nothing (a container that is not running: zero ``read``).
    A container with no interfaces of its own (host mode) has none. The namespace's
    identity is not in the document: a restart shows as counters going backwards.
    """
    doc = _dict(doc)
    read = parse_time(doc.get("read"))
    if read is None:
        return None
    interfaces: dict[str, Counters] = {}
    for name, values in _dict(doc.get("networks")).items():
        values = _dict(values)
        numbers = [_int(values.get(field)) for field in Counters._fields]
        if isinstance(name, str) and name and all(n is not None for n in numbers):
            interfaces[name] = Counters(*(n or 0 for n in numbers))
    counters = NamespaceCounters(0, MappingProxyType(interfaces))
    return CounterSample(read.timestamp(), MappingProxyType({container_id: counters}))
