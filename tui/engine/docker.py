"""The real engine, over our HTTP client (tui.engine.http). Thin: JSON in, JSON out,
errors translated."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
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
from tui.engine.http import Answer, ConnectError, Pool, ProtocolError
from tui.engine.sshdial import SSHDialer

# A call that takes over 30 s is a hung engine, not a slow one; but stopping waits out
# the container's own stop timeout, and starting, removing, building and the event
# stream may take longer too: those are bounded by the connect timeout only.
TOTAL_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0

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


def keep_alive(answer: Answer) -> tuple[str, int] | None:
    """Turn on TCP keepalive for the answer's connection; its local address, or None
    when it is not TCP (a unix socket, ssh's)."""
    sock = answer.socket
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in _KEEPALIVE_OPTIONS:
        if hasattr(socket, name):  # Linux's names; elsewhere the system's defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    address = sock.getsockname()
    return str(address[0]), int(address[1])


def translate(exc: BaseException, endpoint: str) -> EngineError:
    """A failure of the HTTP client as one of ours, worded for the user."""
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, ConnectError):
        if isinstance(exc.__cause__, PermissionError):
            return EnginePermissionDenied(
                f"permission denied on {endpoint}: run as root, or add your user to the "
                "'docker' group (sudo usermod -aG docker $USER, then log in again)"
            )
        return EngineUnavailable(f"no Docker engine answers at {endpoint}")
    # Ours ran out (no errno); the kernel's ETIMEDOUT (TCP keepalive, retransmissions
    # given up) is a lost link, told below.
    if isinstance(exc, TimeoutError) and exc.errno is None:
        return EngineUnavailable(f"the engine at {endpoint} did not answer in time")
    if isinstance(exc, PermissionError):
        return EnginePermissionDenied(f"permission denied on {endpoint}")
    if isinstance(exc, OSError):
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
    pool: Pool,
    method: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[Answer]:
    """One call, its answer yielded when the engine accepted it; an error answer is
    raised in the engine's words (NotFound for 404, else EngineRefused).

    Unversioned: the engine answers in its own API version, which is the one
    aiodocker's ``api_version="auto"`` used to pick for its calls.
    """
    async with pool.request(
        method, path, query=params, body=body, headers=headers, connect_timeout=CONNECT_TIMEOUT
    ) as answer:
        if answer.status >= 400:
            message = _refusal(await answer.read(), answer.content_type)
            if answer.status == 404:
                raise NotFound(message, 404)
            raise EngineRefused(message, answer.status)
        yield answer


async def _fetch(
    pool: Pool,
    method: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    total: float | None = TOTAL_TIMEOUT,
) -> Any:
    """A call and its whole answer, JSON decoded (None for an empty body), within ``total``
    seconds (None: the connect timeout only)."""
    async with (
        asyncio.timeout(total),
        _request(pool, method, path, params=params, body=body, headers=headers) as answer,
    ):
        found = await answer.read()
    if not found.strip():
        return None
    try:
        return json.loads(found)
    except ValueError as exc:
        raise ProtocolError(f"the engine's answer is not JSON: {found[:60]!r}") from exc


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _build_failure(output: bytes) -> str | None:
    """The error a build reported in its progress stream (its answer is 200 even then)."""
    for line in output.splitlines():
        try:
            step = json.loads(line)
        except ValueError:
            continue
        if isinstance(step, dict) and ("error" in step or "errorDetail" in step):
            detail = step.get("errorDetail")
            if isinstance(detail, dict) and detail.get("message"):
                return str(detail["message"])
            return str(step.get("error") or "the build failed")
    return None


