"""What a launch asks of the engine, what is wrong with it, and the create body it becomes.

A ``LaunchSpec`` is the launcher form (or a preset, or a lab container) as data.
``validate`` finds, before anything is sent, what the engine would refuse or
silently ignore, in words that name who is in the way; ``to_create_config`` turns
a valid spec into the Engine API's ``POST /containers/create`` body. Both are pure.
Port specs arrive already parsed by the docker SDK (``tui.engine.portspec``): the
core only judges them.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tui.core.model import EMPTY, Container, Mode, bracketed
from tui.core.namespaces import mode_of
from tui.core.ports import (
    WILDCARD_V4,
    WILDCARD_V6,
    addresses_overlap,
    is_wildcard,
    next_free_port,
    normalize_address,
    process_label,
)
from tui.core.state import HostState

LAUNCHED_LABEL = "netdock.launched"
"""Every container netdock creates carries it (value "1")."""
BUILTIN_MODES = ("bridge", "host", "none")
CONTAINER_PREFIX = "container:"
MAX_PORT = 65535
# The engine's own rule for names (daemon/names.go): at least two characters.
_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


class Field(StrEnum):
    """The part of the form a problem belongs to."""

    IMAGE = "image"
    NAME = "name"
    MODE = "mode"
    PORTS = "ports"
    COMMAND = "command"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a launch would fail or not do what was asked, before anything is sent."""

    field: Field
    message: str


@dataclass(frozen=True, slots=True)
class PortRequest:
    """One container port to publish, as docker's ``-p`` means it.

    ``host_ip`` "" is every address; ``host_port`` None leaves the port to the engine;
    ``host_port_end`` set is a host range, in which the engine picks a free port.
    """

    container_port: int
    proto: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None
    host_port_end: int | None = None

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.proto}"

    @property
    def host_text(self) -> str:
        """The ``HostPort`` the engine takes: "", "8080" or "8080-8090"."""
        if self.host_port is None:
            return ""
        if self.host_port_end is None:
            return str(self.host_port)
        return f"{self.host_port}-{self.host_port_end}"


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One ``-p`` spec as typed, and what the docker SDK made of it (or its error)."""

    text: str
    requests: tuple[PortRequest, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LaunchSpec:
    """A container to create and start, in the terms of ``docker run``."""

    image: str
    name: str = ""
    """Empty: the engine picks one (``trusting_feynman``)."""
    mode: str = "bridge"
    """``bridge``, ``host``, ``none``, ``container:<name or id>``, or a user network's name."""
    publish_all: bool = False
    ports: tuple[PortSpec, ...] = ()
    command: str = ""
    """As typed; split as a shell would. Empty: the image's own command."""
    entrypoint: tuple[str, ...] | None = None
    """``--entrypoint``: None keeps the image's own; a tuple replaces it (empty clears it)."""
    expose: tuple[str, ...] = ()
    """Extra exposed ports (``80/tcp``), for ``-P`` with an image that exposes none."""
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    @property
    def target(self) -> str | None:
        """For ``container:<target>`` mode, the target as written."""
        if self.mode.startswith(CONTAINER_PREFIX):
            return self.mode[len(CONTAINER_PREFIX) :]
        return None

    @property
    def requests(self) -> tuple[PortRequest, ...]:
        return tuple(r for spec in self.ports for r in spec.requests)

    @property
    def network_flags(self) -> str:
        """The network part of its ``docker run``: ``--net=bridge -P -p 8080:80``."""
        flags = [f"--net={self.mode}", *(["-P"] if self.publish_all else [])]
        return " ".join([*flags, *(f"-p {s.text}" for s in self.ports)])


def mode_kind(mode: str) -> str:
    """``bridge``/``host``/``none``/``container``, or ``network`` for a user network."""
    mode = mode.strip() or "bridge"
    if mode.startswith(CONTAINER_PREFIX):
        return Mode.CONTAINER
    if mode in BUILTIN_MODES:
        return mode
    if mode == "default":
        return Mode.BRIDGE
    return "network"


# Images ----------------------------------------------------------------------


def normalize_image(ref: str) -> str:
    """``busybox`` and ``docker.io/library/busybox:latest`` are one image: ``busybox:latest``."""
    ref = ref.strip()
    if "@" in ref or ref.startswith("sha256:"):
        return ref
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    for prefix in (
        "docker.io/library/",
        "index.docker.io/library/",
        "docker.io/",
        "index.docker.io/",
        "library/",
    ):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return f"{name}:{tag}"


