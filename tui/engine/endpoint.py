"""Which engines to talk to, chosen the docker CLI's way.

``-H URL`` and ``-c NAME`` (each repeatable, in the order given), ``--all-contexts``;
with none of them, ``DOCKER_HOST``, else the current context, else the default socket.

A context is read from the docker CLI's own store, as ``docker --context`` reads it:
``<config>/contexts/meta/<sha256(name)>/meta.json`` names the docker endpoint's
``Host`` and ``SkipTLSVerify``; ``<config>/contexts/tls/<sha256(name)>/docker/``
holds its ``ca.pem``, ``cert.pem`` and ``key.pem``. TLS applies to a TCP endpoint
that has TLS files or skips verification, never to a socket or ssh.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported when a TLS context is made: the dashboard paints before
    import ssl

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DEFAULT_CONTEXT = "default"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}
_TLS_FILES = ("ca.pem", "cert.pem", "key.pem")

Env = Mapping[str, str]


class EndpointError(ValueError):
    """The engine's address or TLS material is unusable: a message for the user."""


@dataclass(frozen=True, slots=True)
class TLSFiles:
    ca: str | None
    cert: str | None
    key: str | None
    verify: bool


@dataclass(frozen=True, slots=True)
class EngineEndpoint:
    url: str
    source: str
    tls: TLSFiles | None = None
    # What the user called it: the context's name, else the address.
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.url

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0]

    @property
    def local(self) -> bool:
        """The engine runs on this host: a unix socket, or TCP on loopback."""
        try:
            parts = urlsplit(self.url)
            hostname = parts.hostname or ""
        except ValueError:
            return False
        if parts.scheme in ("unix", "npipe"):
            return True
        return parts.scheme in ("tcp", "http", "https") and hostname in _LOOPBACK

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context for a tcp endpoint with TLS, else None."""
        if self.tls is None:
            return None
        import ssl

        tls = self.tls
        try:
            if tls.verify:
                context = ssl.create_default_context(cafile=tls.ca)
            else:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if tls.cert and tls.key:
                context.load_cert_chain(tls.cert, tls.key)
        except (OSError, ssl.SSLError) as exc:
            raise EndpointError(f"{self.label}: TLS files are unusable: {exc}") from exc
        return context


def _normalise(url: str) -> str:
    url = url.strip()
    if url.startswith("/"):
        return "unix://" + url
    if "://" not in url:
        raise EndpointError(
            f"engine address {url!r} has no scheme: use unix:///path, tcp://host:port "
            "or ssh://[user@]host[:port]"
        )
    scheme = url.split("://", 1)[0]
    if scheme not in ("unix", "tcp", "http", "https", "ssh"):
        raise EndpointError(f"engine address {url!r}: unknown scheme {scheme!r}")
    if scheme != "unix":
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError as exc:
            raise EndpointError(f"engine address {url!r}: {exc}") from exc
        if not parts.hostname:
            raise EndpointError(f"engine address {url!r} names no host")
    return url


def _tls_from_env(env: Env) -> TLSFiles | None:
    verify = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0")
    cert_path = env.get("DOCKER_CERT_PATH", "")
    if not verify and not cert_path:
        return None
    base = Path(cert_path or Path.home() / ".docker")

    def existing(name: str) -> str | None:
        path = base / name
        return str(path) if path.is_file() else None

    return TLSFiles(existing("ca.pem"), existing("cert.pem"), existing("key.pem"), verify)


def _config_dir(env: Env) -> Path:
    return Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker")


def _current_context(env: Env) -> str | None:
    name = env.get("DOCKER_CONTEXT")
    if name:
        return name
    try:
        config = json.loads((_config_dir(env) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) and current else None


def _context_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def context_names(env: Env) -> list[str]:
    """Every context in the store, by name, as ``docker context ls`` lists them (sorted)."""
    names = []
    for meta in (_config_dir(env) / "contexts" / "meta").glob("*/meta.json"):
        try:
            name = json.loads(meta.read_text()).get("Name")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(name, str) and name:
            names.append(name)
    return sorted(names)


def _tcp_tls(url: str, tls: TLSFiles | None) -> TLSFiles | None:
    return tls if url.startswith(("tcp://", "https://")) else None


def _from_context(name: str, env: Env) -> EngineEndpoint:
    """The context's docker endpoint and TLS material, as ``docker --context NAME`` uses them."""
    if name == DEFAULT_CONTEXT:
        return _default(env, DEFAULT_CONTEXT)
    store = _config_dir(env) / "contexts"
    meta_file = store / "meta" / _context_id(name) / "meta.json"
    if not meta_file.is_file():
        raise EndpointError(f"context {name!r} does not exist (see `docker context ls`)")
    try:
        meta = json.loads(meta_file.read_text())
        endpoint = meta["Endpoints"]["docker"]
        host = endpoint.get("Host") or DEFAULT_SOCKET
        skip_verify = bool(endpoint.get("SkipTLSVerify", False))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EndpointError(f"context {name!r}: unreadable {meta_file}: {exc}") from exc
    url = _normalise(host)
    tls_dir = store / "tls" / _context_id(name) / "docker"
    present = {f: str(tls_dir / f) for f in _TLS_FILES if (tls_dir / f).is_file()}
    tls = None
    if tls_dir.is_dir() or skip_verify:
        if tls_dir.is_dir() and not present:
            raise EndpointError(f"context {name!r}: no TLS files in {tls_dir}")
        if ("cert.pem" in present) != ("key.pem" in present):
            missing = "key.pem" if "cert.pem" in present else "cert.pem"
            raise EndpointError(f"context {name!r}: TLS file {tls_dir / missing} is missing")
        tls = TLSFiles(
            present.get("ca.pem"), present.get("cert.pem"), present.get("key.pem"), not skip_verify
        )
    return EngineEndpoint(url, f"context {name}", _tcp_tls(url, tls), name)


