"""Where netdock's settings live, and reading them (parsing is ``tui.core.config``'s).

The shipped defaults are package data (``tui/data/presets.toml``), so an installed
netdock finds them; the user's file, ``$XDG_CONFIG_HOME/netdock/config.toml``
(``~/.config/netdock/config.toml``), is read on top. A file that cannot be used
costs its settings, never the start: the problem comes back as a message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from tui.core.config import Config, ConfigError, merge, parse_config

SHIPPED = "presets.toml"


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "netdock" / "config.toml"


def shipped_text() -> str:
    return resources.files("tui").joinpath("data", SHIPPED).read_text(encoding="utf-8")


def load_config(env: Mapping[str, str] | None = None) -> tuple[Config, list[str]]:
    """The merged settings, and what went wrong on the way (one message per file, and
    one per accepted risk left out)."""
    config, problems = _load(env)
    return config, [*problems, *config.skipped]


def _load(env: Mapping[str, str] | None) -> tuple[Config, list[str]]:
    problems: list[str] = []
    try:
        config = parse_config(shipped_text(), f"(shipped) tui/data/{SHIPPED}")
    except (ConfigError, OSError) as exc:
        problems.append(f"{exc}; netdock's own defaults are unusable")
        config = Config()
    path = user_config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config, problems
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read it ({exc}); using the defaults")
        return config, problems
    try:
        return merge(config, parse_config(text, str(path))), problems
    except ConfigError as exc:
        problems.append(f"{exc}; using the defaults")
        return config, problems
