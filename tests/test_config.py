"""Settings: the shipped presets, the user's file on top, and errors naming file, line and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.config import (
    Config,
    ConfigError,
    Preset,
    accept_entry_lines,
    key_clashes,
    merge,
    parse_config,
)
from tui.engine.config_files import load_config, shipped_text, user_config_path

ROOT = Path(__file__).resolve().parent.parent


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "/home/u/.config/netdock/config.toml")
    return str(caught.value)


def test_the_documented_example_is_the_shipped_file_and_parses():
    # Two files, one text: config/ is where the README sends readers, tui/data/ is what an
    # installed netdock reads (package data cannot come from outside the package).
    documented = (ROOT / "config" / "presets.toml").read_bytes()
    shipped = (ROOT / "tui" / "data" / "presets.toml").read_bytes()
    assert documented == shipped, "edit tui/data/presets.toml, then copy it to config/"
    assert shipped.decode() == shipped_text()
    config = parse_config(shipped_text(), "presets.toml")
    assert [(p.name, p.key, p.mode) for p in config.presets] == [
        ("bridge", "f2", "bridge"),
        ("host", "f3", "host"),
        ("join", "f4", "container"),
        ("none", "f5", "none"),
    ]
    assert config.read_only is None and config.preset("bridge").publish_all


def test_a_full_user_file():
    config = parse_config(
        'read_only = true\nimage = "nginx:alpine"\n[keys]\nstop = "x"\n'
        '[presets.web]\nkey = "ctrl+w"\nports = ["8080:80", "127.0.0.1::443"]\n'
        'command = ["sh", "-c", "echo hi"]\nmode = "front"\n',
        "c.toml",
    )
    assert config.read_only is True and config.image == "nginx:alpine"
    assert dict(config.keys) == {"stop": "x"}
    assert config.presets == (
        Preset(
            "web",
            key="ctrl+w",
            mode="front",
            ports=("8080:80", "127.0.0.1::443"),
            command="sh -c 'echo hi'",
        ),
    )


def test_errors_name_the_file_the_line_and_the_key():
    assert error_of('image = "x"\nread_only = "yes"\n') == (
        "/home/u/.config/netdock/config.toml, line 2: read_only: expected true or false, "
        "got a string"
    )
    assert error_of('# presets\n\n[presets.web]\nmode = "host"\nports = 8080\n') == (
        "/home/u/.config/netdock/config.toml, line 5: presets.web.ports: expected a list of -p "
        'specs, like ["8080:80"]'
    )
    assert error_of('[presets.web]\nimgae = "nginx"\n').startswith(
        "/home/u/.config/netdock/config.toml, line 2: presets.web.imgae: unknown setting"
    )
    assert error_of('[keys]\nstop = "Ctrl S"\n').startswith(
        "/home/u/.config/netdock/config.toml, line 2: keys.stop: 'Ctrl S' is not a key name"
    )
    assert error_of("[presets]\nweb = { image = 5 }\n") == (
        "/home/u/.config/netdock/config.toml, line 2: presets.web.image: expected a string, "
        "got a number"
    )


def test_invalid_toml_names_its_line():
    assert error_of("read_only = true\n[presets.web\n") == (
        "/home/u/.config/netdock/config.toml, line 2: Expected ']' at the end of a table "
        "declaration (not valid TOML)"
    )


def test_the_users_file_wins_key_by_key_and_preset_by_preset():
    shipped = Config(
        read_only=False, image="a", presets=(Preset("web", key="f2"), Preset("db", key="f3"))
    )
    user = Config(read_only=True, presets=(Preset("web", key="f9", mode="host"),))
    merged = merge(shipped, user)
    assert merged.read_only is True and merged.image == "a"
    assert merged.presets == (Preset("web", key="f9", mode="host"), Preset("db", key="f3"))


def test_preset_keys_that_clash_are_reported():
    config = Config(presets=(Preset("a", key="s"), Preset("b", key="f2"), Preset("c", key="f2")))
    assert key_clashes(config, {"s": "Stop"}) == [
        ("a", "preset a: key s is already 'Stop'; the preset gets no key"),
        ("c", "preset c: key f2 is already preset b's; the preset gets no key"),
    ]


def test_load_config_reads_the_xdg_file_and_falls_back_to_defaults(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": "/nonexistent"}
    path = user_config_path(env)
    assert path == tmp_path / "netdock" / "config.toml"
    config, problems = load_config(env)
    assert problems == [] and config.preset("bridge") is not None

    path.parent.mkdir()
    path.write_text('read_only = true\n[presets.bridge]\nkey = "f9"\nimage = "x:1"\n')
    config, problems = load_config(env)
    assert problems == [] and config.read_only is True
    assert config.preset("bridge") == Preset("bridge", key="f9", image="x:1")
    assert config.preset("host") is not None

    path.write_text('read_only = true\n[presets.bridge]\nports = "8080:80"\nmode = 3\n')
    config, problems = load_config(env)
    assert problems == [
        f"{path}, line 4: presets.bridge.mode: expected a string, got a number; using the defaults"
    ]
    assert config.read_only is None and config.preset("bridge").key == "f2"


def test_home_default_when_xdg_is_unset():
    assert user_config_path({"HOME": "/home/u"}) == Path("/home/u/.config/netdock/config.toml")


# Accepted risks: [audit] accept ------------------------------------------------------

INLINE = """read_only = true

