"""netdock's settings: TOML text -> ``Config``, with errors that name file, line and key.

Pure: the text comes in, a ``Config`` (or a ``ConfigError``) goes out; finding and
reading the files is ``tui.engine.config_files``' job. The shipped defaults and
the user's own file are parsed alike and merged: the user's file wins, key by key,
and a preset of the same name replaces the shipped one whole.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from tui.core.audit import Acceptance, check_problem, glob_problem
from tui.core.model import EMPTY

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOP_KEYS = ("read_only", "image", "timeline_limit", "sample_interval", "keys", "presets", "audit")
_AUDIT_KEYS = ("accept",)
_ACCEPT_KEYS = ("check", "subjects", "reason")
_PRESET_KEYS = ("key", "description", "image", "mode", "publish_all", "ports", "command")
_KEY_NAME = re.compile(r"^[a-z0-9_+\-]+(,[a-z0-9_+\-]+)*$")
_PRESET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class ConfigError(ValueError):
    """A setting that cannot be used; ``str()`` is the message a user reads."""

    def __init__(self, source: str, line: int | None, key: str, message: str) -> None:
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        self.source = source
        self.line = line
        self.key = key


@dataclass(frozen=True, slots=True)
class Preset:
    """A named launch bound to a key (the launcher's fields, as data)."""

    name: str
    key: str = ""
    description: str = ""
    image: str = ""
    """Empty: the configured ``image`` (or the one the lab would pick)."""
    mode: str = "bridge"
    """As in the launcher; ``container`` alone joins the selected container's namespace."""
    publish_all: bool = False
    ports: tuple[str, ...] = ()
    command: str = ""

    @property
    def binding_id(self) -> str:
        return f"preset.{self.name}"

    @property
    def label(self) -> str:
        return self.description or self.name


@dataclass(frozen=True, slots=True)
class Config:
    """Settings; None is "not set here" (so a merge can tell unset from false)."""

    read_only: bool | None = None
    image: str | None = None
    timeline_limit: int | None = None
    """How many changes the timeline keeps (a ring; 10,000 when unset)."""
    sample_interval: float | None = None
    """Seconds between two readings of the interfaces' counters; 0 turns it off."""
    keys: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    """Binding ID -> key(s), as Textual's keymap takes them."""
    presets: tuple[Preset, ...] = ()
    accept: tuple[Acceptance, ...] = ()
    """The risks accepted (``[audit] accept``), in the order written."""
    skipped: tuple[str, ...] = ()
    """Why each entry that could not be used was left out (the rest of the file applies)."""

    def preset(self, name: str) -> Preset | None:
        return next((p for p in self.presets if p.name == name), None)


def merge(base: Config, over: Config) -> Config:
    """``over`` on top of ``base``: set keys win; same-named presets replace whole; accepted
    risks add up."""
    presets = {p.name: p for p in base.presets}
    presets.update({p.name: p for p in over.presets})
    return Config(
        read_only=over.read_only if over.read_only is not None else base.read_only,
        image=over.image if over.image is not None else base.image,
        timeline_limit=(
            over.timeline_limit if over.timeline_limit is not None else base.timeline_limit
        ),
        sample_interval=(
            over.sample_interval if over.sample_interval is not None else base.sample_interval
        ),
        keys=MappingProxyType({**base.keys, **over.keys}),
        presets=tuple(presets.values()),
        accept=(*base.accept, *over.accept),
        skipped=(*base.skipped, *over.skipped),
    )


# Where a key is written --------------------------------------------------------


def _header(line: str) -> tuple[str, ...] | None:
    stripped = line.strip()
    if not stripped.startswith("["):
        return None
    inner = "".join(char for char, _ in _scan(stripped)).strip().strip("[]").strip()
    return tuple(part.strip().strip("\"'") for part in inner.split("."))


def line_of(text: str, table: tuple[str, ...], key: str | None) -> int | None:
    """The line (1-based) where ``key`` of ``table`` is set, or the table's header.

    A best effort over the text (tomllib keeps no positions): exact for the plain
    ``[table]`` / ``key = value`` layout, the first mention of the key otherwise.
    """
    current: tuple[str, ...] = ()
    header_line = None
    mention = None
    for number, line in enumerate(text.splitlines(), 1):
        found = _header(line)
        if found is not None:
            current = found
            if current == table:
                header_line = number
            continue
        if key is None:
            continue
        name = line.split("=", 1)[0].strip().strip("\"'") if "=" in line else None
        if name is None:
            continue
        dotted = tuple(p.strip().strip("\"'") for p in name.split("."))
        if current == table and dotted[:1] == (key,):
            return number
        if (*current, *dotted)[-len((*table, key)) :] == (*table, key):
            return number
        if mention is None and re.search(rf"(^|[\s.{{,\"']){re.escape(key)}[\"']?\s*=", line):
            mention = number
    if key is not None and mention is not None:
        return mention
    return header_line


def _scan(line: str) -> Iterator[tuple[str, bool]]:
    """Each character of ``line`` before its comment, and whether it is part of a string."""
    quote = None
    escaped = False
    for char in line:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
            yield char, True
        elif char == "#":
            return
        elif char in "\"'":
            quote = char
            yield char, True
        else:
            yield char, False


def accept_entry_lines(text: str) -> list[int]:
    """The line each ``[audit] accept`` entry starts on, in order: a ``[[audit.accept]]``
    header, or where an element of ``accept = [...]`` begins."""
    found: list[int] = []
    table: tuple[str, ...] = ()
    depth = 0  # of [ ] inside `accept = [...]`; 0 when outside it
    braces = 0
    expecting = False  # at depth 1, between elements
    for number, line in enumerate(text.splitlines(), 1):
        if depth == 0:
            header = _header(line)
            if header is not None:
                table = header
                if line.strip().startswith("[[") and header == ("audit", "accept"):
                    found.append(number)
                continue
            name, equals, value = line.partition("=")
            dotted = tuple(p.strip().strip("\"'") for p in name.split("."))
            if not equals or (*table, *dotted) != ("audit", "accept"):
                continue
            line = value
        for char, quoted in _scan(line):
            starts = not char.isspace() and char != "," and (char != "]" or quoted)
            if depth == 1 and braces == 0 and expecting and starts:
                found.append(number)
                expecting = False
            if quoted:
                continue
            if char == "[" and braces == 0:
                depth += 1
                expecting = depth == 1
            elif char == "]" and braces == 0:
                depth -= 1
                if depth == 0:
                    break
            elif char == "{":
                braces += 1
            elif char == "}":
                braces -= 1
            elif char == "," and depth == 1 and braces == 0:
                expecting = True
    return found


# Parsing ---------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source

    def fail(self, table: tuple[str, ...], key: str | None, message: str) -> ConfigError:
        dotted = ".".join((*table, key) if key else table)
        return ConfigError(self.source, line_of(self.text, table, key), dotted, message)

    def unknown(
        self, data: Mapping[str, Any], allowed: tuple[str, ...], table: tuple[str, ...]
    ) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(table, key, f"unknown setting (known: {', '.join(allowed)})")

    def string(self, data: Mapping[str, Any], key: str, table: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(table, key, f"expected a string, got {_kind(value)}")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, table: tuple[str, ...]) -> bool | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(table, key, f"expected true or false, got {_kind(value)}")
        return value

    def count(self, data: Mapping[str, Any], key: str, table: tuple[str, ...]) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(table, key, f"expected a whole number from 1, got {value!r}")
        return value

    def seconds(self, data: Mapping[str, Any], key: str, table: tuple[str, ...]) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(table, key, f"expected seconds (0 or more), got {_kind(value)}")
        return float(value)

    def table(self, data: Mapping[str, Any], key: str, table: tuple[str, ...]) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(table, key, f"expected a table, got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _key(reader: _Reader, value: str, table: tuple[str, ...], key: str) -> str:
    if not _KEY_NAME.match(value):
        raise reader.fail(
            table, key, f"{value!r} is not a key name (write f2, ctrl+t, x; several as f2,ctrl+t)"
        )
    return value


def _preset(reader: _Reader, name: str, data: Any) -> Preset:
    table = ("presets", name)
    if not _PRESET_NAME.match(name):
        raise reader.fail(table, None, "a preset's name is letters, digits, - and _")
    if not isinstance(data, dict):
        raise reader.fail(("presets",), name, f"expected a table, got {_kind(data)}")
    reader.unknown(data, _PRESET_KEYS, table)
    ports = data.get("ports", [])
    if isinstance(ports, str):
        ports = [ports]
    if not isinstance(ports, list) or not all(isinstance(p, str) for p in ports):
        raise reader.fail(table, "ports", 'expected a list of -p specs, like ["8080:80"]')
    command = data.get("command", "")
    if isinstance(command, list) and all(isinstance(c, str) for c in command):
        command = shlex.join(command)
    if not isinstance(command, str):
        raise reader.fail(table, "command", "expected a string or a list of strings")
    key = reader.string(data, "key", table) or ""
    return Preset(
        name=name,
        key=_key(reader, key, table, "key") if key else "",
        description=reader.string(data, "description", table) or "",
        image=reader.string(data, "image", table) or "",
        mode=reader.string(data, "mode", table) or "bridge",
        publish_all=bool(reader.boolean(data, "publish_all", table)),
        ports=tuple(ports),
        command=command,
    )


def _acceptance(reader: _Reader, entry: Any, key: str, line: int | None) -> Acceptance:
    def fail(field: str, message: str) -> ConfigError:
        return ConfigError(reader.source, line, f"{key}.{field}" if field else key, message)

    if not isinstance(entry, dict):
        raise fail("", f'expected a table like {{check = "ND-...", reason = "..."}}, got '
                   f"{_kind(entry)}")  # fmt: skip
    for name in entry:
        if name not in _ACCEPT_KEYS:
            raise fail(name, f"unknown setting (known: {', '.join(_ACCEPT_KEYS)})")
    check = entry.get("check")
    if not isinstance(check, str):
        raise fail("check", 'missing: the id of the check to accept, like "ND-DEFAULT-BRIDGE"')
    problem = check_problem(check)
    if problem:
        raise fail("check", problem)
    subjects = entry.get("subjects", [])
    if isinstance(subjects, str):
        subjects = [subjects]
    if not isinstance(subjects, list) or not all(isinstance(g, str) for g in subjects):
        raise fail("subjects", 'expected a list of names or globs, like ["ci-runner-*"]')
    for glob in subjects:
        problem = glob_problem(glob)
        if problem:
            raise fail("subjects", problem)
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise fail("reason", "missing: say why the risk is accepted, for whoever reads it next")
    return Acceptance(check, reason.strip(), tuple(subjects), reader.source, line)


def _accepts(reader: _Reader, data: Mapping[str, Any]) -> tuple[list[Acceptance], list[str]]:
    """The accepted risks, and a message for each entry that cannot be used (left out)."""
    audit = reader.table(data, "audit", ())
    reader.unknown(audit, _AUDIT_KEYS, ("audit",))
    entries = audit.get("accept", [])
    if not isinstance(entries, list):
        raise reader.fail(
            ("audit",), "accept", "expected a list of {check, subjects, reason} tables"
        )
    lines: list[int | None] = list(accept_entry_lines(reader.text))
    if len(lines) != len(entries):  # a layout we do not follow: the key's line, then
        lines = [line_of(reader.text, ("audit",), "accept")] * len(entries)
    accepted, skipped = [], []
    for index, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        try:
            accepted.append(_acceptance(reader, entry, f"audit.accept[{index}]", line))
        except ConfigError as exc:
            skipped.append(f"{exc}; this entry is left out")
    return accepted, skipped


def parse_config(text: str, source: str) -> Config:
    """The settings in ``text`` (read from ``source``); ConfigError names line and key.

    An ``[audit] accept`` entry that cannot be used is left out and said why in
    ``Config.skipped``: one bad entry does not cost the other accepted risks."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        raise ConfigError(
            source, line, "", _TOML_POSITION.sub("", message).strip() + " (not valid TOML)"
        ) from exc
    reader = _Reader(text, source)
    reader.unknown(data, _TOP_KEYS, ())
    keys = reader.table(data, "keys", ())
    for binding_id, value in keys.items():
        if not isinstance(value, str):
            raise reader.fail(("keys",), binding_id, f"expected a key name, got {_kind(value)}")
        _key(reader, value, ("keys",), binding_id)
    presets = reader.table(data, "presets", ())
    accepted, skipped = _accepts(reader, data)
    return Config(
        read_only=reader.boolean(data, "read_only", ()),
        image=reader.string(data, "image", ()),
        timeline_limit=reader.count(data, "timeline_limit", ()),
        sample_interval=reader.seconds(data, "sample_interval", ()),
        keys=MappingProxyType(dict(keys)) if keys else EMPTY,
        presets=tuple(_preset(reader, name, value) for name, value in presets.items()),
        accept=tuple(accepted),
        skipped=tuple(skipped),
    )


def key_clashes(config: Config, taken: Mapping[str, str]) -> list[tuple[str, str]]:
    """(preset name, message) for each preset whose key another binding already has
    (``taken``: key -> what it does), or an earlier preset."""
    clashes = []
    seen: dict[str, str] = {}
    for p in config.presets:
        for key in filter(None, p.key.split(",")):
            if key in taken:
                clashes.append(
                    (
                        p.name,
                        f"preset {p.name}: key {key} is already "
                        f"{taken[key]!r}; the preset gets no key",
                    )
                )
            elif key in seen:
                clashes.append(
                    (
                        p.name,
                        f"preset {p.name}: key {key} is already preset "
                        f"{seen[key]}'s; the preset gets no key",
                    )
                )
            else:
                seen[key] = p.name
    return clashes


def without_keys(config: Config, names: set[str]) -> Config:
    """``config`` with the named presets unbound (kept, but with no key)."""
    return replace(
        config, presets=tuple(replace(p, key="") if p.name in names else p for p in config.presets)
    )
