"""ODBC over TLS: ORDERS on a PostgreSQL cluster and a MariaDB server started by the tests with TLS
on (server certificates from a throw-away CA; PostgreSQL with hostssl the only way in); the bridge
verifies the certificate (and its name) against the configured CA file, and refuses a server
another CA signed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bridges.core.errors import BridgeError, ConfigError
from rdbms.connstr import format_connection_string
from rdbms.settings import RdbmsSettings
from tests.bridges.orders import helpers
from tests.rdbms.databases import need_driver
from tests.rdbms.mariadb_tls import mariadb_tls_server
from tests.rdbms.pg_tls import pg_tls_cluster
from tests.tls_certs import Authority, make_ca

pytestmark = pytest.mark.live
SCHEMA = "orders_tls"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Authority:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def cluster(ca, tmp_path_factory) -> Iterator[int]:
    need_driver("PostgreSQL Unicode")
    from fixtures.orders.load_servers import load_postgres

    port = _free_port()
    with pg_tls_cluster(ca.issue(tmp_path_factory.mktemp("pg"), "localhost"), port) as dsn:
        load_postgres(dsn, SCHEMA)
        yield port


def _entry(port: int, host: str, ca_file: Any) -> dict[str, Any]:
    return {
        "options": {
            "connection": f"Driver={{PostgreSQL Unicode}};Server={host};Port={port};Database=postgres",
            "dialect": "postgresql",
            "user": "postgres",
            "db_schema": SCHEMA,
            "allow_write_account": True,
            "tls_ca_file": str(ca_file),
        },
        "guard": {"deadline_s": 10, "read_retries": 0},
    }


def test_orders_over_tls_verified_against_the_configured_ca(cluster, ca):
    runtime = helpers.runtime_for(_entry(cluster, "localhost", ca.cert_file))
    try:
        assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
        conn = runtime.bridges["orders"].bridge.db
        assert "SSLmode=verify-full" in format_connection_string(conn._connect_pairs)  # the pool connects only this way
    finally:
        runtime.close()


@pytest.mark.parametrize("problem", ["another CA", "another name"])
def test_a_server_whose_certificate_does_not_verify_is_refused(problem, cluster, ca, tmp_path):
    ca_file = make_ca(tmp_path, "some other CA").cert_file if problem == "another CA" else ca.cert_file
    host = "127.0.0.1" if problem == "another name" else "localhost"  # the certificate names localhost only
    with pytest.raises(BridgeError) as caught:
        helpers.runtime_for(_entry(cluster, host, ca_file)).close()
    assert caught.value.status == 503
    expected = "certificate verify failed" if problem == "another CA" else 'does not match host name "127.0.0.1"'
    assert expected in caught.value.detail


def test_without_the_option_the_plain_connection_is_refused_by_the_tls_only_server(cluster):
    entry = _entry(cluster, "localhost", "unused")
    del entry["options"]["tls_ca_file"]
    with pytest.raises(BridgeError, match="no encryption"):
        helpers.runtime_for(entry).close()


@pytest.mark.parametrize("tool", ["discover", "assess"])
def test_discover_and_assess_read_the_catalog_over_the_verified_tls_the_bridge_uses(tool, cluster, ca, tmp_path):
    from rdbms.assess import assess_database
    from rdbms.discover import discover

    options = _entry(cluster, "localhost", ca.cert_file)["options"]
    settings = RdbmsSettings(**{k: v for k, v in options.items() if k != "db_schema"})
    read = discover if tool == "discover" else assess_database
    found = read(settings, schema=SCHEMA, tables="CUSMST", sample_rows=20, timeout_s=10)  # the server takes TLS only
    assert found is not None
    other = settings.model_copy(update={"tls_ca_file": make_ca(tmp_path, "some other CA").cert_file})
    with pytest.raises(BridgeError, match="certificate verify failed"):
        read(other, schema=SCHEMA, tables="CUSMST", sample_rows=20, timeout_s=10)


def test_sqlite_has_no_server_to_verify():
    settings = RdbmsSettings(connection="Driver=SQLite3;Database=x.db", dialect="sqlite", tls_ca_file="ca.pem")
    with pytest.raises(ConfigError, match="no server to verify"):
        settings.with_tls()


@pytest.fixture(scope="module")
def mariadb(ca, tmp_path_factory) -> Iterator[int]:
    need_driver("MariaDB Unicode")
    from fixtures.orders.load_servers import load_mariadb

    port = _free_port()
    issued = ca.issue(tmp_path_factory.mktemp("mariadb"), "localhost", "127.0.0.1")
    with mariadb_tls_server(issued, ca.cert_file, port) as params:
        load_mariadb(SCHEMA, **params)
        yield port


def _mariadb_entry(port: int, ca_file: Any) -> dict[str, Any]:
    return {
        "options": {
            "connection": f"Driver={{MariaDB Unicode}};Server=127.0.0.1;Port={port};Database={SCHEMA}",
            "dialect": "mariadb",
            "user": "root",
            "allow_write_account": True,
            "tls_ca_file": str(ca_file),
        },
        "guard": {"deadline_s": 10, "read_retries": 0},
    }


def test_orders_on_mariadb_over_tls_verified_against_the_configured_ca(mariadb, ca):
    runtime = helpers.runtime_for(_mariadb_entry(mariadb, ca.cert_file))
    try:
        assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
        cipher = runtime.bridges["orders"].bridge.db.query(
            "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'",
            [],
            max_rows=1,
        )
        assert cipher.rows and cipher.rows[0][0]  # the pool's connection is encrypted
    finally:
        runtime.close()


def test_a_mariadb_server_another_ca_signed_is_refused(mariadb, tmp_path):
    with pytest.raises(BridgeError, match="TLS/SSL error") as caught:
        helpers.runtime_for(_mariadb_entry(mariadb, make_ca(tmp_path, "some other CA").cert_file)).close()
    assert caught.value.status == 503
