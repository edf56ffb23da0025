"""The real engine, through aiodocker. Thin: JSON in, JSON out, errors translated."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tui.core.backend import (
    JSON,
    EngineError,
    EnginePermissionDenied,
    EngineRefused,
    EngineUnavailable,
    NotFound,
)
from tui.engine.endpoint import EngineEndpoint
from tui.engine.sshdial import SSHDialer

if TYPE_CHECKING:
    import aiodocker
    import aiohttp


# OpenSSL's own variables for where the system's CA certificates are.
_CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def _aio() -> tuple[Any, Any]:
    """aiodocker and aiohttp, imported at their first use: a third of a second that the
    dashboard's first rows do not wait for (its first read needs neither).

    At its import aiohttp makes two TLS contexts for public servers, loading every CA of
    the system (144 here: 2 MiB of memory and tens of milliseconds). netdock never talks
    to a public server: an engine over TLS is verified against its own CA, in a context
    of its own (tui.engine.endpoint). So aiohttp is imported with no CA bundle to load.
    """
    if "aiohttp" not in sys.modules:
        saved = {name: os.environ.get(name) for name in _CA_VARIABLES}
        os.environ.update(dict.fromkeys(_CA_VARIABLES, os.devnull))
        try:
            import aiohttp
        finally:
            for name, value in saved.items():
                if value is None:
                    del os.environ[name]
                else:
                    os.environ[name] = value
    import aiodocker
    import aiohttp

    return aiodocker, aiohttp


def request_timeout(*, long: bool = False) -> aiohttp.ClientTimeout:
    """A call that takes over 30 s is a hung engine, not a slow one; but stopping waits
    out the container's own stop timeout (``long``), which may be longer."""
    _, aiohttp = _aio()
    return aiohttp.ClientTimeout(connect=5) if long else aiohttp.ClientTimeout(total=30, connect=5)


# The event stream's TCP connection is probed by the kernel after this many quiet seconds,
# then every interval, and given up after so many unanswered probes: a stream whose
# peer vanished (a dropped NAT entry, that one connection blackholed) ends within 10 s,
# even while the pings, on a connection of their own, are answered.
KEEPALIVE_IDLE = 4
KEEPALIVE_INTERVAL = 2
KEEPALIVE_PROBES = 3
_KEEPALIVE_OPTIONS = (
    ("TCP_KEEPIDLE", KEEPALIVE_IDLE),
    ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
    ("TCP_KEEPCNT", KEEPALIVE_PROBES),
)


def keep_alive(response: aiohttp.ClientResponse) -> tuple[str, int] | None:
    """Turn on TCP keepalive for the response's connection; its local address, or None
    when it is not TCP (a unix socket, ssh's)."""
    connection = response.connection
    transport = connection.transport if connection is not None else None
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in _KEEPALIVE_OPTIONS:
        if hasattr(socket, name):  # Linux's names; elsewhere the system's defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    address = sock.getsockname()
    return str(address[0]), int(address[1])


def translate(exc: BaseException, endpoint: str) -> EngineError:
    """An aiodocker/aiohttp failure as one of ours, worded for the user."""
    aiodocker, aiohttp = _aio()
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, aiodocker.DockerError):
        message = str(exc.message)
        if exc.status == 404:
            return NotFound(message, 404)
        if exc.status == 900:
            if "Permission denied" in message or "Errno 13" in message:
                return EnginePermissionDenied(
                    f"permission denied on {endpoint}: run as root, or add your user to the "
                    "'docker' group (sudo usermod -aG docker $USER, then log in again)"
                )
            return EngineUnavailable(f"no Docker engine answers at {endpoint}")
        return EngineRefused(message, exc.status)
    if isinstance(exc, TimeoutError):
        return EngineUnavailable(f"the engine at {endpoint} did not answer in time")
    if isinstance(exc, PermissionError):
        return EnginePermissionDenied(f"permission denied on {endpoint}")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return EngineUnavailable(f"lost the engine at {endpoint}: {exc}")
    raise exc


