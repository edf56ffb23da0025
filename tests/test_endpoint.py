"""Choosing engines: the docker CLI's context store, the environment, and ssh's command line.

The store is written here in the docker CLI's own layout (test_remote_engines has the CLI
itself create contexts and netdock read them)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tui.engine.endpoint import (
    DEFAULT_SOCKET,
    EndpointError,
    resolve_endpoint,
    resolve_endpoints,
)
from tui.engine.sshdial import ssh_argv
from tui.ui.engines import short_label


def context(config: Path, name: str, host: str, skip_verify: bool = False, tls=()) -> None:
    cid = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / cid
    meta.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": skip_verify}
    document = {"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}
    (meta / "meta.json").write_text(json.dumps(document))
    if tls:
        files = config / "contexts" / "tls" / cid / "docker"
        files.mkdir(parents=True)
        for f in tls:
            (files / f).write_text("pem")


def test_the_default_is_docker_host_then_the_current_context_then_the_socket(tmp_path):
    context(tmp_path, "prod", "tcp://prod:2376")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "prod"}))
    env = {"DOCKER_CONFIG": str(tmp_path)}
    assert resolve_endpoint(env=env).url == "tcp://prod:2376"
    assert resolve_endpoint(env={**env, "DOCKER_HOST": "tcp://other:2375"}).url == (
        "tcp://other:2375"
    )
    assert resolve_endpoint(env={"DOCKER_CONFIG": str(tmp_path / "none")}).url == DEFAULT_SOCKET


def test_tls_applies_as_the_docker_cli_applies_it(tmp_path):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    context(tmp_path, "plain", "tcp://plain:2375")
    context(tmp_path, "skip", "tcp://skip:2376", skip_verify=True)
    context(tmp_path, "full", "tcp://full:2376", tls=("ca.pem", "cert.pem", "key.pem"))
    context(tmp_path, "sock", "unix:///run/other.sock", tls=("ca.pem",))
    context(tmp_path, "far", "ssh://me@far")
    chosen = [("context", n) for n in ("plain", "skip", "full", "sock", "far")]
    plain, skip, full, sock, far = resolve_endpoints(chosen, env=env)
    assert plain.tls is None and sock.tls is None and far.tls is None
    assert skip.tls is not None and not skip.tls.verify and skip.tls.ca is None
    assert full.tls is not None and full.tls.verify
    assert full.tls.cert and full.tls.cert.endswith("/docker/cert.pem")
    assert [e.name for e in (plain, skip, full, sock, far)] == [n for _, n in chosen]


def test_several_engines_in_order_each_once_and_every_context(tmp_path):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    context(tmp_path, "b", "tcp://b:2375")
    context(tmp_path, "a", "tcp://a:2375")
    chosen = [("host", "tcp://x:1"), ("context", "b"), ("host", "tcp://x:1")]
    assert [e.url for e in resolve_endpoints(chosen, env=env)] == ["tcp://x:1", "tcp://b:2375"]
    every = resolve_endpoints([("context", "b")], all_contexts=True, env=env)
    assert [e.name for e in every] == ["b", "default", "a"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ((), "does not exist"),
        (("ca.pem", "cert.pem"), "key.pem is missing"),
        (("ca.pem", "key.pem"), "cert.pem is missing"),
    ],
)
def test_a_broken_context_is_one_line_naming_it(tmp_path, files, message):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    if files:
        context(tmp_path, "broken", "tcp://b:2376", tls=files)
    with pytest.raises(EndpointError, match=message) as raised:
        resolve_endpoints([("context", "broken")], env=env)
    assert "'broken'" in str(raised.value) and "\n" not in str(raised.value)


def test_an_empty_tls_directory_is_refused(tmp_path):
    context(tmp_path, "empty", "tcp://e:2376", tls=("ca.pem",))
    for f in (tmp_path / "contexts" / "tls").rglob("*.pem"):
        f.unlink()
    with pytest.raises(EndpointError, match="no TLS files"):
        resolve_endpoints([("context", "empty")], env={"DOCKER_CONFIG": str(tmp_path)})


def test_ssh_as_the_docker_cli_runs_it():
    assert ssh_argv("ssh://deploy@build-01:2200") == [
        "ssh", "-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes",
        "-l", "deploy", "-p", "2200", "--", "build-01", "docker", "system", "dial-stdio",
    ]  # fmt: skip
    assert ssh_argv("ssh://h/run/d.sock")[-4:] == [
        "docker", "--host=unix:///run/d.sock", "system", "dial-stdio"
    ]  # fmt: skip


def test_engine_names_for_the_column():
    assert short_label(DEFAULT_SOCKET) == "local"
    assert short_label("tcp://10.0.0.2:2376") == "10.0.0.2:2376"
    assert short_label("ssh://me@build-01:22/run/docker.sock") == "build-01"
    assert short_label("unix:///tmp/d.sock") == "/tmp/d.sock"