class DockerBackend:
    """``tui.core.backend.Backend`` over the Engine API."""

    def __init__(self, endpoint: EngineEndpoint) -> None:
        self._endpoint = endpoint
        # Now, not at the first request: unusable TLS files are the user's to fix, in
        # one line at start (EndpointError), not a fault of the running pipeline.
        self._ssl = endpoint.ssl_context()
        self._ssh = SSHDialer(endpoint.url) if endpoint.scheme == "ssh" else None
        self._pool: Pool | None = None
        self._streams: set[Pool] = set()
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

    async def _shared(self) -> Pool:
        """The pool the reads and actions share (made at the first call, and again after
        a lost engine dropped it)."""
        while (shared := self._pool) is None:
            pool = await self._new_pool()
            if self._pool is None:
                self._pool = pool
                return pool
            # Another call made one while this one waited; it may be dropped again while
            # this one closes its own, hence the loop (never None to the caller).
            await pool.close()
        return shared

    async def _new_pool(self) -> Pool:
        # ssh: each connection to the dialer's local socket is an ssh process of its own;
        # its failures are told there (SSHDialer.failure), in ssh's words.
        url = await self._ssh.start() if self._ssh is not None else self._endpoint.url
        return Pool(url, self._ssl)

    @asynccontextmanager
    async def _errors(self) -> AsyncIterator[Callable[[], Awaitable[Pool]]]:
        """Translates a call's failure; yields how the call gets its pool.

        A lost engine drops the shared pool the call itself used (its idle connections
        may be half-open: the next call starts afresh), and only while it is still the
        shared one: never a newer pool that a new session is using.
        """
        used: list[Pool] = []

        async def pool() -> Pool:
            shared = await self._shared()
            used.append(shared)
            return shared

        try:
            yield pool
        except (EngineError, OSError) as exc:  # TimeoutError and the client's are OSErrors
            error = await self._in_words(exc, translate(exc, self.where))
            if isinstance(error, EngineUnavailable):
                for shared in used:
                    self._drop_lost(shared)
            if error is exc:
                raise
            raise error from exc

    async def _in_words(self, exc: BaseException, error: EngineError) -> EngineError:
        """``error``, or what the transport says went wrong, naming the engine: a
        certificate either side refused, ssh's own reason, plain HTTP to a TLS port."""
        if isinstance(error, EngineUnavailable):
            if self._ssh is not None and self._ssh.failure:
                return EngineUnavailable(f"ssh to {self.where} failed: {self._ssh.failure}")
            if self._endpoint.tls is not None and self._ssl is not None:
                # Imported when a TLS call failed: it is not needed before.
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

    async def _call(self, call: Callable[[Pool], Awaitable[Any]]) -> Any:
        """``call`` on the shared pool, its failure translated."""
        async with self._errors() as pool:
            return await call(await pool())

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return await self._call(lambda pool: _fetch(pool, "GET", path, params=params))

    async def _or_none(self, path: str, params: Mapping[str, str] | None = None) -> JSON | None:
        """An inspect: None when the object is gone."""
        try:
            found = await self._get(path, params)
        except NotFound:
            return None
        return found if isinstance(found, dict) else None

    async def _act(
        self, method: str, path: str, params: Mapping[str, str] | None = None, *, long: bool
    ) -> Any:
        """An action; ``long``: one that may outlast a read's 30 s (it waits on the
        container), bounded by the connect timeout only."""
        total = None if long else TOTAL_TIMEOUT
        return await self._call(lambda pool: _fetch(pool, method, path, params=params, total=total))

    async def ping(self, timeout: float) -> None:
        """``/_ping``, answered within ``timeout`` seconds, else EngineUnavailable."""

        async def ping(pool: Pool) -> None:
            async with asyncio.timeout(timeout), _request(pool, "GET", "_ping") as answer:
                await answer.read()

        await self._call(ping)

    async def version(self) -> JSON:
        # Unversioned, as every call: it must answer whatever API version the engine speaks.
        found = await self._get("version")
        return found if isinstance(found, dict) else {}

    async def info(self) -> JSON:
        found = await self._get("info")
        return found if isinstance(found, dict) else {}

    async def list_containers(self, ids: Sequence[str] = ()) -> list[JSON]:
        params = {"all": "1"}
        if ids:
            params["filters"] = json.dumps({"id": list(ids)})
        found = await self._get("containers/json", params)
        return found if isinstance(found, list) else []

    async def inspect_container(self, ref: str) -> JSON | None:
        return await self._or_none(f"containers/{ref}/json")

    async def container_stats(self, ref: str) -> JSON | None:
        # ``one-shot``: else the engine waits for a second reading of its stats collector
        # (about 2 s).
        params = {"stream": "false", "one-shot": "true"}
        return await self._or_none(f"containers/{ref}/stats", params)

    async def list_networks(self) -> list[JSON]:
        found = await self._get("networks")
        return found if isinstance(found, list) else []

    async def inspect_network(self, ref: str) -> JSON | None:
        return await self._or_none(f"networks/{ref}")

    async def events(
        self, since: str | None, filters: Mapping[str, Sequence[str]], until: str | None = None
    ) -> AsyncIterator[JSON]:
        params: dict[str, str] = {"filters": json.dumps({k: list(v) for k, v in filters.items()})}
        if since is not None:
            params["since"] = since
        if until is not None:
            params["until"] = until
        # A pool of its own: a failed read drops the shared pool, and closing that under
        # a waiting stream would leave the stream hung, neither fed nor ended (and a ping
        # on a fresh connection to a restarted engine would pass). Its own connection
        # ends with the engine, or when the session stops reading it.
        async with self._errors() as pool:
            # A lost stream drops the shared pool of its time too, if still current.
            await pool()
            own = await self._new_pool()
            self._streams.add(own)
            try:
                async with _request(own, "GET", "events", params=params) as answer:
                    self.stream_address = keep_alive(answer)
                    async for line in answer.lines():
                        if not line.strip():
                            continue
                        try:
                            event = json.loads(line)
                        except ValueError:
                            continue
                        if isinstance(event, dict):
                            yield event
            finally:
                self._streams.discard(own)
                await own.close()

    # actions -------------------------------------------------------------

    async def start_container(self, ref: str) -> None:
        await self._act("POST", f"containers/{ref}/start", long=True)

    async def stop_container(self, ref: str, timeout: int | None = None) -> None:
        params = {"t": str(timeout)} if timeout is not None else None
        await self._act("POST", f"containers/{ref}/stop", params, long=True)

    async def restart_container(self, ref: str, timeout: int | None = None) -> None:
        params = {"t": str(timeout)} if timeout is not None else None
        await self._act("POST", f"containers/{ref}/restart", params, long=True)

    async def pause_container(self, ref: str) -> None:
        await self._act("POST", f"containers/{ref}/pause", long=False)

    async def unpause_container(self, ref: str) -> None:
        await self._act("POST", f"containers/{ref}/unpause", long=False)

    async def remove_container(
        self, ref: str, *, force: bool = False, volumes: bool = False
    ) -> None:
        params = {"force": _flag(force), "v": _flag(volumes)}
        await self._act("DELETE", f"containers/{ref}", params, long=True)

    async def create_container(self, config: JSON, name: str | None = None) -> str:
        body = json.dumps(config, sort_keys=True).encode()
        created = await self._call(
            lambda pool: _fetch(
                pool,
                "POST",
                "containers/create",
                params={"name": name} if name else None,
                body=body,
                headers={"Content-Type": "application/json"},
            )
        )
        if not isinstance(created, dict) or "Id" not in created:
            raise EngineRefused(f"the engine created no container: {created!r}")
        return str(created["Id"])

    async def list_images(self) -> list[JSON]:
        found = await self._get("images/json")
        return found if isinstance(found, list) else []

    async def inspect_image(self, ref: str) -> JSON | None:
        return await self._or_none(f"images/{ref}/json")

    async def build_image(self, context: bytes, tag: str, labels: Mapping[str, str]) -> None:
        """``context``: a gzip'd tar (aiodocker's ``build(encoding="gzip")`` sent it so)."""
        params = {
            "t": tag,
            "rm": "1",
            "q": "0",
            "pull": "0",
            "nocache": "0",
            "forcerm": "1",
            "labels": json.dumps(dict(labels)),
        }
        headers = {"Content-Type": "application/x-tar", "Content-Encoding": "gzip"}

        async def build(pool: Pool) -> None:
            async with _request(
                pool, "POST", "build", params=params, body=context, headers=headers
            ) as answer:
                failure = _build_failure(await answer.read())
            if failure is not None:
                raise EngineRefused(failure)

        await self._call(build)

    async def remove_image(self, ref: str) -> None:
        params = {"force": "0", "noprune": "0"}
        await self._act("DELETE", f"images/{ref}", params, long=False)

    def _drop_lost(self, pool: Pool) -> None:
        """Cut the shared pool, if ``pool`` still is it (else it was dropped already)."""
        if self._pool is pool:
            self._pool = None
            pool.abort()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
        for pool in list(self._streams):
            self._streams.discard(pool)
            await pool.close()
        if self._ssh is not None:
            await self._ssh.close()
