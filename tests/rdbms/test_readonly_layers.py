"""Each read-only layer on its own, on each database: the start-up write probe, the
read-only transaction/mode per request (with the gate switched off), and the caps."""

from __future__ import annotations

import pytest

from bridges.core.errors import Refused
from rdbms import RdbmsSettings, open_connection
from rdbms.live import OdbcConnection

pytestmark = pytest.mark.live


def _admin(target, **kwargs) -> OdbcConnection:
    options = dict(target.admin_options)
    return OdbcConnection(options["connection"], options["dialect"], user=options.get("user"),
                          password=target.admin_secrets.get("password"), **kwargs)


def test_the_reader_account_passes_the_probe(target) -> None:
    db = open_connection(RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"}),
                         system="orders", secrets=target.secrets)
    try:
        assert db.status()["account_can_write"] is False
        assert db.ping()["ok"] is True
    finally:
        db.close()


def test_an_account_that_can_write_is_refused_at_start(target) -> None:
    if target.dialect == "sqlite":
        # SQLite has no accounts: the probe must find the file read-only through the
        # hardened connection string, and writable through a raw one.
        import pyodbc

        from rdbms import sqlite_ext
        from rdbms.dialects import rules_for

        assert sqlite_ext.disable_extension_loading()  # as the rdbms package does before any connection opens
        raw = pyodbc.connect(f"Driver=SQLite3;Database={target.sqlite_path}", autocommit=True)
        try:
            assert rules_for("sqlite").write_probe(raw) == ["the database file is writable"]
        finally:
            raw.close()
        return
    with pytest.raises(Refused, match="can write") as caught:
        _admin(target)
    assert "allow_write_account" in caught.value.detail
    db = _admin(target, allow_write_account=True)
    try:
        assert db.status()["account_can_write"] is True
    finally:
        db.close()


WRITES = [
    "INSERT INTO ORDMETA (MTKEY, MTVAL) VALUES ('EVIL', 'X')",
    "UPDATE ORDHDR SET OHTOTL = 0",
    "DELETE FROM ORDLIN",
]


def test_the_read_only_transaction_alone_refuses_writes(target) -> None:
    """Gate off, an account that may write: the per-request read-only transaction
    (PostgreSQL, MariaDB) or read-only mode (SQLite mode=ro) still refuses."""
    before = target.checksum()
    db = _admin(target, allow_write_account=True, gate=None, pool_size=1)
    try:
        for sql in WRITES:
            if target.schema:
                sql = sql.replace("ORDMETA", f"{target.schema}.ORDMETA").replace(
                    "ORDHDR", f"{target.schema}.ORDHDR").replace("ORDLIN", f"{target.schema}.ORDLIN")
            with pytest.raises(Refused):
                db.query(sql)
        if target.dialect == "postgresql":
            # Switching the session setting off from SQL does not open the current transaction.
            with pytest.raises(Refused):
                db.query(f"WITH X AS (DELETE FROM {target.schema}.ORDLIN RETURNING 1) SELECT COUNT(*) FROM X")
        assert db.query("SELECT 1 AS ok").rows == [(1,)]  # the connection survived each refusal
    finally:
        db.close()
    assert target.checksum() == before


def test_row_cap_sets_truncated(target) -> None:
    db = open_connection(RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"}),
                         system="orders", secrets=target.secrets)
    try:
        sql = f"SELECT OHORNO FROM {target.relation('VORDHDR')} ORDER BY OHORNO"
        capped = db.query(sql, max_rows=7)
        assert len(capped.rows) == 7 and capped.truncated
        assert db.query(sql + " LIMIT 7", max_rows=7).truncated is False
        by_bytes = db.query(sql, max_bytes=1024)
        assert by_bytes.truncated and 0 < len(by_bytes.rows) < 200
    finally:
        db.close()
