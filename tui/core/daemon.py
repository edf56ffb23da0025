"""The daemon's configuration, from ``/info``, dockerd's command line and daemon.json. Pure.

The API tells little of how dockerd was started: ``--icc``, ``--iptables`` and
``--userland-proxy`` are visible only in its command line or daemon.json, which
only a local reader can see. ``/info`` does tell whether IPv4 forwarding is on
(as the daemon's own network namespace sees it) and, in its warnings, which TCP
endpoints the API is served on without TLS or without client verification, so
those two are known for a remote engine too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from tui.core.model import DaemonFacts

DEFAULT_HOST = "unix:///var/run/docker.sock"
_DEFAULT_TCP_HOST = "localhost"
_DEFAULT_TCP_PORT = 2375
_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}
# dockerd's /info warnings (20.10 and later; newer engines prefix "[DEPRECATION NOTICE]").
_PLAIN_API = re.compile(r"API is accessible on http://(\S+) without encryption")
_UNVERIFIED_API = re.compile(r"API is accessible on https://(\S+) without TLS client verification")

_SHORT = {"H": "host", "b": "bridge", "D": "debug", "l": "log-level", "G": "group", "p": "pidfile"}
# Flags whose value may come as the next argument; any other bare flag is a boolean. A
# value flag missing here costs little: its value, not starting with "-", is skipped.
_VALUE_FLAGS = {
    "host",
    "config-file",
    "bridge",
    "log-level",
    "group",
    "pidfile",
    "data-root",
    "exec-root",
    "ip",
    "bip",
    "containerd",
    "tlscacert",
    "tlscert",
    "tlskey",
}


def go_bool(text: str) -> bool | None:
    """A value as Go's strconv.ParseBool reads it; None when it is not one."""
    return True if text in _TRUE else False if text in _FALSE else None


def parse_flags(args: Sequence[str]) -> dict[str, list[str]]:
    """dockerd's arguments (without argv[0]) -> flag name -> the values given, in order.

    A boolean flag given bare (``--tlsverify``) has the value ``"true"``. Flags of
    ours to read are few, but every value-taking flag must be known, or the value
    after it would be mistaken for the next flag.
    """
    flags: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        name: str | None = None
        value: str | None = None
        if arg.startswith("--") and len(arg) > 2:
            name, eq, rest = arg[2:].partition("=")
            value = rest if eq else None
        elif arg.startswith("-") and len(arg) > 1 and arg[1] in _SHORT:
            name = _SHORT[arg[1]]
            rest = arg[2:]
            value = rest[1:] if rest.startswith("=") else (rest or None)
        if name is None:
            continue
        if value is None:
            if name in _VALUE_FLAGS and i < len(args):
                value = args[i]
                i += 1
            else:
                value = "true"
        flags.setdefault(name, []).append(value)
    return flags


def normalize_host(raw: str) -> str:
    """A ``-H`` value as dockerd understands it (``:2375`` -> ``tcp://localhost:2375``)."""
    host = raw.strip()
    if not host:
        return DEFAULT_HOST
    scheme, sep, rest = host.partition("://")
    if not sep:
        scheme, rest = "tcp", host
    if scheme == "unix":
        return f"unix://{rest or '/var/run/docker.sock'}"
    if scheme != "tcp":
        return f"{scheme}://{rest}"
    try:
        parts = urlsplit(f"tcp://{rest}")
        port = parts.port or _DEFAULT_TCP_PORT
    except ValueError:  # not an address urllib can split (a stray "[", a bad port)
        return f"tcp://{rest}"
    hostname = parts.hostname or _DEFAULT_TCP_HOST
    if ":" in hostname:
        hostname = f"[{hostname}]"
    return f"tcp://{hostname}:{port}"


def is_tcp(host: str) -> bool:
    return host.startswith("tcp://")


def is_loopback(host: str) -> bool:
    """A ``tcp://`` host reachable only from this machine."""
    try:
        name = urlsplit(host).hostname or ""
    except ValueError:
        return False
    return name in ("localhost", "::1", "ip6-localhost") or name.startswith("127.")


