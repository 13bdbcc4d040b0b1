"""Assessing a database of 1,000,000 rows in 20 tables (SQLite, PostgreSQL, MariaDB): bounded memory,
no more connections than configured, every query within its deadline, every count exact."""

from __future__ import annotations

import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from bridges.core.testing import real_part_missing
from fixtures.orders import connect_mariadb, connect_postgres
from fixtures.orders.wide import (
    WIDE_READER,
    WIDE_READER_PASSWORD,
    build_wide_sqlite,
    drop_wide_mariadb,
    drop_wide_postgres,
    load_wide_mariadb,
    load_wide_postgres,
)
from rdbms.assess import assess_database
from rdbms.settings import RdbmsSettings
from tests.rdbms.databases import PG_ODBC, need_driver

pytestmark = pytest.mark.live

TABLES, ROWS = 20, 50_000
MEMORY_BOUND = 64 * 1024 * 1024
"""Python allocations the assessment may hold at its peak: samples of 1,000 rows, never a table."""


def _check(settings: RdbmsSettings, schema: str | None, password: str | None = None) -> None:
    tracemalloc.start()
    try:
        found = assess_database(settings, password=password, schema=schema, sample_rows=1000, timeout_s=30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"{settings.dialect}: peak Python allocations {peak / 2**20:.1f} MiB (bound {MEMORY_BOUND / 2**20:.0f} MiB)")
    assert peak < MEMORY_BOUND
    assert len(found.relations) == TABLES
    assert all(r.count.exact and r.count.rows == ROWS for r in found.relations)
    assert all(not r.problem and r.sampled == 1000 and r.key for r in found.relations)  # no query ran out of time
    assert sum(r.count.rows for r in found.relations) == TABLES * ROWS


def test_a_million_rows_in_sqlite(tmp_path: Path):
    need_driver("SQLite3")
    path = build_wide_sqlite(tmp_path / "wide.sqlite", TABLES, ROWS)
    _check(RdbmsSettings(connection=f"Driver=SQLite3;Database={path}", dialect="sqlite"), None)


def test_a_million_rows_in_postgresql_over_at_most_the_configured_connections():
    need_driver("PostgreSQL Unicode")
    schema = f"wide_t{os.getpid()}"
    try:
        with connect_postgres() as conn:
            load_wide_postgres(conn, schema, TABLES, ROWS)
    except Exception as exc:  # the server is not there: the real-part rule decides
        real_part_missing(f"PostgreSQL: {exc}")
    stop, seen = threading.Event(), [0]

    def watch() -> None:  # the reader's backends, polled while the assessment runs
        with connect_postgres() as conn:
            conn.autocommit = True
            while not stop.is_set():
                sql = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
                seen.append(int(conn.execute(sql, (WIDE_READER,)).fetchone()[0]))
                stop.wait(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    settings = RdbmsSettings(connection=PG_ODBC, dialect="postgresql", user=WIDE_READER, pool_size=2)
    try:
        _check(settings, schema)
    finally:
        stop.set()
        watcher.join()
        with connect_postgres() as conn:
            drop_wide_postgres(conn, schema)
    # One connection at a time (probe, catalog, then the pool's one); a closed one's backend may still be
    # leaving while the next arrives, so the server can see two: never more than the configured pool_size.
    assert 1 <= max(seen) <= settings.pool_size


def test_a_million_rows_in_mariadb_over_at_most_the_configured_connections():
    need_driver("MariaDB Unicode")
    database = f"wide_t{os.getpid()}"
    try:
        admin = connect_mariadb()
    except Exception as exc:  # the server is not there: the real-part rule decides
        real_part_missing(f"MariaDB: {exc}")
    stop, seen = threading.Event(), [0]

    def watch() -> None:  # the reader's sessions, polled while the assessment runs
        conn = connect_mariadb()
        try:
            with conn.cursor() as cur:
                while not stop.is_set():
                    cur.execute("SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = %s", (WIDE_READER,))
                    seen.append(int(cur.fetchone()[0]))
                    stop.wait(0.005)
        finally:
            conn.close()

    try:
        load_wide_mariadb(admin, database, TABLES, ROWS)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        connection = f"Driver={{MariaDB Unicode}};Server=127.0.0.1;Port=3306;Database={database}"
        settings = RdbmsSettings(connection=connection, dialect="mariadb", user=WIDE_READER, pool_size=2)
        try:
            _check(settings, None, WIDE_READER_PASSWORD)
        finally:
            stop.set()
            watcher.join()
    finally:
        drop_wide_mariadb(admin, database)
        admin.close()
    assert 1 <= max(seen) <= settings.pool_size