def _from_host(host: str, source: str, env: Env) -> EngineEndpoint:
    url = _normalise(host)
    return EngineEndpoint(url, source, _tcp_tls(url, _tls_from_env(env)))


def _default(env: Env, name: str = "") -> EngineEndpoint:
    """The default context: ``DOCKER_HOST``, else the default socket."""
    if env.get("DOCKER_HOST"):
        return _from_host(env["DOCKER_HOST"], "DOCKER_HOST", env)
    return EngineEndpoint(DEFAULT_SOCKET, "default", None, name)


def resolve_endpoint(host: str | None = None, env: Env | None = None) -> EngineEndpoint:
    """The engine chosen by ``--host``, else ``DOCKER_HOST``, else the current context."""
    env = os.environ if env is None else env
    if host:
        return _from_host(host, "--host", env)
    if env.get("DOCKER_HOST"):
        return _default(env)
    context = _current_context(env)
    if context and context != DEFAULT_CONTEXT:
        return _from_context(context, env)
    return _default(env)


def resolve_endpoints(
    chosen: Sequence[tuple[str, str]] = (), all_contexts: bool = False, env: Env | None = None
) -> list[EngineEndpoint]:
    """The engines ``chosen`` (("host", URL) or ("context", NAME), in the order given),
    then with ``all_contexts`` every context of the store not chosen already; with
    nothing chosen, the one engine ``resolve_endpoint`` picks. Each at most once."""
    env = os.environ if env is None else env
    found: list[EngineEndpoint] = []
    for kind, value in chosen:
        found.append(
            _from_context(value, env) if kind == "context" else _from_host(value, "--host", env)
        )
    if all_contexts:
        named = {e.name for e in found}
        for name in [DEFAULT_CONTEXT, *context_names(env)]:
            if name not in named:
                found.append(_from_context(name, env))
    if not found:
        found.append(resolve_endpoint(env=env))
    unique: dict[tuple[str, str], EngineEndpoint] = {}
    for endpoint in found:
        unique.setdefault((endpoint.url, endpoint.name), endpoint)
    return list(unique.values())