def _refusal(body: bytes, content_type: str) -> str:
    """The engine's own words for an error answer: its JSON ``message``, else the body."""
    if content_type == "application/json":
        try:
            found = json.loads(body)
        except ValueError:
            found = None
        if isinstance(found, dict) and "message" in found:
            return str(found["message"])
    return body.decode(errors="replace")


@asynccontextmanager
async def _request(
    docker: aiodocker.Docker,
    method: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    timeout: aiohttp.ClientTimeout | None = None,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """A call aiodocker has no public method for, on its public session and address.

    Unversioned: the engine answers in its own API version, which is the one
    aiodocker's ``api_version="auto"`` picks for its calls. Failures are raised as
    aiodocker raises its own (``DockerError``, 900 for no connection), so ``translate``
    sees one shape whichever way a call went.
    """
    aiodocker, aiohttp = _aio()
    try:
        response = await docker.session.request(
            method,
            f"{docker.docker_host}/{path}",
            params=dict(params or {}),
            timeout=timeout or request_timeout(),
        )
    except aiohttp.ClientConnectionError as exc:
        raise aiodocker.DockerError(
            900, f"cannot connect to the engine at {docker.docker_host} [{exc}]"
        ) from exc
    async with response:
        if response.status >= 400:
            body = await response.read()
            raise aiodocker.DockerError(response.status, _refusal(body, response.content_type))
        yield response


async def _get_json(
    docker: aiodocker.Docker, path: str, params: Mapping[str, str] | None = None
) -> Any:
    async with _request(docker, "GET", path, params=params) as response:
        return await response.json()


class DockerBackend:
    """``tui.core.backend.Backend`` over aiodocker."""

    def __init__(self, endpoint: EngineEndpoint) -> None:
        self._endpoint = endpoint
        # Now, not at the first request: unusable TLS files are the user's to fix, in
        # one line at start (EndpointError), not a fault of the running pipeline.
        self._ssl = endpoint.ssl_context()
        self._ssh = SSHDialer(endpoint.url) if endpoint.scheme == "ssh" else None
        self._docker: aiodocker.Docker | None = None
        self._streams: set[aiodocker.Docker] = set()
        self._importing: asyncio.Future[tuple[Any, Any]] | None = None
        self.stream_address: tuple[str, int] | None = None
        """The local address of the event stream's TCP connection (None: not TCP)."""

    @property
    def endpoint(self) -> str:
        return self._endpoint.url

    @property
    def local(self) -> bool:
        return self._endpoint.local

    @property
    def name(self) -> str:
        return self._endpoint.name

    @property
    def where(self) -> str:
        """The engine as the user named it, for error lines: the address, and its context."""
        return f"{self.endpoint} (context {self.name})" if self.name else self.endpoint

    async def _client(self) -> aiodocker.Docker:
        """The client the reads and actions share (made at the first call, and again after
        a lost engine dropped it)."""
        while (shared := self._docker) is None:
            docker = await self._new_client()
            if self._docker is None:
                self._docker = docker
                return docker
            # Another call made one while this one waited; it may be dropped again while
            # this one closes its own, hence the loop (never None to the caller).
            await docker.close()
        return shared

    async def _new_client(self) -> aiodocker.Docker:
        # Imported off the loop (the first rows are on screen meanwhile), once for all
        # the calls that wait on it.
        if self._importing is None:
            self._importing = asyncio.ensure_future(asyncio.to_thread(_aio))
        aiodocker, _ = await self._importing
        url = await self._ssh.start() if self._ssh is not None else self._endpoint.url
        if self._ssl is not None:
            # aiodocker speaks TLS to an https:// address only, whatever context it is given.
            url = "https://" + url.split("://", 1)[1]
        return aiodocker.Docker(url=url, ssl_context=self._ssl, timeout=request_timeout())

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[Callable[[], Awaitable[aiodocker.Docker]]]:
        """Translates a call's failure; yields how the call gets its client.

        A lost engine drops the shared client the call itself used (its pooled
        connections may be half-open: the next call starts afresh), and only while it
        is still the shared one: never a newer client that a new session is using.
        """
        used: list[aiodocker.Docker] = []

        async def client() -> aiodocker.Docker:
            docker = await self._client()
            used.append(docker)
            return docker

        try:
            yield client
        except Exception as exc:
            aiodocker, aiohttp = _aio()
            if not isinstance(
                exc, aiodocker.DockerError | aiohttp.ClientError | OSError | TimeoutError
            ):
                raise
            error = await self._in_words(exc, translate(exc, self.where))
            if isinstance(error, EngineUnavailable):
                for docker in used:
                    await self._drop_client(docker)
            raise error from exc

    async def _in_words(self, exc: BaseException, error: EngineError) -> EngineError:
        """``error``, or what the transport says went wrong, naming the engine: a
        certificate either side refused, ssh's own reason, plain HTTP to a TLS port."""
        if isinstance(error, EngineUnavailable):
            if self._ssh is not None and self._ssh.failure:
                return EngineUnavailable(f"ssh to {self.where} failed: {self._ssh.failure}")
            if self._endpoint.tls is not None and self._ssl is not None:
                # Imported when a TLS call failed: ssl is not needed before.
                from tui.engine.tlsfailure import handshake, timed_out, tls_failure

                parts = urlsplit(self.endpoint)
                address = parts.hostname or self.endpoint
                reason = tls_failure(exc, self._endpoint.tls, address)
                if reason is None and not timed_out(exc):
                    probed = await handshake(address, parts.port or 2376, self._ssl)
                    reason = tls_failure(probed, self._endpoint.tls, address) if probed else None
                if reason:
                    return EngineUnavailable(f"engine {self.where}: {reason}")
        elif isinstance(error, EngineRefused) and "HTTP request to an HTTPS server" in str(error):
            return EngineRefused(
                f"engine {self.where} speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, "
                "or use a context with TLS files",
                400,
            )
        return error

    async def _call(self, call: Callable[[aiodocker.Docker], Awaitable[Any]]) -> Any:
        """``call`` on the shared client, its failure translated."""
        async with self._errors() as client:
            return await call(await client())

    async def _or_none(self, call: Callable[[aiodocker.Docker], Awaitable[Any]]) -> JSON | None:
        """An inspect: None when the object is gone."""
        try:
            found = await self._call(call)
        except NotFound:
            return None
        return found if isinstance(found, dict) else None

    async def ping(self, timeout: float) -> None:
        """``/_ping``, answered within ``timeout`` seconds, else EngineUnavailable."""
        _, aiohttp = _aio()

        async def ping(docker: aiodocker.Docker) -> None:
            limit = aiohttp.ClientTimeout(total=timeout)
            async with _request(docker, "GET", "_ping", timeout=limit) as response:
                await response.read()

        await self._call(ping)

    async def version(self) -> JSON:
        # Unversioned (aiodocker's ``version()`` is not): it must answer whatever API
        # version the engine speaks.
        found = await self._call(lambda docker: _get_json(docker, "version"))
        return found if isinstance(found, dict) else {}

    async def info(self) -> JSON:
        found = await self._call(lambda docker: docker.system.info())
        return dict(found) if isinstance(found, Mapping) else {}

    async def list_containers(self, ids: Sequence[str] = ()) -> list[JSON]:
        # Ours: aiodocker's ``containers.list`` wraps each summary in an object that
        # does not give the document back.
        params = {"all": "1"}
        if ids:
            params["filters"] = json.dumps({"id": list(ids)})
        found = await self._call(lambda docker: _get_json(docker, "containers/json", params))
        return found if isinstance(found, list) else []

    async def inspect_container(self, ref: str) -> JSON | None:
        return await self._or_none(lambda docker: docker.containers.container(ref).show())

    async def container_stats(self, ref: str) -> JSON | None:
        # Ours: aiodocker's ``stats(stream=False)`` cannot ask for ``one-shot``, without
        # which the engine waits for a second reading of its stats collector (about 2 s).
        params = {"stream": "false", "one-shot": "true"}
        return await self._or_none(
            lambda docker: _get_json(docker, f"containers/{ref}/stats", params)
        )

    async def list_networks(self) -> list[JSON]:
        found = await self._call(lambda docker: docker.networks.list())
        return found if isinstance(found, list) else []

    async def inspect_network(self, ref: str) -> JSON | None:
        # Ours: aiodocker's ``networks.get`` inspects, then drops the document.
        return await self._or_none(lambda docker: _get_json(docker, f"networks/{ref}"))

    async def events(
        self, since: str | None, filters: Mapping[str, Sequence[str]], until: str | None = None
    ) -> AsyncIterator[JSON]:
        params: dict[str, str] = {"filters": json.dumps({k: list(v) for k, v in filters.items()})}
        if since is not None:
            params["since"] = since
        if until is not None:
            params["until"] = until
        # A client of its own: a failed read drops the shared client, and closing that
        # under a waiting stream would leave the stream hung, neither fed nor ended (and
        # a ping on a fresh connection to a restarted engine would pass). Its own
        # connection ends with the engine, or when the session stops reading it.
        # Read here, not through ``docker.events``: that one runs in a task of its own,
        # ends without saying why, and turns each event's time into a datetime.
        async with self._errors() as client:
            # A lost stream drops the shared client of its time too, if still current.
            await client()
            docker = await self._new_client()
            self._streams.add(docker)
            try:
                async with _request(
                    docker, "GET", "events", params=params, timeout=request_timeout(long=True)
                ) as response:
                    self.stream_address = keep_alive(response)
                    async for line in response.content:
                        if not line.strip():
                            continue
                        try:
                            event = json.loads(line)
                        except ValueError:
                            continue
                        if isinstance(event, dict):
                            yield event
            finally:
                self._streams.discard(docker)
                await docker.close()

    # actions -------------------------------------------------------------

    async def start_container(self, ref: str) -> None:
        # Ours: aiodocker's ``start`` takes no timeout, and a start may take longer than
        # a read may (see request_timeout).
        async def start(docker: aiodocker.Docker) -> None:
            long = request_timeout(long=True)
            async with _request(docker, "POST", f"containers/{ref}/start", timeout=long):
                pass

        await self._call(start)

    async def stop_container(self, ref: str, timeout: int | None = None) -> None:
        await self._call(
            lambda docker: docker.containers.container(ref).stop(
                t=timeout, timeout=request_timeout(long=True)
            )
        )

    async def restart_container(self, ref: str, timeout: int | None = None) -> None:
        await self._call(
            lambda docker: docker.containers.container(ref).restart(
                t=timeout, timeout=request_timeout(long=True)
            )
        )

    async def pause_container(self, ref: str) -> None:
        await self._call(lambda docker: docker.containers.container(ref).pause())

    async def unpause_container(self, ref: str) -> None:
        await self._call(lambda docker: docker.containers.container(ref).unpause())

    async def remove_container(
        self, ref: str, *, force: bool = False, volumes: bool = False
    ) -> None:
        await self._call(
            lambda docker: docker.containers.container(ref).delete(
                force=force, v=volumes, timeout=request_timeout(long=True)
            )
        )

    async def create_container(self, config: JSON, name: str | None = None) -> str:
        created = await self._call(lambda docker: docker.containers.create(config, name=name))
        return str(created.id)

    async def list_images(self) -> list[JSON]:
        found = await self._call(lambda docker: docker.images.list())
        return found if isinstance(found, list) else []

    async def inspect_image(self, ref: str) -> JSON | None:
        return await self._or_none(lambda docker: docker.images.inspect(ref))

    async def build_image(self, context: bytes, tag: str, labels: Mapping[str, str]) -> None:
        await self._call(
            lambda docker: docker.images.build(
                fileobj=io.BytesIO(context),
                encoding="gzip",
                tag=tag,
                labels=dict(labels),
                rm=True,
                forcerm=True,
                pull=False,
                timeout=request_timeout(long=True),
            )
        )

    async def remove_image(self, ref: str) -> None:
        await self._call(lambda docker: docker.images.delete(ref))

    async def _drop_client(self, docker: aiodocker.Docker) -> None:
        """Close the shared client, if ``docker`` still is it (else it was dropped already)."""
        if self._docker is docker:
            self._docker = None
            await docker.close()

    async def close(self) -> None:
        if self._docker is not None:
            await self._drop_client(self._docker)
        for docker in list(self._streams):
            self._streams.discard(docker)
            await docker.close()
        if self._ssh is not None:
            await self._ssh.close()
