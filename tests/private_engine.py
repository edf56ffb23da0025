"""A second, private dockerd with flags of a test's choosing, in a network namespace of its own.

Daemon-level findings (``--icc=false``, ``--iptables=false``, an API on TCP) need a daemon
started with other flags than the shared one. This one runs in a fresh network namespace
(entered with ``nsenter --net``: ``ip netns exec`` would hide the cgroup mounts, and dockerd
refuses), so its bridges, iptables rules and TCP listeners touch nothing outside it. It has
no images: ``load_test_image`` copies the test image from the shared engine.

    with PrivateEngine("icc", "--icc=false") as engine:
        engine.docker("network", "ls")

``stop`` always leaves nothing behind: containers, daemon, containerd and shims (by pid),
mounts under its directory, the namespace, the directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from engine_helpers import DOCKER, TEST_IMAGE

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


class PrivateEngineError(RuntimeError):
    """The private engine would not start or a command on it failed."""


class PrivateEngine:
    def __init__(self, name: str, *flags: str, root: Path | None = None,
                 netns: str | None = None) -> None:  # fmt: skip
        self.flags = flags
        self.netns = netns or f"nd-{name}-{uuid.uuid4().hex[:6]}"
        # Short: a unix socket path must fit in 108 bytes, and containerd's sit below this.
        self.root = root or Path(tempfile.mkdtemp(prefix=f"nd-{name}-", dir="/tmp"))
        self.socket = self.root / "docker.sock"
        self.log = self.root / "dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        """The engine's address, as ``--host`` takes it."""
        return f"unix://{self.socket}"

    @property
    def netns_path(self) -> str:
        return f"/var/run/netns/{self.netns}"

    def in_netns(self, *argv: str) -> list[str]:
        """A command line that runs ``argv`` inside the engine's network namespace."""
        return ["nsenter", f"--net={self.netns_path}", *argv]

    # life ---------------------------------------------------------------------------------

    def start(self) -> PrivateEngine:
        sweep_leftovers()
        # Who made this engine, and its namespace: what sweep_leftovers reads after a crash.
        (self.root / "owner").write_text(f"{os.getpid()} {self.netns}")
        _run("ip", "netns", "add", self.netns)
        _run(*self.in_netns("ip", "link", "set", "lo", "up"))
        return self._launch()

    def restart(self) -> PrivateEngine:
        """Stop the daemon as a service manager would (SIGTERM) and start it again, on the
        same data: what a client sees when the engine it follows restarts."""
        assert self.process is not None
        self.process.terminate()
        if not self._gone(self.process.pid, STOP_TIMEOUT):
            self.process.kill()
            self.process.wait(5)
        return self._launch()

    def _launch(self) -> PrivateEngine:
        argv = self.in_netns(
            "dockerd",
            "-H", self.host,
            "--data-root", str(self.root / "data"),
            "--exec-root", str(self.root / "exec"),
            "--pidfile", str(self.root / "docker.pid"),
            *self.flags,
        )  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrivateEngineError(f"dockerd {' '.join(self.flags)} exited: {self._tail()}")
            if self.succeeds("version"):
                return self
            time.sleep(0.2)
        raise PrivateEngineError(f"dockerd {' '.join(self.flags)} did not answer: {self._tail()}")

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """The daemon stopped in its tracks (SIGSTOP): its socket still takes connections,
        nothing answers on them until it goes on (SIGCONT), as with a host that hangs."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Remove everything the engine made, whatever state it is in."""
        try:
            pid = self._dockerd_pid()
            if pid is not None:
                # Removing the containers first spares the daemon's 10 s stop per container.
                ids = self.docker("ps", "-aq", check=False).split()
                # A loaded machine may take longer: the kill below ends them anyway.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    if ids:
                        self.docker("rm", "-f", *ids, check=False, timeout=120)
                self.docker("swarm", "leave", "--force", check=False)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                    if not self._gone(pid, STOP_TIMEOUT):
                        os.kill(pid, signal.SIGKILL)
                        self._gone(pid, 5)
        finally:
            self._kill_leftovers()
            self._unmount()
            subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)

    def _dockerd_pid(self) -> int | None:
        """Our dockerd's pid while it runs: our child, or a crashed session's (by pidfile)."""
        if self.process is not None:
            return self.process.pid if self.process.poll() is None else None
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.root / "docker.pid").read_text())
            if str(self.root).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        return None

    def _gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.pid == pid:
                if self.process.poll() is not None:
                    return True
            elif not Path(f"/proc/{pid}").exists():
                return True
            time.sleep(0.1)
        return False

    def __enter__(self) -> PrivateEngine:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # use ---------------------------------------------------------------------------------

    def docker(self, *args: str, check: bool = True, timeout: float = 60) -> str:
        done = subprocess.run(
            [DOCKER, "-H", self.host, *args], capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            raise PrivateEngineError(f"docker {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def succeeds(self, *args: str) -> bool:
        done = subprocess.run([DOCKER, "-H", self.host, *args], capture_output=True, timeout=30)
        return done.returncode == 0

    def sysctl(self, key: str, value: str) -> None:
        """Set a network sysctl in the engine's namespace only (a new one inherits the host's)."""
        _run(*self.in_netns("sysctl", "-q", "-w", f"{key}={value}"))

    def load_test_image(self) -> None:
        saved = subprocess.Popen([DOCKER, "save", TEST_IMAGE], stdout=subprocess.PIPE)
        loaded = subprocess.run(
            [DOCKER, "-H", self.host, "load"], stdin=saved.stdout, capture_output=True, timeout=60
        )
        assert saved.stdout is not None
        saved.stdout.close()
        if saved.wait(60) != 0 or loaded.returncode != 0:
            raise PrivateEngineError(f"could not load {TEST_IMAGE}: {loaded.stderr.decode()}")

    # teardown helpers -------------------------------------------------------------------------

    def _tail(self) -> str:
        with contextlib.suppress(OSError):
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])
        return "(no log)"

    def _kill_leftovers(self) -> None:
        """containerd and shims this engine started: their command lines name our directory."""
        mine = str(self.root).encode()
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if mine in cmdline and int(pid) != os.getpid():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(pid), signal.SIGKILL)

    def _unmount(self) -> None:
        mounts = []
        with contextlib.suppress(OSError):
            for line in Path("/proc/mounts").read_text().splitlines():
                target = line.split()[1].replace("\\040", " ")
                if target == str(self.root) or target.startswith(f"{self.root}/"):
                    mounts.append(target)
        for target in sorted(mounts, key=len, reverse=True):
            if subprocess.run(["umount", target], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", target], capture_output=True)


def sweep_leftovers() -> None:
    """Remove private engines whose test session died before it could stop them."""
    for owner in Path("/tmp").glob("nd-*/owner"):
        with contextlib.suppress(OSError, ValueError):
            pid, netns = owner.read_text().split()
            if Path(f"/proc/{pid}").exists():
                continue
            PrivateEngine("leftover", root=owner.parent, netns=netns).stop()


def _run(*argv: str, timeout: float = 60) -> None:
    # Bounded: a command that hangs fails the test instead of holding the suite.
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise PrivateEngineError(f"{' '.join(argv)}: {done.stderr.strip()}")


def self_signed_cert(directory: Path) -> tuple[str, str]:
    """A throwaway server certificate and key, for a TLS daemon without client verification."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert))  # fmt: skip
    return str(cert), str(key)
