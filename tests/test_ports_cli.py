"""``netdock ports`` on hand-made states: what it prints and the ``--check`` exit codes.

The engine-backed runs (each kind found, exit 1 and 2) are in test_ports_engine.
"""

from __future__ import annotations

import json

import pytest
from port_states import created, proxy, published, running, state, wants

from tui.cli import parse_args
from tui.cli import ports as ports_cli
from tui.cli.common import EngineRead
from tui.core.model import Listener
from tui.core.state import HostState
from tui.engine.endpoint import EngineEndpoint


def run(monkeypatch: pytest.MonkeyPatch, host: HostState, *argv: str) -> int:
    endpoint = EngineEndpoint("unix:///var/run/docker.sock", "default")
    monkeypatch.setattr(ports_cli, "load_states", lambda args: [EngineRead(endpoint, host)])
    args = parse_args(["ports", *argv])
    code: int = args.func(args)
    return code


CLEAN = state(running("web", *published(32768, dynamic=True)), listeners=[proxy(32768)])
WARNED = state(running("web", *published(40000)))
HELD = state(running("web", *published(9090)), created("old", wants(9090)))


@pytest.mark.parametrize(("host", "code"), [(CLEAN, 0), (WARNED, 0), (HELD, 1)])
def test_check_exit_codes(monkeypatch: pytest.MonkeyPatch, host: HostState, code: int) -> None:
    assert run(monkeypatch, host, "--check") == code


def test_check_prints_each_finding(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    run(monkeypatch, CLEAN, "--check")
    assert capsys.readouterr().out == "no port collisions\n"
    run(monkeypatch, state(*HELD.containers.values(), running("w", *published(40000))), "--check")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("conflict: held 9090/tcp (0.0.0.0): Starting old will fail")
    assert out[1].startswith("warning: in-dynamic-range 40000/tcp (0.0.0.0, ::): w uses")


def test_json_with_check_prints_the_document_and_still_fails(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert run(monkeypatch, HELD, "--json", "--check") == 1
    doc = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in doc["conflicts"]] == ["held"]


def test_table_shows_bindings_other_listeners_and_findings(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    host = state(
        *HELD.containers.values(),
        listeners=[proxy(9090), Listener("tcp", "0.0.0.0", 22, 1, "sshd")],
    )
    assert run(monkeypatch, host) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "HOST",
        "IP",
        "HOST",
        "PORT",
        "PROTO",
        "CONTAINER",
        "PORT",
        "STATE",
        "BINDING",
        "CONFLICT",
    ]
    assert lines[1].split() == [
        "0.0.0.0",
        "9090",
        "tcp",
        "old",
        "80",
        "created",
        "configured",
        "fixed",
        "held",
    ]
    # The engine's proxy is web's binding, not a listener of its own.
    assert "docker-proxy" not in out
    assert "tcp    0.0.0.0  22    1    sshd     -" in out
    assert "conflict: held 9090/tcp" in out
