"""TN3270 over TLS: the CUSTMAST host on a TLS port with a certificate from a throw-away CA made by
the test; the bridge works when that CA is configured, and refuses a certificate another CA
signed, an expired one, or one for another name — with an error that says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import parse_config
from bridges.core.errors import Unavailable
from bridges.core.registry import build_runtime
from mainframe.testing import demo_host, need_s3270
from tests.ssh_server import ssh_server
from tests.tls_certs import Authority, make_ca

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Authority:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_host(ca, tmp_path_factory) -> Iterator[Any]:
    need_s3270()
    issued = ca.issue(tmp_path_factory.mktemp("host"), "custmast.test", "localhost")
    with demo_host(tls=issued.server_context()) as host:
        yield host


def _runtime(host: Any, **options: Any) -> Any:
    return build_runtime(
        parse_config(
            {
                "crosswalk": "fixtures/crosswalk-v1.csv",
                "bridges": {
                    "custmast": {
                        "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": "Dem0-Pass"}},
                        "options": {
                            "host": "127.0.0.1",
                            "port": host.port,
                            "tls": True,
                            "pool": {"min_size": 0},
                            **options,
                        },
                        "guard": {"deadline_s": 10, "read_retries": 0},
                    }
                },
            },
            base_dir=ROOT,
        )
    )


def test_the_bridge_works_over_tls_with_the_configured_ca(tls_host, ca):
    runtime = _runtime(tls_host, ca_file=str(ca.cert_file), tls_server_name="custmast.test")
    try:
        assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
    finally:
        runtime.close()


@pytest.mark.parametrize("problem", ["another CA", "expired", "another name"])
def test_a_certificate_that_does_not_verify_is_refused_naming_tls(problem, tls_host, ca, tmp_path):
    options: dict[str, Any] = {"ca_file": str(ca.cert_file), "tls_server_name": "custmast.test"}
    host = tls_host
    if problem == "another CA":
        options["ca_file"] = str(make_ca(tmp_path, "some other CA").cert_file)
    elif problem == "another name":
        options["tls_server_name"] = "not-custmast.test"
    runtime = None
    try:
        if problem == "expired":
            with demo_host(tls=ca.issue(tmp_path, "custmast.test", days=-1).server_context()) as expired:
                runtime = _runtime(expired, **options)
                with pytest.raises(Unavailable, match="TLS: the host's certificate or handshake was refused"):
                    runtime.call("custmast", "get_customer", {"customer": "C-00001"})
            return
        runtime = _runtime(host, **options)
        with pytest.raises(Unavailable, match="TLS: the host's certificate or handshake was refused") as caught:
            runtime.call("custmast", "get_customer", {"customer": "C-00001"})
        if problem == "another CA":
            assert "verif" in caught.value.detail
    finally:
        if runtime is not None:
            runtime.close()


def test_through_an_ssh_tunnel_the_certificate_is_still_checked_for_the_real_host(ca, tmp_path):
    need_s3270()
    with demo_host(tls=ca.issue(tmp_path, "localhost").server_context()) as host, ssh_server(tmp_path / "sshd") as sshd:
        config = parse_config(
            {
                "crosswalk": "fixtures/crosswalk-v1.csv",
                "bridges": {
                    "custmast": {
                        "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": "Dem0-Pass"}},
                        "options": {"host": "localhost", "port": host.port, "tls": True, "ca_file": str(ca.cert_file)},
                        "guard": {"deadline_s": 10, "read_retries": 0},
                        "tunnel": sshd.tunnel_table(),
                    }
                },
            },
            base_dir=ROOT,
        )
        runtime = build_runtime(config)
        try:
            settings = runtime.bridges["custmast"].bridge.settings
            assert (settings.host, settings.tls_server_name) == ("127.0.0.1", "localhost")
            assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
        finally:
            runtime.close()
