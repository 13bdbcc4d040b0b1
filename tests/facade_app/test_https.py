"""The facade over HTTPS: `bridges serve` under gunicorn with `facade.tls_cert_file`/`tls_key_file`,
a client trusting the test's throw-away CA gets its answers, and a renewed certificate written over
the files is served from the next connection on, with no restart."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from bridges.core.testing import wait_until
from tests.tls_certs import make_ca

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _served_serial(port: int, context: ssl.SSLContext) -> int:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def test_bridges_serve_over_https_and_a_renewed_certificate_needs_no_restart(tmp_path):
    ca = make_ca(tmp_path / "ca")
    first = ca.issue(tmp_path, "localhost")
    shutil.copy(first.cert_file, tmp_path / "facade.crt")
    shutil.copy(first.key_file, tmp_path / "facade.key")
    port = _free_port()
    (tmp_path / "bridges.toml").write_text(
        f'[facade]\nport = {port}\ntls_cert_file = "facade.crt"\ntls_key_file = "facade.key"\n'
        f'state_dir = "{tmp_path / "var"}"\n',
        encoding="utf-8",
    )
    trusted = ssl.create_default_context(cafile=str(ca.cert_file))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from facade_app.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--config",
            str(tmp_path / "bridges.toml"),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"https://localhost:{port}/healthz", verify=trusted, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(answers, timeout=60), proc.stderr.read1().decode(errors="replace") if proc.poll() else ""
        first_serial = x509.load_pem_x509_certificate(first.cert_file.read_bytes()).serial_number
        assert _served_serial(port, trusted) == first_serial
        with pytest.raises(httpx.ConnectError):  # a client trusting another CA refuses the facade
            httpx.get(
                f"https://localhost:{port}/healthz",
                verify=ssl.create_default_context(cafile=str(make_ca(tmp_path / "other", "other").cert_file)),
            )
        renewed = ca.issue(tmp_path / "ca", "localhost", days=90)
        for source, name in ((renewed.key_file, "facade.key.new"), (renewed.cert_file, "facade.crt.new")):
            shutil.copy(source, tmp_path / name)
        (tmp_path / "facade.key.new").replace(tmp_path / "facade.key")
        (tmp_path / "facade.crt.new").replace(tmp_path / "facade.crt")
        renewed_serial = x509.load_pem_x509_certificate(renewed.cert_file.read_bytes()).serial_number
        assert _served_serial(port, trusted) == renewed_serial and proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)
