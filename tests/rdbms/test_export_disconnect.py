"""A client that goes away mid-export, over real HTTP: the facade's streamed response is
closed by the server, which closes the row stream, which ends the query on the database
and frees the export slot."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from bridges.core.streaming import RowStream
from bridges.core.testing import wait_until
from fixtures.orders import connect_postgres
from rdbms import RdbmsSettings, open_connection

pytestmark = [pytest.mark.live, pytest.mark.fault, pytest.mark.timeout(60)]

APP_NAME = f"lb_disconnect_{os.getpid()}"


def _backends() -> list[str]:
    """States of this test's PostgreSQL sessions (tagged by application_name)."""
    with connect_postgres() as conn:
        return [row[0] for row in conn.execute(
            "SELECT state FROM pg_stat_activity WHERE application_name = %s", (APP_NAME,)).fetchall()]


@pytest.fixture
def served(request: pytest.FixtureRequest):
    """A Flask app serving one endless export through the facade's streaming, on a real
    HTTP server (port 0); yields (port, db)."""
    from flask import Flask
    from flask import request as flask_request
    from werkzeug.serving import make_server

    from facade_app.streaming import stream_response

    target = request.getfixturevalue(f"{request.param}_target")
    options = {k: v for k, v in target.options.items() if k != "db_schema"}
    if target.dialect == "postgresql":
        options["connection"] += ";pqopt={application_name=" + APP_NAME + "}"
    db = open_connection(RdbmsSettings(**options), system="orders", secrets=target.secrets)
    lines = target.relation("VORDLIN")
    # 66,700² rows: an export no client reads to the end.
    endless = f"SELECT A.OLORNO, A.OLLINE, B.OLORNO AS OTHER FROM {lines} A, {lines} B"
    app = Flask(__name__)

    @app.get("/export")
    def export():
        cursor = db.stream(endless)
        rows = RowStream((dict(zip(("a", "b", "c"), r, strict=True)) for r in cursor.rows()), cursor.close)
        return stream_response(rows, ["a", "b", "c"], flask_request.headers.get("Accept", ""), "endless")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, db, target.dialect
    finally:
        server.shutdown()
        thread.join(10)
        db.close()


@pytest.mark.parametrize("served", ["sqlite", "postgresql"], indirect=True)  # MariaDB: pooled keyset pages
@pytest.mark.parametrize("accept", ["application/x-ndjson", "text/csv"])
def test_a_client_leaving_mid_export_ends_the_query_and_frees_the_slot(served, accept: str) -> None:
    port, db, dialect = served
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(f"GET /export HTTP/1.1\r\nHost: t\r\nAccept: {accept}\r\n\r\n".encode())
    received = b""
    while len(received) < 256 * 1024:
        chunk = client.recv(65536)
        assert chunk, "the server ended the export early"
        received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    assert db.status()["streams_running"] == 1
    if dialect == "postgresql":
        assert any(state != "idle" for state in _backends())  # the export's session is busy
    client.close()  # the client goes away, the export half-sent
    assert wait_until(lambda: db.status()["streams_running"] == 0, 10), "the export slot was not freed"
    if dialect == "postgresql":
        assert wait_until(lambda: _backends() == [], 2), _backends()