def _json_bool(config: Mapping[str, Any], key: str) -> bool | None:
    value = config.get(key)
    return value if isinstance(value, bool) else None


def _flag_bool(flags: Mapping[str, list[str]], name: str) -> bool | None:
    values = flags.get(name)
    return go_bool(values[-1]) if values else None


def _setting(
    flags: Mapping[str, list[str]] | None,
    config: Mapping[str, Any] | None,
    key: str,
    default: bool,
) -> bool | None:
    """A boolean option (its flag and daemon.json key share the name).

    The flag, else daemon.json, else dockerd's default when both were read.
    """
    if flags is not None:
        found = _flag_bool(flags, key)
        if found is not None:
            return found
    if config is not None:
        found = _json_bool(config, key)
        if found is not None:
            return found
    return default if flags is not None and config is not None else None


def _warned_hosts(info: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """TCP endpoints /info warns about: (without TLS, with TLS but no verification)."""
    plain: list[str] = []
    unverified: list[str] = []
    warnings = info.get("Warnings")
    for warning in warnings if isinstance(warnings, list) else []:
        if not isinstance(warning, str):
            continue
        plain += (f"tcp://{m}" for m in _PLAIN_API.findall(warning))
        unverified += (f"tcp://{m}" for m in _UNVERIFIED_API.findall(warning))
    return [normalize_host(h) for h in plain], [normalize_host(h) for h in unverified]


def config_file_of(cmdline: Sequence[str]) -> str | None:
    """The ``--config-file`` dockerd was given, if any."""
    values = parse_flags(list(cmdline[1:])).get("config-file")
    return values[-1] if values else None


def hosts_of(cmdline: Sequence[str], daemon_json: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Where dockerd serves its API: ``-H`` flags, else daemon.json's hosts, else its default."""
    flags = parse_flags(list(cmdline[1:]))
    raw = list(flags.get("host", []))
    if not raw and daemon_json is not None:
        listed = daemon_json.get("hosts")
        raw = [h for h in listed if isinstance(h, str)] if isinstance(listed, list) else []
    return tuple(dict.fromkeys(normalize_host(h) for h in raw)) or (DEFAULT_HOST,)


def parse_daemon_facts(
    info_json: Any,
    cmdline: Sequence[str] | None,
    daemon_json: Any,
    ip_forward: str | None,
) -> DaemonFacts:
    """What we know of the daemon's configuration.

    ``cmdline`` is dockerd's argv (None when not local, or not found);
    ``daemon_json`` its parsed config file ({} when there is none, None when it
    could not be read); ``ip_forward`` the host's ``net.ipv4.ip_forward``.
    An option is None unless a source says it, or both the command line and
    daemon.json were read (then dockerd's default holds).
    """
    info: Mapping[str, Any] = info_json if isinstance(info_json, Mapping) else {}
    config: Mapping[str, Any] | None = daemon_json if isinstance(daemon_json, Mapping) else None
    flags = parse_flags(list(cmdline[1:])) if cmdline is not None else None

    forwarding = info.get("IPv4Forwarding")
    if isinstance(forwarding, bool):
        ip_forward_on: bool | None = forwarding
    else:
        ip_forward_on = go_bool((ip_forward or "").strip())

    tls = _setting(flags, config, "tls", False)
    tls_verify = _setting(flags, config, "tlsverify", False)
    if tls_verify:
        # dockerd turns TLS on whenever --tlsverify is given.
        tls = True
    plain, unverified = _warned_hosts(info)
    hosts: list[str] = []
    if flags is not None:
        hosts += hosts_of(cmdline or (), config)
    if plain:
        tls, tls_verify = False, False
    elif unverified:
        tls, tls_verify = True, False
    hosts += plain + unverified
    return DaemonFacts(
        icc=_setting(flags, config, "icc", True),
        iptables=_setting(flags, config, "iptables", True),
        ip_forward=ip_forward_on,
        userland_proxy=_setting(flags, config, "userland-proxy", True),
        hosts=tuple(dict.fromkeys(hosts)),
        tls=bool(tls),
        tls_verify=bool(tls_verify),
        config_read=flags is not None and config is not None,
    )
