"""SSH tunnels by configuration, against a real OpenSSH server: a TN3270, an ODBC (PostgreSQL)
and a browser bridge each work through the tunnel; an unknown or changed host key is refused;
a dropped SSH session is re-established; closing the runtime ends the session."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.core.config import parse_config
from bridges.core.errors import BridgeError, ConfigError
from bridges.core.registry import build_runtime, check_config
from bridges.core.runtime import Runtime
from bridges.core.testing import wait_until
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from mainframe.testing import demo_host, need_s3270
from tests.bridges.orders import helpers
from tests.ssh_server import SshServer, ssh_agent, ssh_server
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[SshServer]:
    with ssh_server(tmp_path_factory.mktemp("sshd")) as server:
        yield server


def _orders(target: Any, tunnel: dict[str, Any]) -> Any:
    entry = helpers.bridge_entry(target)
    entry["tunnel"] = tunnel
    return helpers.config_for(entry)


def _connected(runtime: Runtime, name: str) -> dict[str, Any]:
    return runtime.readiness()[name]["tunnel"]


def test_orders_on_postgresql_through_the_tunnel(sshd, postgresql_target):
    runtime = build_runtime(_orders(postgresql_target, sshd.tunnel_table()))
    try:
        bridge = runtime.bridges["orders"]
        assert f"Port={bridge.tunnel.local_port}" in bridge.bridge.settings.connection
        order = runtime.call("orders", "get_order", {"order_no": "0000100001"})
        assert order.order_no == "0000100001" and order.lines
        status = _connected(runtime, "orders")
        assert status["connected"] and status["target"] == "127.0.0.1:5432" and status["reconnects"] == 0
        assert sshd.sessions()  # the forwarded connections ride on a session of this sshd
    finally:
        runtime.close()


def test_custmast_on_tn3270_through_the_tunnel(sshd):
    need_s3270()
    with demo_host(codepage="cp1140") as host:
        config = parse_config(
            {
                "crosswalk": "fixtures/crosswalk-v1.csv",
                "bridges": {
                    "custmast": {
                        "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": "Dem0-Pass"}},
                        "options": {"code_page": "cp1140", "host": "127.0.0.1", "port": host.port},
                        "guard": {"deadline_s": 10, "read_retries": 0},
                        "tunnel": sshd.tunnel_table(),
                    }
                },
            },
            base_dir=ROOT,
        )
        runtime = build_runtime(config)
        try:
            assert runtime.bridges["custmast"].bridge.settings.port == runtime.bridges["custmast"].tunnel.local_port
            customer = runtime.call("custmast", "get_customer", {"customer": "C-00001"})
            assert customer.customer_id == "C-00001"
        finally:
            runtime.close()


def test_helpdesk_in_chromium_through_the_tunnel(sshd):
    need_chromium()
    with start_app(port=0) as app:
        config = parse_config(
            {
                "crosswalk": "fixtures/crosswalk-v1.csv",
                "bridges": {
                    "helpdesk": {
                        "secrets": {"password": {"env": "HELPDESK_TEST_PASSWORD", "default": DEMO_PASSWORD}},
                        "options": {"base_url": app.entry_url},
                        "guard": {"deadline_s": 20, "read_retries": 0},
                        "tunnel": sshd.tunnel_table(),
                    }
                },
            },
            base_dir=ROOT,
        )
        runtime = build_runtime(config)
        try:
            tunnel = runtime.bridges["helpdesk"].tunnel
            assert runtime.bridges["helpdesk"].bridge.settings.base_url == (
                f"http://127.0.0.1:{tunnel.local_port}/helpdesk/"
            )
            page = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
            assert page.customer_id == "C-00001" and page.total > 0
        finally:
            runtime.close()


def test_an_unknown_host_key_is_refused_unless_its_fingerprint_is_trusted(sshd, postgresql_target, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"host key ssh-ed25519 SHA256:\S+ is not in .* and not trusted") as caught:
        build_runtime(_orders(postgresql_target, sshd.tunnel_table(known_hosts=str(empty))))
    assert sshd.host_key_fingerprint in caught.value.detail
    other = "SHA256:" + "A" * 43
    with pytest.raises(ConfigError, match="not trusted"):
        build_runtime(_orders(postgresql_target, sshd.tunnel_table(known_hosts=str(empty), trust_host_key=other)))
    runtime = build_runtime(
        _orders(postgresql_target, sshd.tunnel_table(known_hosts=str(empty), trust_host_key=sshd.host_key_fingerprint))
    )
    try:
        assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
    finally:
        runtime.close()
    assert empty.read_text() == ""  # trusting a key for the tunnel never writes it to the file


def test_a_changed_host_key_is_refused(sshd, postgresql_target, tmp_path):
    other_key = tmp_path / "other"
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)], check=True, timeout=30)
    kind, blob = (tmp_path / "other.pub").read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {kind} {blob}\n")
    with pytest.raises(ConfigError, match="host key differs"):
        build_runtime(
            _orders(
                postgresql_target, sshd.tunnel_table(known_hosts=str(known), trust_host_key=sshd.host_key_fingerprint)
            )
        )


def test_a_dropped_session_is_re_established(sshd, postgresql_target):
    runtime = build_runtime(_orders(postgresql_target, sshd.tunnel_table(keepalive_s=1)))
    try:
        assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
        assert sshd.drop_sessions() >= 1
        assert wait_until(
            lambda: _connected(runtime, "orders")["reconnects"] >= 1 and _connected(runtime, "orders")["connected"],
            timeout=15,
        )
        failures = 0
        for _ in range(3):  # a pooled connection that rode the dead session fails once, then is replaced
            try:
                order = runtime.call("orders", "get_order", {"order_no": "0000100001"})
                break
            except BridgeError:
                failures += 1
        assert order.order_no == "0000100001" and failures <= 1
    finally:
        runtime.close()


def test_closing_the_runtime_ends_the_session_and_the_port(sshd, postgresql_target):
    before = {p.pid for p in sshd.sessions()}
    runtime = build_runtime(_orders(postgresql_target, sshd.tunnel_table()))
    port = runtime.bridges["orders"].tunnel.local_port
    runtime.call("orders", "get_order", {"order_no": "0000100001"})
    assert {p.pid for p in sshd.sessions()} - before
    runtime.close()
    assert wait_until(lambda: not ({p.pid for p in sshd.sessions()} - before), timeout=10)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_ssh_agent_authenticates_when_no_key_file_is_given(sshd, postgresql_target, tmp_path, monkeypatch):
    with ssh_agent(tmp_path, sshd.key_file) as sock:
        monkeypatch.setenv("SSH_AUTH_SOCK", sock)
        table = sshd.tunnel_table(agent=True)
        del table["key_file"]
        runtime = build_runtime(_orders(postgresql_target, table))
        try:
            assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
        finally:
            runtime.close()


def test_a_bridge_without_a_host_cannot_be_tunnelled(sshd, sqlite_target):
    with pytest.raises(ConfigError, match=r"bridges\.orders\.tunnel: the connection string names no Server"):
        check_config(_orders(sqlite_target, sshd.tunnel_table()))