[audit]
accept = [
  {check = "ND-DEFAULT-BRIDGE", subjects = ["ci-runner-*"], reason = "CI runners are throwaway"},
  {check = "ND-NET-HOST", subjects = "edge", reason = "edge is the host's load balancer"},
  {check = "ND-USERLAND-PROXY", reason = "  hairpin NAT is off on this kernel "},
]
"""
TABLES = """[[audit.accept]]
check = "ND-DEFAULT-BRIDGE"
subjects = ["ci-runner-*", "build-[0-9]*"]
reason = "CI runners are throwaway"

[[audit.accept]]   # a comment
check = "ND-NET-HOST"
reason = "edge"
"""
SOURCE = "/home/u/.config/netdock/config.toml"


def test_accepted_risks_in_either_toml_layout_with_their_lines():
    config = parse_config(INLINE, SOURCE)
    assert config.skipped == () and config.read_only is True
    assert [(a.check, a.subjects, a.reason, a.line) for a in config.accept] == [
        ("ND-DEFAULT-BRIDGE", ("ci-runner-*",), "CI runners are throwaway", 5),
        ("ND-NET-HOST", ("edge",), "edge is the host's load balancer", 6),
        ("ND-USERLAND-PROXY", (), "hairpin NAT is off on this kernel", 7),
    ]
    assert {a.source for a in config.accept} == {SOURCE}
    config = parse_config(TABLES, SOURCE)
    assert [(a.check, a.subjects, a.line) for a in config.accept] == [
        ("ND-DEFAULT-BRIDGE", ("ci-runner-*", "build-[0-9]*"), 1),
        ("ND-NET-HOST", (), 6),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{check = "ND-DEFAULT-BRIGDE", reason = "x"}',
         "audit.accept[1].check: unknown check 'ND-DEFAULT-BRIGDE' (did you mean "
         "ND-DEFAULT-BRIDGE?)"),
        ('{check = "ND-WHATEVER", reason = "x"}',
         "audit.accept[1].check: unknown check 'ND-WHATEVER' (the README's table lists the "
         "checks)"),
        ('{check = "ND-NET-HOST", subjects = ["edge["], reason = "x"}',
         "audit.accept[1].subjects: 'edge[' opens a [ it does not close (write [[] for a "
         "literal [)"),
        ('{check = "ND-NET-HOST", subjects = [""], reason = "x"}',
         "audit.accept[1].subjects: an empty subject matches nothing"),
        ('{check = "ND-NET-HOST", subjects = [3], reason = "x"}',
         'audit.accept[1].subjects: expected a list of names or globs, like ["ci-runner-*"]'),
        ('{check = "ND-NET-HOST"}',
         "audit.accept[1].reason: missing: say why the risk is accepted, for whoever reads it "
         "next"),
        ('{check = "ND-NET-HOST", reason = " "}',
         "audit.accept[1].reason: missing: say why the risk is accepted, for whoever reads it "
         "next"),
        ('{reason = "x"}',
         'audit.accept[1].check: missing: the id of the check to accept, like '
         '"ND-DEFAULT-BRIDGE"'),
        ('{check = "ND-NET-HOST", reason = "x", until = 2027}',
         "audit.accept[1].until: unknown setting (known: check, subjects, reason)"),
        ('{check = "ND-ACCEPT-STALE", reason = "x"}',
         "audit.accept[1].check: ND-ACCEPT-STALE cannot be accepted: remove or correct the "
         "stale entry instead"),
        ('"ND-NET-HOST"',
         'audit.accept[1]: expected a table like {check = "ND-...", reason = "..."}, got a '
         "string"),
    ],
)  # fmt: skip
def test_a_bad_entry_names_file_line_and_key_and_changes_nothing_else(entry, message):
    text = (
        'image = "nginx:alpine"\n[audit]\naccept = [\n'
        '  {check = "ND-NET-HOST", reason = "edge"},\n'
        f"  {entry},\n"
        '  {check = "ND-CAP-ADD", subjects = ["vpn"], reason = "routes"},\n]\n'
    )
    config = parse_config(text, SOURCE)
    assert config.skipped == (f"{SOURCE}, line 5: {message}; this entry is left out",)
    assert [a.check for a in config.accept] == ["ND-NET-HOST", "ND-CAP-ADD"]
    assert config.image == "nginx:alpine"


def test_audit_settings_that_are_not_entries_are_errors_of_the_file():
    assert error_of('[audit]\naccept = "ND-NET-HOST"\n') == (
        f"{SOURCE}, line 2: audit.accept: expected a list of {{check, subjects, reason}} tables"
    )
    assert error_of("[audit]\nignore = []\n") == (
        f"{SOURCE}, line 2: audit.ignore: unknown setting (known: accept)"
    )


def test_load_config_reports_entries_left_out_and_keeps_the_rest(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": "/nonexistent"}
    path = user_config_path(env)
    path.parent.mkdir()
    path.write_text(TABLES + '\n[[audit.accept]]\ncheck = "ND-NOPE"\nreason = "x"\n')
    config, problems = load_config(env)
    assert problems == [
        f"{path}, line 10: audit.accept[2].check: unknown check 'ND-NOPE' (the README's table "
        "lists the checks); this entry is left out"
    ]
    assert [a.check for a in config.accept] == ["ND-DEFAULT-BRIDGE", "ND-NET-HOST"]
    assert config.preset("bridge") is not None  # the shipped presets, merged as ever


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.sampled_from("ab {}[]#,=\"\\'"), max_size=12),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_each_inline_entry_is_found_on_its_line_whatever_its_reason_holds(entries):
    """Reasons full of brackets, braces, quotes and hashes do not shift the lines."""
    text = "[audit]\naccept = ["
    expected = []
    line = 2
    for reason, new_line in entries:
        if new_line:
            text += "\n  "
            line += 1
        expected.append(line)
        text += f'{{check = "ND-NET-HOST", reason = {json.dumps(reason)}}}, '
    text += "\n]  # done [\n"
    assert accept_entry_lines(text) == expected
    config = parse_config(text, SOURCE)  # an empty reason is an entry left out
    kept = [line for (reason, _), line in zip(entries, expected, strict=True) if reason.strip()]
    left = [line for (reason, _), line in zip(entries, expected, strict=True) if not reason.strip()]
    assert [a.line for a in config.accept] == kept
    assert [m.split(": ")[0] for m in config.skipped] == [f"{SOURCE}, line {n}" for n in left]
