"""What we learn of dockerd's configuration: from /info, its command line and daemon.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tui.core.daemon import hosts_of, normalize_host, parse_daemon_facts, parse_flags
from tui.core.model import DaemonFacts
from tui.engine.daemon import dockerd_cmdlines, find_dockerd, read_daemon_facts, read_daemon_json

# As this engine's /info reports them (dockerd 20.10, API 1.41).
PLAIN_WARNING = (
    "WARNING: API is accessible on http://127.0.0.1:2375 without encryption.\n"
    "         Access to the remote API is equivalent to root access on the host. Refer\n"
    "         to the 'Docker daemon attack surface' section in the documentation for\n"
    "         more information: https://docs.docker.com/go/attack-surface/"
)
UNVERIFIED_WARNING = (
    "[DEPRECATION NOTICE]: API is accessible on https://0.0.0.0:2376 without TLS client "
    "verification.\n  Access to the remote API is equivalent to root access on the host."
)


def test_a_plain_dockerd_has_the_defaults() -> None:
    facts = parse_daemon_facts({"IPv4Forwarding": True}, ["dockerd"], {}, "1\n")
    assert facts == DaemonFacts(
        icc=True,
        iptables=True,
        ip_forward=True,
        userland_proxy=True,
        hosts=("unix:///var/run/docker.sock",),
        tls=False,
        tls_verify=False,
        config_read=True,
    )


def test_flags_in_every_spelling() -> None:
    argv = [
        "/usr/bin/dockerd",
        "-H",
        "fd://",
        "-Htcp://0.0.0.0:2375",
        "--host=unix:///x.sock",
        "--icc=false",
        "--iptables=0",
        "--userland-proxy=false",
        "--containerd",
        "/run/containerd/containerd.sock",
        "-D",
    ]
    facts = parse_daemon_facts({}, argv, {}, None)
    assert (facts.icc, facts.iptables, facts.userland_proxy) == (False, False, False)
    assert facts.hosts == ("fd://", "tcp://0.0.0.0:2375", "unix:///x.sock")
    assert not facts.tls


def test_daemon_json_when_the_command_line_is_silent() -> None:
    config = {
        "icc": False,
        "userland-proxy": False,
        "hosts": ["tcp://:2376"],
        "tls": True,
        "tlsverify": True,
    }
    facts = parse_daemon_facts({}, ["dockerd"], config, None)
    assert (facts.icc, facts.iptables, facts.userland_proxy) == (False, True, False)
    assert facts.hosts == ("tcp://localhost:2376",)
    assert (facts.tls, facts.tls_verify) == (True, True)


def test_tlsverify_turns_tls_on() -> None:
    facts = parse_daemon_facts({}, ["dockerd", "-H", "tcp://0.0.0.0:2376", "--tlsverify"], {}, None)
    assert (facts.tls, facts.tls_verify) == (True, True)
    facts = parse_daemon_facts({}, ["dockerd", "--tls", "--tlsverify=false"], {}, None)
    assert (facts.tls, facts.tls_verify) == (True, False)


def test_unknown_when_the_daemon_cannot_be_read() -> None:
    remote = parse_daemon_facts({"IPv4Forwarding": False}, None, None, None)
    assert remote == DaemonFacts(ip_forward=False)
    # The command line is known but daemon.json is unreadable: an option not on the command
    # line may be set in the file, so it stays unknown.
    facts = parse_daemon_facts({}, ["dockerd", "--icc=false"], None, None)
    assert (facts.icc, facts.iptables, facts.config_read) == (False, None, False)


def test_ip_forward_from_info_first_then_the_host() -> None:
    assert parse_daemon_facts({"IPv4Forwarding": False}, None, None, "1").ip_forward is False
    assert parse_daemon_facts({}, None, None, "0\n").ip_forward is False
    assert parse_daemon_facts({}, None, None, None).ip_forward is None


def test_api_warnings_of_a_remote_engine() -> None:
    plain = parse_daemon_facts({"Warnings": [PLAIN_WARNING]}, None, None, None)
    assert (plain.hosts, plain.tls) == (("tcp://127.0.0.1:2375",), False)
    unverified = parse_daemon_facts({"Warnings": [UNVERIFIED_WARNING]}, None, None, None)
    assert unverified.hosts == ("tcp://0.0.0.0:2376",)
    assert (unverified.tls, unverified.tls_verify) == (True, False)


def test_host_normalisation_as_dockerd_does_it() -> None:
    assert normalize_host(":2375") == "tcp://localhost:2375"
    assert normalize_host("tcp://0.0.0.0") == "tcp://0.0.0.0:2375"
    assert normalize_host("tcp://[::]:2375") == "tcp://[::]:2375"
    assert normalize_host("unix://") == "unix:///var/run/docker.sock"
    assert normalize_host("fd://") == "fd://"
    assert hosts_of(["dockerd"], {"hosts": ["unix:///a.sock"]}) == ("unix:///a.sock",)
    assert hosts_of(["dockerd"], None) == ("unix:///var/run/docker.sock",)


FLAG_WORDS = [
    "-H",
    "--host",
    "--icc",
    "--icc=",
    "-",
    "--",
    "=",
    "tcp://:x",
    "--tls",
    "-b",
    "--config-file",
    "--iptables=maybe",
    "x",
]


@given(
    st.lists(st.sampled_from(FLAG_WORDS) | st.text(max_size=12)),
    st.one_of(
        st.none(),
        st.dictionaries(
            st.text(max_size=8),
            st.one_of(st.booleans(), st.text(max_size=8), st.lists(st.text(max_size=8)), st.none()),
        ),
    ),
    st.one_of(st.none(), st.text(max_size=4)),
    st.one_of(
        st.none(),
        st.dictionaries(
            st.text(max_size=8),
            st.one_of(st.booleans(), st.text(), st.lists(st.text()), st.integers()),
        ),
    ),
)
def test_any_input_yields_facts(argv: list[str], config: Any, forward: Any, info: Any) -> None:
    facts = parse_daemon_facts(info, ["dockerd", *argv], config, forward)
    assert isinstance(facts, DaemonFacts)
    parse_flags(argv)


# The host reader ---------------------------------------------------------------------------------


def _fake_proc(root: Path, processes: dict[int, tuple[str, list[str]]]) -> str:
    for pid, (comm, argv) in processes.items():
        d = root / str(pid)
        d.mkdir()
        (d / "comm").write_text(comm + "\n")
        (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (root / "self").mkdir()
    return str(root)


def test_finds_the_dockerd_serving_the_endpoint(tmp_path: Path) -> None:
    proc = _fake_proc(
        tmp_path,
        {
            10: ("dockerd", ["/usr/bin/dockerd", "-H", "fd://"]),
            20: ("dockerd", ["dockerd", "-H", "unix:///tmp/x/docker.sock", "--icc=false"]),
            30: ("bash", ["bash", "-c", "dockerd"]),
        },
    )
    cmdlines = dockerd_cmdlines(proc)
    assert [c[0] for c in cmdlines] == ["/usr/bin/dockerd", "dockerd"]
    found = find_dockerd("unix:///tmp/x/docker.sock", cmdlines, lambda path: {})
    assert found is not None and "--icc=false" in found[0]
    # The system's socket, handed over by systemd.
    found = find_dockerd("unix:///var/run/docker.sock", cmdlines, lambda path: {})
    assert found is not None and found[0][0] == "/usr/bin/dockerd"
    assert find_dockerd("unix:///elsewhere.sock", cmdlines, lambda path: {}) is None


def test_hosts_and_config_file_from_the_daemon_s_own_daemon_json(tmp_path: Path) -> None:
    config = tmp_path / "d.json"
    config.write_text(json.dumps({"hosts": ["unix:///tmp/y.sock"], "icc": False}))
    argv = ["dockerd", "--config-file", str(config)]
    found = find_dockerd("unix:///tmp/y.sock", [argv], read_daemon_json)
    assert found == (argv, {"hosts": ["unix:///tmp/y.sock"], "icc": False})


def test_daemon_json_missing_unreadable_or_broken(tmp_path: Path) -> None:
    assert read_daemon_json(str(tmp_path / "none.json")) == {}
    (tmp_path / "bad.json").write_text("{nope")
    assert read_daemon_json(str(tmp_path / "bad.json")) is None
    assert read_daemon_json(str(tmp_path)) is None  # a directory: unreadable as a file


def test_a_remote_engine_reads_nothing_of_this_host() -> None:
    facts = read_daemon_facts({"IPv4Forwarding": True}, "tcp://10.1.2.3:2376", local=False)
    assert facts == DaemonFacts(ip_forward=True)
