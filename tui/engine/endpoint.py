"""Which engine to talk to: ``--host``, else ``DOCKER_HOST``, else the docker context.

The docker SDK is imported only when a non-default context is in use: it
costs a fifth of a second of start-up, and the default context needs none of it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported when a TLS context is made: the dashboard paints before
    import ssl

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


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
            raise EndpointError(f"TLS files for {self.url} are unusable: {exc}") from exc
        return context


def _normalise(url: str) -> str:
    url = url.strip()
    if url.startswith("/"):
        return "unix://" + url
    if "://" not in url:
        raise EndpointError(
            f"engine address {url!r} has no scheme: use unix:///path or tcp://host:port"
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


def _tls_from_env(env: os._Environ[str] | dict[str, str]) -> TLSFiles | None:
    verify = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0")
    cert_path = env.get("DOCKER_CERT_PATH", "")
    if not verify and not cert_path:
        return None
    base = Path(cert_path or Path.home() / ".docker")

    def existing(name: str) -> str | None:
        path = base / name
        return str(path) if path.is_file() else None

    return TLSFiles(existing("ca.pem"), existing("cert.pem"), existing("key.pem"), verify)


def _current_context(env: os._Environ[str] | dict[str, str]) -> str | None:
    name = env.get("DOCKER_CONTEXT")
    if name:
        return name
    config_dir = Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((config_dir / "config.json").read_text())
    except (OSError, ValueError):
        return None
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) and current else None


def _from_context(name: str) -> EngineEndpoint:
    from docker.context import ContextAPI  # the SDK knows the context store's layout
    from docker.errors import ContextException, ContextNotFound

    try:
        context = ContextAPI.get_context(name)
    except (ContextException, ContextNotFound) as exc:
        raise EndpointError(f"docker context {name!r}: {exc}") from exc
    if context is None:
        raise EndpointError(f"docker context {name!r} does not exist (see `docker context ls`)")
    host = context.Host or DEFAULT_SOCKET
    tls = None
    tls_config = context.TLSConfig
    if tls_config is not None:
        cert, key = tls_config.cert if tls_config.cert else (None, None)
        ca = tls_config.ca_cert if isinstance(tls_config.ca_cert, str) else None
        tls = TLSFiles(ca, cert, key, bool(tls_config.verify))
    return EngineEndpoint(_normalise(host), f"context {name}", tls)


def resolve_endpoint(
    host: str | None = None, env: os._Environ[str] | dict[str, str] | None = None
) -> EngineEndpoint:
    """The engine chosen by ``--host``, else ``DOCKER_HOST``, else the current context."""
    env = os.environ if env is None else env
    if host:
        url = _normalise(host)
        return EngineEndpoint(url, "--host", _tls_from_env(env) if url.startswith("tcp") else None)
    if env.get("DOCKER_HOST"):
        url = _normalise(env["DOCKER_HOST"])
        return EngineEndpoint(
            url, "DOCKER_HOST", _tls_from_env(env) if url.startswith("tcp") else None
        )
    context = _current_context(env)
    if context and context != "default":
        return _from_context(context)
    return EngineEndpoint(DEFAULT_SOCKET, "default")
