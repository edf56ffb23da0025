"""A private engine reached as a remote host: TCP with TLS over a veth pair, and ssh.

``RemoteEngine`` is a ``PrivateEngine`` whose namespace gets one end of a veth pair
(the other end stays here), an address on each end, a dockerd listening with
``--tlsverify`` on the namespace's address (certificates made here with openssl: a
CA, a server certificate whose IP SAN is that address, a client certificate), and on a
second address its certificate does not name (``unnamed_address``), and an
``sshd`` on a test port that lets in the key made here. Traffic goes only to that
namespace. ``ssh_path`` holds an ``ssh`` wrapper that adds the test's client config
(identity, known hosts): put it first on PATH, as a user's own ssh config would be.

    with RemoteEngine("two") as engine:
        engine.tls_url, engine.ssh_url
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

from private_engine import PrivateEngine, PrivateEngineError, _run, sweep_leftovers

TLS_PORT = 2376
SSH_PORT = 2222
SSHD = "/usr/sbin/sshd"


def _openssl(*argv: str) -> None:
    _run("openssl", *argv)


def make_certificates(directory: Path, address: str | None) -> None:
    """ca.pem, server-{cert,key}.pem (IP SAN ``address``) and the client's cert.pem, key.pem;
    with no ``address``, a CA and a client's certificate only."""
    d = directory
    d.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", f"/CN=netdock test CA {d.name}", "-keyout", str(d / "ca-key.pem"),
             "-out", str(d / "ca.pem"))  # fmt: skip
    if address:
        (d / "server.ext").write_text(f"subjectAltName=IP:{address}\nextendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for who in ("server", "client") if address else ("client",):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={who}",
                 "-keyout", str(d / f"{who}-key.pem"), "-out", str(d / f"{who}.csr"))  # fmt: skip
        _openssl("x509", "-req", "-in", str(d / f"{who}.csr"), "-CA", str(d / "ca.pem"),
                 "-CAkey", str(d / "ca-key.pem"), "-CAcreateserial", "-days", "1",
                 "-extfile", str(d / f"{who}.ext"), "-out", str(d / f"{who}-cert.pem"))  # fmt: skip
    shutil.copy(d / "client-cert.pem", d / "cert.pem")
    shutil.copy(d / "client-key.pem", d / "key.pem")


