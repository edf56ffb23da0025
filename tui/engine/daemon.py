"""Read what the host tells of the daemon: dockerd's command line, daemon.json, ip_forward.

Only for a local engine; the parsing is ``tui.core.daemon``'s. Several dockerd
processes may run (a test engine beside the system's): the one whose ``-H``
matches the endpoint we talk to is ours, and when none can be told apart we
read nothing rather than another daemon's flags.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tui.core.backend import JSON
from tui.core.daemon import DEFAULT_HOST, config_file_of, hosts_of, parse_daemon_facts
from tui.core.model import DaemonFacts

DAEMON_JSON = "/etc/docker/daemon.json"
IP_FORWARD = "/proc/sys/net/ipv4/ip_forward"
PROC = "/proc"


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def dockerd_processes(proc: str = PROC) -> list[tuple[int, list[str]]]:
    """The pid and argv of every dockerd process on this host."""
    found = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    for pid in sorted((e for e in entries if e.isdigit()), key=int):
        if (_read(f"{proc}/{pid}/comm") or "").strip() != "dockerd":
            continue
        try:
            raw = Path(f"{proc}/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
        if argv:
            found.append((int(pid), argv))
    return found


def dockerd_cmdlines(proc: str = PROC) -> list[list[str]]:
    """The argv of every dockerd process on this host."""
    return [argv for _, argv in dockerd_processes(proc)]


def read_daemon_json(path: str) -> dict[str, Any] | None:
    """daemon.json: {} when there is none, None when it cannot be read or parsed."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _same_socket(a: str, b: str) -> bool:
    """Two ``unix://`` URLs naming one socket (/var/run is a link to /run)."""
    if not (a.startswith("unix://") and b.startswith("unix://")):
        return False
    return os.path.realpath(a[len("unix://") :]) == os.path.realpath(b[len("unix://") :])


def _tcp_key(url: str) -> str:
    return url.replace("tcp://localhost:", "tcp://127.0.0.1:").replace("http://", "tcp://")


def find_dockerd(
    endpoint: str, cmdlines: Sequence[list[str]], config_of: Callable[[str], dict[str, Any] | None]
) -> tuple[list[str], dict[str, Any] | None] | None:
    """The dockerd serving ``endpoint``, with its daemon.json; None when it cannot be told."""
    socket_activated = []
    for argv in cmdlines:
        config = config_of(config_file_of(argv) or DAEMON_JSON)
        hosts = hosts_of(argv, config)
        for host in hosts:
            if _same_socket(host, endpoint) or _tcp_key(host) == _tcp_key(endpoint):
                return argv, config
        if "fd://" in hosts:
            socket_activated.append((argv, config))
    # systemd hands the default socket over as fd://.
    if len(socket_activated) == 1 and _same_socket(endpoint, DEFAULT_HOST):
        return socket_activated[0]
    return None


def dockerd_pid(endpoint: str, proc: str = PROC) -> int | None:
    """The pid of the dockerd serving ``endpoint``; None when it cannot be told."""
    processes = dockerd_processes(proc)
    found = find_dockerd(endpoint, [argv for _, argv in processes], read_daemon_json)
    if found is None:
        return None
    return next(pid for pid, argv in processes if argv is found[0])


def read_daemon_facts(info: JSON, endpoint: str, local: bool) -> DaemonFacts:
    """What the engine's ``/info`` says, plus, for a local engine, what the host says."""
    if not local:
        return parse_daemon_facts(info, None, None, None)
    found = find_dockerd(endpoint, dockerd_cmdlines(), read_daemon_json)
    cmdline, config = found if found is not None else (None, None)
    return parse_daemon_facts(info, cmdline, config, _read(IP_FORWARD))


def daemon_reader(endpoint: str, local: bool) -> Callable[[JSON], DaemonFacts]:
    """A reader for ``Live(read_daemon=...)``, bound to one engine."""
    return lambda info: read_daemon_facts(info, endpoint, local)
