"""A throw-away MariaDB server with TLS on, for the TLS tests: mariadb-install-db into a temporary
folder, a loopback port, the server certificate a test's CA issued."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bridges.core.testing import need, real_part_missing, wait_until
from tests.tls_certs import Issued

__all__ = ["mariadb_tls_server"]


@contextmanager
def mariadb_tls_server(cert: Issued, ca_file: Path, port: int) -> Iterator[dict]:
    """Run the server on 127.0.0.1:``port``; yields PyMySQL parameters reaching it as root over TLS."""
    need(
        shutil.which("mariadbd") is not None and shutil.which("mariadb-install-db") is not None,
        "MariaDB server binaries (Debian package mariadb-server)",
    )
    folder = Path(tempfile.mkdtemp(prefix="mariadb-tls-"))
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")
    try:
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={folder / 'data'}",
                f"--user={user}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        with open(folder / "server.log", "wb") as log:
            proc = subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={folder / 'data'}",
                    f"--user={user}",
                    f"--port={port}",
                    "--bind-address=127.0.0.1",
                    f"--socket={folder / 'sock'}",
                    f"--pid-file={folder / 'pid'}",
                    f"--ssl-ca={ca_file}",
                    f"--ssl-cert={cert.cert_file}",
                    f"--ssl-key={cert.key_file}",
                    "--skip-log-bin",
                    "--innodb-buffer-pool-size=16M",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

        def accepting() -> bool:
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
            return False

        try:
            if not wait_until(accepting, timeout=60):
                real_part_missing(
                    f"mariadbd did not start: {(folder / 'server.log').read_text(errors='replace')[-400:]}"
                )
            yield {"host": "127.0.0.1", "port": port, "user": "root", "password": "", "ssl": {"ca": str(ca_file)}}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
