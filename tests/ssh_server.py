"""A real OpenSSH server for tests: sshd on a loopback port with throw-away keys in a temp folder.

    with ssh_server(tmp_path) as server:
        server.tunnel_table()      # a [bridges.NAME.tunnel] table that reaches it
        server.drop_sessions()     # kill every SSH session server-side (the listener stays)

sshd runs in the foreground (``-D``) with its own host key, ``authorized_keys`` holding one
client key, TCP forwarding and the internal SFTP server on; the user is whoever runs the
tests (root in CI).
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bridges.core.testing import need, real_part_missing, wait_until

__all__ = ["SshServer", "ssh_agent", "ssh_server"]

SSHD = "/usr/sbin/sshd"


@dataclass
class SshServer:
    """A running sshd and the files a client needs to reach it."""

    port: int
    user: str
    key_file: Path
    known_hosts: Path
    host_key_fingerprint: str
    folder: Path
    process: subprocess.Popen

    host = "127.0.0.1"

    def tunnel_table(self, **overrides: Any) -> dict[str, Any]:
        """A ``tunnel`` table reaching this server with the client key and its known_hosts."""
        return {
            "jump_host": self.host,
            "jump_port": self.port,
            "user": self.user,
            "key_file": str(self.key_file),
            "known_hosts": str(self.known_hosts),
            "agent": False,
            **overrides,
        }

    def sessions(self) -> list[psutil.Process]:
        """The per-connection sshd processes (the listener's children)."""
        with suppress(psutil.NoSuchProcess):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def drop_sessions(self) -> int:
        """Kill every SSH session server-side, as a network drop or an admin would; how many."""
        killed = 0
        for proc in self.sessions():
            with suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
                killed += 1
        return killed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)


@contextmanager
def ssh_server(folder: Path) -> Iterator[SshServer]:
    """An sshd on a free loopback port, configured in ``folder``; stopped afterwards."""
    need(
        Path(SSHD).exists() and shutil.which("ssh-keygen") is not None, "OpenSSH server (Debian package openssh-server)"
    )
    folder.mkdir(parents=True, exist_ok=True)
    _keygen(folder / "host_key")
    _keygen(folder / "client_key")
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    port = _free_port()
    (folder / "sshd_config").write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'host_key'}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                "MaxStartups 100",
                "MaxSessions 100",
                "",
            ]
        )
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
    with open(folder / "sshd.log", "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=subprocess.DEVNULL, stderr=log
        )

    def accepting() -> bool:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return s.recv(4).startswith(b"SSH-")
        return False

    try:
        if not wait_until(accepting, timeout=15):
            real_part_missing(f"sshd did not start: {(folder / 'sshd.log').read_text(errors='replace')[-500:]}")
        host_pub = (folder / "host_key.pub").read_text().split()
        (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
        printed = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", str(folder / "host_key.pub")],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
        yield SshServer(
            port, getpass.getuser(), folder / "client_key", folder / "known_hosts", printed.split()[1], folder, proc
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def ssh_agent(folder: Path, *keys: Path) -> Iterator[str]:
    """An ssh-agent holding ``keys``; yields its socket path (the value of SSH_AUTH_SOCK)."""
    need(shutil.which("ssh-agent") is not None, "ssh-agent (Debian package openssh-client)")
    sock = folder / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(sock.exists, timeout=10)
        for key in keys:
            subprocess.run(
                ["ssh-add", "-q", str(key)],
                env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
                check=True,
                timeout=30,
                capture_output=True,
            )
        yield str(sock)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
