"""A throw-away PostgreSQL cluster with TLS on, for the TLS tests: initdb into a temporary folder,
a loopback port, the server certificate a test's CA issued, and ``hostssl`` the only way in."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bridges.core.testing import need
from tests.tls_certs import Issued

__all__ = ["pg_tls_cluster"]


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextmanager
def pg_tls_cluster(cert: Issued, port: int) -> Iterator[str]:
    """Run the cluster on 127.0.0.1:``port``; yields a psycopg DSN (sslmode=require) of its
    ``postgres`` database, user ``postgres``."""
    bindir = _bindir()
    need(bindir is not None, "PostgreSQL server binaries (Debian package postgresql)")
    assert bindir is not None
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="pg-tls-"))  # under /tmp: the postgres user must reach it
    data = folder / "data"
    try:
        if as_postgres:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            [*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        for source, name in ((cert.cert_file, "server.crt"), (cert.key_file, "server.key")):
            shutil.copy(source, data / name)
            (data / name).chmod(0o600)
            if as_postgres:
                shutil.chown(data / name, "postgres", "postgres")
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
                "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\n"
            )
        (data / "pg_hba.conf").write_text("local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
        subprocess.run(
            [
                *as_postgres,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=require connect_timeout=5"
        finally:
            subprocess.run(
                [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=120,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
