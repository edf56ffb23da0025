"""Settings: the shipped presets, the user's file on top, and errors naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core.config import Config, ConfigError, Preset, key_clashes, merge, parse_config
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
