"""``ssh://[user@]host[:port][/socket]``, the docker CLI's way.

Each connection to the engine is an ``ssh`` process running ``docker system
dial-stdio`` on the remote host, which joins its stdin and stdout to the remote
engine's socket. The system's ``ssh`` is run, so the user's ``~/.ssh/config``,
known hosts and agent apply exactly as for ``docker -H ssh://…``.

The HTTP client (tui.engine.http) dials sockets only: a unix socket in a private
directory stands between it and ssh, and each connection accepted there is handed
to a new ``ssh`` process, so its pool of kept-alive connections is a pool of ssh
processes with no code of its own. When ssh fails before the engine answered, the
last line it wrote on stderr ("Permission denied (publickey)", "Host key
verification failed.") is kept as the reason, for the error the user sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The docker CLI's own: a host that does not answer fails in bounded time.
CONNECT_TIMEOUT = 30
_CHUNK = 65536


def ssh_argv(url: str) -> list[str]:
    """The ssh command line for one connection, as the docker CLI builds it."""
    parts = urlsplit(url)
    argv = ["ssh", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}", "-T"]
    # No prompt can be answered inside a full-screen dashboard: a key the agent or the
    # config does not offer fails at once, in ssh's own words.
    argv += ["-o", "BatchMode=yes"]
    if parts.username:
        argv += ["-l", unquote(parts.username)]
    if parts.port:
        argv += ["-p", str(parts.port)]
    remote = ["docker", "system", "dial-stdio"]
    if parts.path.strip("/"):
        remote = ["docker", f"--host=unix://{parts.path}", "system", "dial-stdio"]
    return [*argv, "--", parts.hostname or "", *remote]


def _reason(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    # ssh's notices ("Warning: Permanently added …") are not the reason it failed.
    useful = [line for line in lines if line and not line.startswith("Warning:")]
    return useful[-1] if useful else ""


class SSHDialer:
    """A local unix socket whose every connection is a new ssh to the engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.argv = ssh_argv(url)
        self.failure = ""
        self._dir: str | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        """Listen; the ``unix://`` address to give the HTTP client."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="netdock-ssh-")
        path = str(Path(self._dir) / "engine.sock")
        if self._server is None:
            self._server = await asyncio.start_unix_server(self._accepted, path)
        return f"unix://{path}"

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            self.failure = f"cannot run ssh: {exc}"
            writer.close()
            return
        assert process.stdin and process.stdout and process.stderr
        answered = asyncio.Event()
        stderr = asyncio.ensure_future(process.stderr.read())
        upstream = asyncio.ensure_future(_copy(reader, process.stdin, eof=True))
        try:
            await _copy(process.stdout, writer, answered)
            await process.wait()
            if not answered.is_set():
                # Before the client sees the connection close: the reason is known first.
                self.failure = _reason(await stderr) or f"ssh exited with {process.returncode}"
            else:
                self.failure = ""
        finally:
            upstream.cancel()
            stderr.cancel()
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


async def _copy(
    source: asyncio.StreamReader,
    sink: asyncio.StreamWriter,
    first: asyncio.Event | None = None,
    *,
    eof: bool = False,
) -> None:
    """Bytes from source to sink until the source ends; then, with ``eof``, the sink's end
    is closed (the HTTP client's side is closed by its server, once the reason is known)."""
    with contextlib.suppress(ConnectionError, OSError):
        while data := await source.read(_CHUNK):
            if first is not None:
                first.set()
            sink.write(data)
            await sink.drain()
        if eof and sink.can_write_eof():
            sink.write_eof()
