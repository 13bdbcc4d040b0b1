"""The rdbms pool's per-request cost of resetting sessions, and how fast it heals after
every session is killed, on each server database.

(a) Point queries per second through ``OdbcConnection.query`` (one thread, a pooled
    connection, a SELECT on ``pg_class``/``information_schema``), with the reset on
    return to the pool (PostgreSQL ``DISCARD ALL``; MariaDB and SQLite none for a
    SELECT without session state) against the same with the reset switched off.
(b) Killing every pooled session (``pg_terminate_backend`` / ``KILL``), then the time
    until the next request has its answer, and how many requests failed (expected: 0).
(c) An export whose query would run for minutes, under a 1 s deadline: the time until
    the caller has its 504 (``stream()`` on SQLite and PostgreSQL, a keyset page — a
    pooled query — on MariaDB), worst of 3.

    .venv/bin/python bench/rdbms_pool.py [--seconds 3]

Needs PostgreSQL on 127.0.0.1:5432 (trust) and MariaDB on 127.0.0.1:3306 (root). The
last line is the headline figure.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

# The repository first: bench/rdbms.py would otherwise shadow the rdbms package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded
from fixtures.orders import connect_mariadb, connect_postgres
from rdbms.dialects import DialectRules
from rdbms.live import OdbcConnection

SERVERS = {
    "postgresql": ("Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test", "postgres",
                   "SELECT relname FROM pg_class WHERE oid = ?", [1259]),
    "mariadb": ("Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Database=test", "root",
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? LIMIT 1", ["mysql"]),
}


def _rate(db: OdbcConnection, sql: str, params: list, seconds: float) -> float:
    done, end = 0, time.perf_counter() + seconds
    with deadline_scope(Deadline(seconds + 30)):
        while time.perf_counter() < end:
            db.query(sql, params)
            done += 1
    return done / seconds


def _ids(db: OdbcConnection) -> list[int]:
    sql = "SELECT pg_backend_pid()" if db.dialect.value == "postgresql" else "SELECT CONNECTION_ID()"
    fairies = [db._pool.connect() for _ in range(db._pool.size())]
    ids = []
    for fairy in fairies:
        cursor = fairy.dbapi_connection.cursor()
        ids.append(int(cursor.execute(sql).fetchone()[0]))
        cursor.close()
        db.rules.end(fairy.dbapi_connection)
    for fairy in fairies:
        fairy.close()
    return ids


def _kill(dialect: str, ids: list[int]) -> None:
    if dialect == "postgresql":
        with connect_postgres() as conn:
            for pid in ids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return
    conn = connect_mariadb()
    with conn.cursor() as cur:
        for thread_id in ids:
            cur.execute(f"KILL {int(thread_id)}")
    conn.close()


ENDLESS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
    "postgresql": "SELECT COUNT(*) FROM generate_series(1, 100000000000) AS g",
    "mariadb": "SELECT COUNT(*) FROM seq_1_to_1000000 AS a, seq_1_to_1000000 AS b",
}


def _export_cancel(db: OdbcConnection) -> float:
    """Seconds until an endless export under a 1 s deadline gives up (worst of 3)."""
    worst = 0.0
    for _ in range(3):
        started = time.perf_counter()
        try:
            with deadline_scope(Deadline(1.0)):
                if db.dialect.value == "mariadb":
                    db.query(ENDLESS["mariadb"])
                else:
                    list(db.stream(ENDLESS[db.dialect.value]).rows())
        except DeadlineExceeded:
            pass
        worst = max(worst, time.perf_counter() - started)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per case")
    args = parser.parse_args()
    heal = {}
    for dialect, (connection, user, sql, params) in SERVERS.items():
        db = OdbcConnection(connection, dialect, user=user, allow_write_account=True, pool_size=4, gate=None)
        try:
            _rate(db, sql, params, 0.5)  # warm up
            with_reset = _rate(db, sql, params, args.seconds)
            with mock.patch.object(DialectRules, "reset", lambda self, cnxn: None):
                without = _rate(db, sql, params, args.seconds)
            print(f"{dialect:10} point query with reset {with_reset:7.0f}/s, without {without:7.0f}/s "
                  f"({with_reset / without:.2f}x)")
            failures, times = 0, []
            for _ in range(5):
                _kill(dialect, _ids(db))
                started = time.perf_counter()
                try:
                    with deadline_scope(Deadline(10)):
                        db.query(sql, params)
                except Exception:  # counted: the figure is how many requests a restart costs
                    failures += 1
                times.append(time.perf_counter() - started)
            heal[dialect] = (max(times), failures)
            print(f"{dialect:10} after killing every session: next request answered in "
                  f"{max(times) * 1000:.1f} ms at worst (5 kills), {failures} failed requests")
        finally:
            db.close()
    cancel = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/empty.db"
        sqlite3.connect(path).close()
        for dialect, connection, user in (("sqlite", f"Driver=SQLite3;Database={path}", None),
                                          ("postgresql", SERVERS["postgresql"][0], "postgres"),
                                          ("mariadb", SERVERS["mariadb"][0], "root")):
            db = OdbcConnection(connection, dialect, user=user, allow_write_account=True, gate=None)
            try:
                cancel[dialect] = _export_cancel(db)
            finally:
                db.close()
            print(f"{dialect:10} endless export under a 1 s deadline answered after {cancel[dialect]:.3f} s "
                  "(worst of 3)")
    print("export under 1 s deadline: " + ", ".join(f"{d} {t:.2f} s" for d, t in cancel.items()))
    print("restart heal: " + ", ".join(f"{d} {t * 1000:.0f} ms / {f} failed" for d, (t, f) in heal.items()))


if __name__ == "__main__":
    main()
