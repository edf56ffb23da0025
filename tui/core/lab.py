"""``netdock lab``: the seed article's Examples 1-4, side by side, as launch specs.

Example 1 is a bridge container with every exposed port published (``-P``);
Example 2 uses the host's network; Example 3 joins Example 1's namespace
(``--net=container:``); Example 4 has no network but loopback. Each carries
``netdock.lab=1`` so ``lab down`` removes exactly these.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.core.launch import LaunchSpec, image_present
from tui.core.model import EMPTY

LAB_LABEL = "netdock.lab"
DEFAULT_PREFIX = "netdock-lab"
BUILT_IMAGE = "netdock/lab:busybox"
"""What ``lab up`` builds offline from the host's static busybox when no image fits."""
IMAGE_CANDIDATES = ("nginx:alpine", "nginx:latest", "busybox:latest", BUILT_IMAGE)
"""Local images that serve the article's examples, best first (none is ever pulled)."""
IDLE = "sleep 1000000"
_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"}


@dataclass(frozen=True, slots=True)
class LabContainer:
    example: int
    mode: str
    spec: LaunchSpec


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What the lab needs to know of an image (``GET /images/{ref}/json``'s Config)."""

    exposed: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    @classmethod
    def of(cls, doc: Mapping[str, Any] | None) -> ImageFacts:
        config = (doc or {}).get("Config") or {}
        exposed = config.get("ExposedPorts") or {}
        command = config.get("Cmd") or []
        labels = config.get("Labels") or {}
        return cls(
            exposed=tuple(sorted(k for k in exposed if isinstance(k, str))),
            command=tuple(c for c in command if isinstance(c, str)),
            labels={k: v for k, v in labels.items() if isinstance(v, str)},
        )

    @property
    def serves(self) -> bool:
        """Its own command is a server on an exposed port (not a shell that exits at once)."""
        return bool(self.exposed) and bool(self.command) and self.command[0] not in _SHELLS


def pick_image(local: Collection[str], configured: str = "") -> str | None:
    """The configured image if given, else the first candidate the engine has."""
    if configured:
        return configured
    return next((c for c in IMAGE_CANDIDATES if image_present(c, local)), None)


def sole_image(names: Collection[str]) -> str | None:
    """The engine's only tagged image, when it has exactly one: no choice to make."""
    return next(iter(names)) if len(set(names)) == 1 else None


def lab_containers(
    image: str,
    facts: ImageFacts,
    prefix: str = DEFAULT_PREFIX,
    labels: Mapping[str, str] | None = None,
) -> tuple[LabContainer, ...]:
    """Examples 1-4 in ``image``, in the order they must start (1 before 3 joins it)."""
    lab_labels = {LAB_LABEL: "1", **(labels or {})}
    expose: tuple[str, ...]
    if facts.serves:
        serve, expose = "", ()
    elif "busybox" in image:
        serve, expose = "httpd -f -p 80 -h /", ("80/tcp",)
    else:
        serve, expose = IDLE, ()
    first = f"{prefix}-bridge"

    def spec(suffix: str, **kwargs: Any) -> LaunchSpec:
        return LaunchSpec(image=image, name=f"{prefix}-{suffix}", labels=lab_labels, **kwargs)

    return (
        LabContainer(
            1,
            "bridge",
            spec("bridge", mode="bridge", publish_all=True, command=serve, expose=expose),
        ),
        LabContainer(2, "host", spec("host", mode="host", command=IDLE)),
        LabContainer(3, "container", spec("container", mode=f"container:{first}", command=IDLE)),
        LabContainer(4, "none", spec("none", mode="none", command=IDLE)),
    )


def lab_members(
    containers: Collection[Mapping[str, Any]], prefix: str | None = None
) -> list[Mapping[str, Any]]:
    """The lab's containers in a ``GET /containers/json`` listing, sharers of a namespace
    first (so nothing is left joined to a removed owner)."""
    found = []
    for c in containers:
        labels = c.get("Labels") or {}
        names = [n.lstrip("/") for n in c.get("Names") or []]
        if labels.get(LAB_LABEL) != "1":
            continue
        if prefix is not None and not any(n.startswith(prefix + "-") for n in names):
            continue
        found.append(c)

    def order(c: Mapping[str, Any]) -> tuple[bool, str]:
        mode = str((c.get("HostConfig") or {}).get("NetworkMode", ""))
        return (not mode.startswith("container:"), str((c.get("Names") or [""])[0]))

    return sorted(found, key=order)