class RemoteEngine(PrivateEngine):
    def __init__(self, name: str, *flags: str) -> None:
        super().__init__(name, *flags)
        # A /29 of its own in 10.254.0.0/16: this host's end .1, the engine's end .2, and
        # .3 another address of the engine's, which its certificate does not name.
        block = random.randrange(0, 1 << 13) * 8
        net = f"10.254.{block >> 8}"
        self.subnet = f"{net}.{block & 0xF8}"
        self.host_address = f"{net}.{(block & 0xF8) + 1}"
        self.address = f"{net}.{(block & 0xF8) + 2}"
        self.unnamed_address = f"{net}.{(block & 0xF8) + 3}"
        self.veth = f"ndv{self.netns[-6:]}"
        self.certs = self.root / "certs"
        self.ssh_dir = self.root / "ssh"
        self.ssh_path = self.root / "bin"
        self.sshd: subprocess.Popen[bytes] | None = None
        self.flags = (
            *flags,
            "-H", f"tcp://{self.address}:{TLS_PORT}",
            "-H", f"tcp://{self.unnamed_address}:{TLS_PORT}",
            "--tlsverify",
            "--tlscacert", str(self.certs / "ca.pem"),
            "--tlscert", str(self.certs / "server-cert.pem"),
            "--tlskey", str(self.certs / "server-key.pem"),
        )  # fmt: skip

    @property
    def tls_url(self) -> str:
        return f"tcp://{self.address}:{TLS_PORT}"

    @property
    def ssh_url(self) -> str:
        # The socket's path: the remote docker CLI dials this engine, not the host's default.
        return f"ssh://root@{self.address}:{SSH_PORT}{self.socket}"

    def tls_env(self) -> dict[str, str]:
        """The docker CLI's DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for ``-H tcp://…``."""
        return {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(self.certs)}

    def start(self) -> RemoteEngine:
        sweep_leftovers()
        self.certs.mkdir(parents=True, exist_ok=True)
        (self.root / "owner").write_text(f"{os.getpid()} {self.netns}")
        _run("ip", "netns", "add", self.netns)
        _run(*self.in_netns("ip", "link", "set", "lo", "up"))
        _run("ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth-nd",
             "netns", self.netns)  # fmt: skip
        _run("ip", "addr", "add", f"{self.host_address}/29", "dev", self.veth)
        _run("ip", "link", "set", self.veth, "up")
        for address in (self.address, self.unnamed_address):
            _run(*self.in_netns("ip", "addr", "add", f"{address}/29", "dev", "eth-nd"))
        _run(*self.in_netns("ip", "link", "set", "eth-nd", "up"))
        make_certificates(self.certs, self.address)
        self._launch()
        self._start_sshd()
        return self

    def _start_sshd(self) -> None:
        d = self.ssh_dir
        d.mkdir()
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key"))
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "id"))
        shutil.copy(d / "id.pub", d / "authorized_keys")
        host_key = (d / "host_key.pub").read_text().split()
        (d / "known_hosts").write_text(f"[{self.address}]:{SSH_PORT} {host_key[0]} {host_key[1]}\n")
        (d / "sshd_config").write_text(
            f"Port {SSH_PORT}\nListenAddress {self.address}\nHostKey {d / 'host_key'}\n"
            f"AuthorizedKeysFile {d / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
            f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            f"StrictModes no\nPidFile {d / 'sshd.pid'}\n"
            # The remote side's docker is Debian's, which matches the engine.
            "SetEnv PATH=/usr/bin:/bin:/usr/sbin:/sbin\n"
        )
        (d / "ssh_config").write_text(
            f"Host {self.address}\n  IdentityFile {d / 'id'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {d / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
        )
        self.ssh_path.mkdir()
        wrapper = self.ssh_path / "ssh"
        wrapper.write_text(f'#!/bin/sh\nexec /usr/bin/ssh -F {d / "ssh_config"} "$@"\n')
        wrapper.chmod(0o755)
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
        log = (self.root / "sshd.log").open("ab")
        self.sshd = subprocess.Popen(
            self.in_netns(SSHD, "-D", "-e", "-f", str(d / "sshd_config")),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [str(wrapper), "-o", "BatchMode=yes", "-p", str(SSH_PORT),
                 f"root@{self.address}", "true"],
                capture_output=True, timeout=15,
            )  # fmt: skip
            if probe.returncode == 0:
                return
            time.sleep(0.2)
        raise PrivateEngineError(f"sshd did not let us in: {probe.stderr.decode().strip()}")

    def drop_traffic(self, drop: bool) -> None:
        """Half-open the link (iptables DROP in the namespace) or mend it."""
        verb = "-I" if drop else "-D"
        _run(*self.in_netns("iptables", verb, "INPUT", "-i", "eth-nd", "-j", "DROP"))

    def drop_connection(self, port: int, drop: bool) -> None:
        """Blackhole one TCP connection of this host's (by its local ``port``) in the
        namespace, the others going on, or mend it."""
        verb = "-I" if drop else "-D"
        rule = ("-i", "eth-nd", "-p", "tcp", "-s", self.host_address, "--sport", str(port))
        _run(*self.in_netns("iptables", verb, "INPUT", *rule, "-j", "DROP"))

    def stop(self) -> None:
        try:
            if self.sshd is not None and self.sshd.poll() is None:
                self.sshd.kill()
                self.sshd.wait(5)
        finally:
            super().stop()  # the namespace goes, and the veth pair with it
