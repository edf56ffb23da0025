"""``netdock lab up|down``: the seed article's four network modes, side by side, on the engine."""

from __future__ import annotations

import argparse
import contextlib
import sys

from tui.cli.common import (
    READ_ONLY_REFUSED,
    add_engine_args,
    fail,
    new_live,
    print_table,
    with_engine,
)
from tui.core.backend import Backend, EngineRefused
from tui.core.lab import (
    BUILT_IMAGE,
    DEFAULT_PREFIX,
    IMAGE_CANDIDATES,
    LAB_LABEL,
    ImageFacts,
    lab_containers,
    lab_members,
    pick_image,
)
from tui.core.launch import image_ids, image_names, image_present, to_create_config, validate
from tui.core.namespaces import mode_of
from tui.core.parse import parse_container
from tui.core.rows import format_ports
from tui.core.state import ContainerSeen, HostState, reduce
from tui.engine.config_files import load_config
from tui.engine.docker import DockerBackend
from tui.engine.labimage import build_lab_image, find_static_busybox


class LabError(Exception):
    """Why the lab could not be built, in one line."""


def _label(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "lab",
        help="start (up) or remove (down) the seed article's four network modes side by side",
        description="Examples 1-4 of the seed article on this engine: a bridge container with "
        "-P, a host-mode one, one in container mode sharing the first, one with none. "
        f"Every one is labelled {LAB_LABEL}=1, so `lab down` removes exactly those.",
    )
    add_engine_args(parser)
    verbs = parser.add_subparsers(dest="lab_command", metavar="up|down", required=True)
    up = verbs.add_parser("up", help="create and start the four containers")
    up.add_argument(
        "--image",
        metavar="IMAGE",
        help="a local image to run (default: the config's `image`, else the first local one "
        f"of {', '.join(IMAGE_CANDIDATES[:-1])}, else {BUILT_IMAGE}, built offline from the "
        "host's static busybox); never pulled",
    )
    down = verbs.add_parser("down", help="remove the lab's containers (and its built image)")
    for verb in (up, down):
        add_engine_args(verb)
        # For tests: their own names and labels, so they clean up after themselves.
        verb.add_argument("--prefix", default=None, help=argparse.SUPPRESS)
        verb.add_argument(
            "--label", type=_label, action="append", default=[], help=argparse.SUPPRESS
        )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config, problems = load_config()
    for problem in problems:
        print(f"netdock: {problem}", file=sys.stderr)
    if args.read_only or config.read_only:
        where = "--read-only" if args.read_only else "read_only = true in the config"
        fail(
            f"lab {args.lab_command} changes the engine, and {where} forbids that",
            READ_ONLY_REFUSED,
        )
    labels = dict(args.label)

    async def work(backend: DockerBackend) -> int:
        if args.lab_command == "up":
            image = args.image or config.image or ""
            return await lab_up(backend, image, args.prefix or DEFAULT_PREFIX, labels)
        return await lab_down(backend, args.prefix)

    try:
        return with_engine(args, work)
    except LabError as exc:
        fail(str(exc), 1)


async def _choose_image(backend: Backend, wanted: str, labels: dict[str, str]) -> str:
    images = await backend.list_images()
    local = (*image_names(images), *image_ids(images))
    chosen = pick_image(local, wanted)
    if chosen is not None:
        if not image_present(chosen, local):
            raise LabError(
                f"image {chosen} is not on the engine, and netdock does not pull "
                f"(no registry may be reachable): run `docker pull {chosen}` where "
                "one is, or name a local image with --image"
            )
        return chosen
    busybox = find_static_busybox()
    if busybox is None:
        raise LabError(
            "no local image fits the lab (" + ", ".join(IMAGE_CANDIDATES[:-1]) + ") and this "
            "host has no static busybox to build one from: run `docker pull nginx:alpine` "
            "where a registry is reachable, or name a local image with --image"
        )
    print(f"building {BUILT_IMAGE} offline from {busybox} ...", file=sys.stderr)
    await build_lab_image(backend, busybox, BUILT_IMAGE, {LAB_LABEL: "1", **labels})
    return BUILT_IMAGE


async def lab_up(backend: DockerBackend, wanted: str, prefix: str, labels: dict[str, str]) -> int:
    existing = lab_members(await backend.list_containers(), prefix)
    if existing:
        names = ", ".join(str((c.get("Names") or ["?"])[0]).lstrip("/") for c in existing)
        raise LabError(f"the lab is already up ({names}): run `netdock lab down` first")
    image = await _choose_image(backend, wanted, labels)
    facts = ImageFacts.of(await backend.inspect_image(image))
    state: HostState = await new_live(backend).snapshot()
    made: list[str] = []
    try:
        for member in lab_containers(image, facts, prefix, labels):
            problems = validate(member.spec, state)
            if problems:
                raise LabError(
                    f"example {member.example} ({member.spec.name}): "
                    + "; ".join(p.message for p in problems)
                )
            cid = await backend.create_container(
                to_create_config(member.spec, state), member.spec.name
            )
            made.append(cid)
            try:
                await backend.start_container(cid)
            except EngineRefused as exc:
                raise LabError(
                    f"example {member.example} ({member.spec.name}) did not start: {exc}"
                ) from exc
            container = parse_container(await backend.inspect_container(cid))
            if container is not None:
                state = reduce(state, ContainerSeen(container))
    except EngineRefused as exc:
        await _remove(backend, made)
        raise LabError(f"the engine refused: {exc}; removed what the lab had made") from exc
    except LabError as exc:
        await _remove(backend, made)
        raise LabError(f"{exc}; removed what the lab had made") from exc
    rows = []
    for member, cid in zip(lab_containers(image, facts, prefix, labels), made, strict=True):
        c = state.containers[cid]
        rows.append(
            (
                str(member.example),
                c.name,
                mode_of(state, c),
                member.spec.network_flags,
                format_ports(c),
            )
        )
    print(f"lab up, in image {image}:")
    print_table(("EXAMPLE", "NAME", "MODE", "RUN WITH", "PORTS"), rows)
    print("look at them: netdock   (or: netdock snapshot)   remove them: netdock lab down")
    return 0


async def _remove(backend: Backend, ids: list[str]) -> None:
    for cid in reversed(ids):
        with contextlib.suppress(EngineRefused):
            await backend.remove_container(cid, force=True, volumes=True)


async def lab_down(backend: DockerBackend, prefix: str | None) -> int:
    members = lab_members(await backend.list_containers(), prefix)
    for c in members:
        name = str((c.get("Names") or ["?"])[0]).lstrip("/")
        try:
            await backend.remove_container(str(c["Id"]), force=True, volumes=True)
        except EngineRefused as exc:
            if exc.status != 404:
                raise LabError(f"could not remove {name}: {exc}") from exc
        print(f"removed {name}")
    if not members:
        print("no lab containers: nothing to remove")
    if not lab_members(await backend.list_containers()):
        # The last lab gone takes the image netdock built for it.
        for image in await backend.list_images():
            if (image.get("Labels") or {}).get(LAB_LABEL) == "1":
                try:
                    await backend.remove_image(str(image["Id"]))
                except EngineRefused as exc:
                    print(f"kept image {image['Id'][:19]}: {exc}", file=sys.stderr)
                else:
                    tags = ", ".join(image.get("RepoTags") or []) or str(image["Id"])[:19]
                    print(f"removed image {tags}")
    return 0