def image_names(images: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The tags of the engine's local images (``GET /images/json``), sorted."""
    names: set[str] = set()
    for image in images:
        tags = image.get("RepoTags")
        if isinstance(tags, list):
            names.update(t for t in tags if isinstance(t, str) and t != "<none>:<none>")
    return tuple(sorted(names))


def image_ids(images: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(i["Id"] for i in images if isinstance(i.get("Id"), str))


def image_present(ref: str, local: Collection[str]) -> bool:
    """Whether ``ref`` names one of ``local`` (tags, and IDs which a prefix may name)."""
    wanted = normalize_image(ref)
    for have in local:
        if normalize_image(have) == wanted:
            return True
        bare = have.removeprefix("sha256:")
        short = ref.removeprefix("sha256:")
        if len(short) >= 12 and have.startswith("sha256:") and bare.startswith(short):
            return True
    return False


# Validation ------------------------------------------------------------------


def _check_image(spec: LaunchSpec, images: Collection[str] | None) -> list[Problem]:
    image = spec.image.strip()
    if not image:
        return [Problem(Field.IMAGE, "choose an image (the engine's local images complete)")]
    if images is not None and not image_present(image, images):
        return [
            Problem(
                Field.IMAGE,
                f"{image} is not on the engine, and netdock does not pull (no registry may be "
                f"reachable): run `docker pull {image}` where one is, or pick a local image",
            )
        ]
    return []


def _check_name(spec: LaunchSpec, state: HostState) -> list[Problem]:
    name = spec.name.strip()
    if not name:
        return []
    if not _NAME.match(name):
        return [
            Problem(
                Field.NAME,
                f"{name!r} is not a valid name: two or more of "
                "[a-zA-Z0-9_.-], starting with a letter or digit",
            )
        ]
    holder = next((c for c in state.containers.values() if c.name == name.lstrip("/")), None)
    if holder is not None:
        return [
            Problem(
                Field.NAME,
                f"the name {holder.name} is already in use by container "
                f"{holder.short_id} ({holder.state})",
            )
        ]
    return []


def _check_mode(spec: LaunchSpec, state: HostState) -> list[Problem]:
    mode = spec.mode.strip() or "bridge"
    kind = mode_kind(mode)
    if kind == Mode.CONTAINER:
        target = (spec.target or "").strip()
        if not target:
            return [
                Problem(
                    Field.MODE,
                    "container mode: choose a running container whose network namespace to join",
                )
            ]
        owner = state.container(target)
        if owner is None:
            return [Problem(Field.MODE, f"container mode: there is no container {target}")]
        if owner.state not in ("running", "paused"):
            return [
                Problem(
                    Field.MODE,
                    f"container mode: {owner.name} is {owner.state}; only a "
                    "running container has a namespace to join",
                )
            ]
        return []
    if kind == "network" and (state.network_by_name(mode) is None and mode not in state.networks):
        return [Problem(Field.MODE, f"there is no network {mode} on the engine")]
    return []


def _check_command(spec: LaunchSpec) -> list[Problem]:
    try:
        shlex.split(spec.command)
    except ValueError as exc:
        return [Problem(Field.COMMAND, f"cannot split the command as a shell would: {exc}")]
    return []


def _ports_ignored(spec: LaunchSpec, state: HostState) -> Problem | None:
    kind = mode_kind(spec.mode)
    asked = [s.text for s in spec.ports] + (["-P"] if spec.publish_all else [])
    if not asked or kind not in (Mode.HOST, Mode.NONE, Mode.CONTAINER):
        return None
    what = ", ".join(asked)
    if kind == Mode.HOST:
        why = (
            "host mode uses the host's own ports directly: the engine discards published "
            "ports; a server in the container listens on the host as it is"
        )
    elif kind == Mode.NONE:
        why = (
            "none mode has no network: published ports could never be reached "
            "(the engine keeps them and does nothing)"
        )
    else:
        owner = state.container(spec.target or "")
        name = owner.name if owner else spec.target
        why = (
            f"container mode shares {name}'s network, ports included: the engine refuses "
            f"port publishing here; publish on {name} instead"
        )
    return Problem(Field.PORTS, f"{what}: {why}")


def _check_request_shape(
    text: str, r: PortRequest, bindable: Callable[[str], bool] | None
) -> list[Problem]:
    problems = []
    if not 1 <= r.container_port <= MAX_PORT:
        problems.append(
            Problem(
                Field.PORTS, f"{text}: container port {r.container_port} is not in 1-{MAX_PORT}"
            )
        )
    for port in (r.host_port, r.host_port_end):
        if port is not None and not 0 <= port <= MAX_PORT:
            problems.append(
                Problem(Field.PORTS, f"{text}: host port {port} is not in 0-{MAX_PORT}")
            )
    if r.host_port is not None and r.host_port_end is not None and r.host_port_end < r.host_port:
        problems.append(
            Problem(
                Field.PORTS, f"{text}: the host range {r.host_port}-{r.host_port_end} is backwards"
            )
        )
    if r.host_ip:
        try:
            address = ipaddress.ip_address(r.host_ip)
        except ValueError:
            problems.append(Problem(Field.PORTS, f"{text}: {r.host_ip} is not an IP address"))
        else:
            if (
                bindable is not None
                and not is_wildcard(str(address))
                and not bindable(str(address))
            ):
                problems.append(
                    Problem(
                        Field.PORTS,
                        f"{text}: {r.host_ip} is not an address of this host "
                        f"(the engine could not bind it)",
                    )
                )
    return problems


def _wanted_addresses(host_ip: str) -> tuple[str, ...]:
    address = normalize_address(host_ip or WILDCARD_V4)
    # The engine binds a wildcard on both families: both must be free.
    return (WILDCARD_V4, WILDCARD_V6) if address == WILDCARD_V4 else (address,)


def port_holder(state: HostState, proto: str, port: int, host_ip: str = "") -> str | None:
    """Who holds ``host_ip:port/proto`` now, in words: a container, or a host process."""
    wanted = _wanted_addresses(host_ip)
    for c in sorted(state.containers.values(), key=lambda c: c.name):
        if not c.running or mode_of(state, c) in (Mode.HOST, Mode.NONE, Mode.CONTAINER):
            continue
        for p in c.ports:
            if (
                p.bound
                and p.host_port == port
                and p.proto == proto
                and any(addresses_overlap(w, normalize_address(p.host_ip)) for w in wanted)
            ):
                return f"container {c.name}"
    for ln in state.host.listeners:
        if ln.proto != proto or ln.port != port:
            continue
        address = normalize_address(ln.address)
        if not any(addresses_overlap(w, address, b_dual=address == WILDCARD_V6) for w in wanted):
            continue
        owner: Container | None = state.container(ln.container_id) if ln.container_id else None
        if owner is not None:
            return f"host-mode container {owner.name}"
        return f"process {process_label(ln)}"
    return None


def _free_after(state: HostState, r: PortRequest, taken: set[int], start: int) -> int | None:
    port = start
    while True:
        try:
            port = next_free_port(state, r.proto, r.host_ip or WILDCARD_V4, port)
        except LookupError:
            return None
        if port not in taken:
            return port
        port += 1


def _check_held(spec: LaunchSpec, state: HostState) -> list[Problem]:
    problems: list[Problem] = []
    fixed = [r for r in spec.requests if r.host_port and r.host_port_end is None]
    twice = sorted(
        {
            (a.host_port or 0, a.proto)
            for i, a in enumerate(fixed)
            for b in fixed[i + 1 :]
            if a.proto == b.proto
            and a.host_port == b.host_port
            and any(
                addresses_overlap(x, y)
                for x in _wanted_addresses(a.host_ip)
                for y in _wanted_addresses(b.host_ip)
            )
        }
    )
    problems.extend(
        Problem(Field.PORTS, f"host port {port}/{proto} is asked for twice")
        for port, proto in twice
    )
    taken = {r.host_port for r in fixed if r.host_port}
    for s in spec.ports:
        for r in s.requests:
            if not r.host_port or r.host_port > MAX_PORT:
                continue
            if r.host_port_end is None:
                holder = port_holder(state, r.proto, r.host_port, r.host_ip)
                if holder is None:
                    continue
                free = _free_after(state, r, taken, r.host_port + 1)
                hint = (
                    f"; {free} is free (try {_with_host_port(r, free)})" if free is not None else ""
                )
                problems.append(
                    Problem(
                        Field.PORTS,
                        f"{s.text}: host port {r.host_port}/{r.proto} is held by {holder}{hint}",
                    )
                )
            elif r.host_port_end <= MAX_PORT and all(
                port_holder(state, r.proto, p, r.host_ip)
                for p in range(r.host_port, r.host_port_end + 1)
            ):
                problems.append(
                    Problem(
                        Field.PORTS,
                        f"{s.text}: every host port in "
                        f"{r.host_port}-{r.host_port_end}/{r.proto} is held",
                    )
                )
    return problems


def _with_host_port(r: PortRequest, port: int) -> str:
    host = f"[{r.host_ip}]:" if ":" in r.host_ip else (f"{r.host_ip}:" if r.host_ip else "")
    proto = "" if r.proto == "tcp" else f"/{r.proto}"
    return f"{host}{port}:{r.container_port}{proto}"


def _check_ports(
    spec: LaunchSpec, state: HostState, bindable: Callable[[str], bool] | None
) -> list[Problem]:
    problems = [Problem(Field.PORTS, f"{s.text}: {s.error}") for s in spec.ports if s.error]
    ignored = _ports_ignored(spec, state)
    if ignored is not None:
        return [*problems, ignored]
    for s in spec.ports:
        for r in s.requests:
            problems.extend(_check_request_shape(s.text, r, bindable))
    return [*problems, *_check_held(spec, state)]


def validate(
    spec: LaunchSpec,
    state: HostState,
    images: Collection[str] | None = None,
    bindable: Callable[[str], bool] | None = None,
) -> list[Problem]:
    """Everything wrong with ``spec`` on this engine, form order; empty when it may go.

    ``images`` are the engine's local images (tags and IDs); None skips that check.
    ``bindable`` says whether the engine's host can bind a host IP; None (a remote
    engine) skips that check.
    """
    return [
        *_check_image(spec, images),
        *_check_name(spec, state),
        *_check_mode(spec, state),
        *_check_ports(spec, state, bindable),
        *_check_command(spec),
    ]


def warnings(spec: LaunchSpec, state: HostState) -> list[Problem]:
    """What does not stop ``spec`` from starting now but will bite later: a fixed host port
    that a container that is not running is configured for (only one of them can run)."""
    found: list[Problem] = []
    for s in spec.ports:
        for r in s.requests:
            if not r.host_port or r.host_port_end is not None:
                continue
            wanted = _wanted_addresses(r.host_ip)
            rivals = sorted(
                f"{c.name} ({bracketed(p.host_ip or WILDCARD_V4)}:{p.host_port})"
                for c in state.containers.values()
                if not c.running and mode_of(state, c) not in (Mode.HOST, Mode.NONE, Mode.CONTAINER)
                for p in c.ports
                if p.host_port == r.host_port
                and p.proto == r.proto
                and any(
                    addresses_overlap(w, normalize_address(p.host_ip or WILDCARD_V4))
                    for w in wanted
                )
            )
            if rivals:
                found.append(
                    Problem(
                        Field.PORTS,
                        f"{s.text}: {', '.join(rivals)} {'is' if len(rivals) == 1 else 'are'} "
                        f"configured for host port {r.host_port}/{r.proto} too, not running: "
                        "only one of them can run at a time (same-intent)",
                    )
                )
    return found


def problems_of(problems: Sequence[Problem], field: Field) -> list[str]:
    return [p.message for p in problems if p.field == field]


# The create body ---------------------------------------------------------------


def _network_mode(spec: LaunchSpec, state: HostState | None) -> str:
    mode = spec.mode.strip() or "bridge"
    target = spec.target
    if target is not None and state is not None:
        # By ID: a name could be reused before the engine resolves it.
        owner = state.container(target.strip())
        if owner is not None:
            return CONTAINER_PREFIX + owner.id
    return mode


def to_create_config(spec: LaunchSpec, state: HostState | None = None) -> dict[str, Any]:
    """The Engine API create body for ``spec`` (``docker run``'s, for the same flags)."""
    bindings: dict[str, list[dict[str, str]]] = {}
    for r in spec.requests:
        bindings.setdefault(r.key, []).append({"HostIp": r.host_ip, "HostPort": r.host_text})
    exposed: dict[str, dict[str, Any]] = {key: {} for key in (*spec.expose, *bindings)}
    host_config: dict[str, Any] = {"NetworkMode": _network_mode(spec, state)}
    if bindings:
        host_config["PortBindings"] = bindings
    if spec.publish_all:
        host_config["PublishAllPorts"] = True
    config: dict[str, Any] = {
        "Image": spec.image.strip(),
        "Labels": {LAUNCHED_LABEL: "1", **spec.labels},
        "HostConfig": host_config,
    }
    command = shlex.split(spec.command)
    if command:
        config["Cmd"] = command
    if spec.entrypoint is not None:
        config["Entrypoint"] = list(spec.entrypoint)
    if exposed:
        config["ExposedPorts"] = exposed
    kind = mode_kind(spec.mode)
    if kind == "network":
        config["NetworkingConfig"] = {"EndpointsConfig": {spec.mode.strip(): {}}}
    return config


# Relaunch ----------------------------------------------------------------------


def relaunch_mode(state: HostState, container: Container) -> str:
    """The mode first offered to relaunch ``container`` in: another of the article's four."""
    return "host" if mode_of(state, container) == Mode.BRIDGE else "bridge"


def relaunch_spec(state: HostState, container: Container, mode: str) -> LaunchSpec:
    """``container``'s image, entrypoint and command again, in ``mode``, beside the original."""
    publishing = mode_kind(mode) in (Mode.BRIDGE, "network")
    return LaunchSpec(
        image=container.image,
        mode=mode,
        publish_all=publishing and container.publish_all,
        command=shlex.join(container.command),
        # The engine reports the entrypoint in effect (the image's, unless overridden):
        # sending it back always runs the same program, even one --entrypoint chose.
        entrypoint=container.entrypoint,
    )
