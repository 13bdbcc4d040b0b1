"""Exports under deadlines, on each database: the first rows are due within the call's
deadline, each later batch within the idle gap; when either passes (or the client goes
away) the query is cancelled on the server and the export slot freed.

An export goes the way declared-view exports go: ``stream()`` where the driver streams
(SQLite, PostgreSQL), keyset chunks of pooled queries where it does not (MariaDB)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded
from bridges.core.testing import wait_until
from fixtures.orders import connect_mariadb, connect_postgres
from rdbms import RdbmsSettings, open_connection
from rdbms.dialects import rules_for
from rdbms.keyset import keyset_chunks
from rdbms.live import OdbcConnection

pytestmark = [pytest.mark.live, pytest.mark.fault, pytest.mark.timeout(90)]

TOLERANCE_S = 0.5  # the watchdog's cancel and the driver's answer to it
# A number only this process's queries hold, to find them among the server's sessions.
MARKER = str(700_000_000 + os.getpid())
# Pairs of order lines (66,700² of them) that never match: minutes of work on every
# database before the first row, with nothing but a join and a comparison.
NEVER = ("SELECT A.OLORNO, A.OLLINE FROM {lines} A, {lines} B WHERE A.OLAMT + B.OLAMT = -" + MARKER
         + " ORDER BY A.OLORNO, A.OLLINE")


def _reader(target, **overrides) -> OdbcConnection:
    settings = RdbmsSettings(**{**{k: v for k, v in target.options.items() if k != "db_schema"}, **overrides})
    return open_connection(settings, system="orders", secrets=target.secrets)  # type: ignore[return-value]


def _export(db: OdbcConnection, sql: str, sql_after: str | None = None):
    """The export path a declared view takes on this database (``sql_after``: the rows
    after a first-column key ``?``, for keyset chunks)."""
    if rules_for(db.dialect).streams_results:
        return db.stream(sql)
    return keyset_chunks(db, lambda after: (sql, []) if after is None else (sql_after or sql, [after[0]]),
                         lambda row: (row[0],))


def _running(target) -> int:
    """Statements of this process's marker still running on the server."""
    if target.dialect == "postgresql":
        with connect_postgres() as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                "AND pid <> pg_backend_pid() AND query LIKE %s", (f"%{MARKER}%",)).fetchone()[0]
    if target.dialect == "mariadb":
        conn = connect_mariadb()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                            "AND COMMAND <> 'Sleep' AND INFO LIKE %s", (f"%{MARKER}%",))
                return cur.fetchone()[0]
        finally:
            conn.close()
    return 0  # SQLite runs in this process: the freed slot is the proof


def test_an_export_of_a_30s_query_with_a_1s_deadline_answers_within_the_deadline(target) -> None:
    db = _reader(target)
    try:
        sql = NEVER.format(lines=target.relation("VORDLIN"))
        started = time.monotonic()
        with deadline_scope(Deadline(1.0)), pytest.raises(DeadlineExceeded) as caught:
            for _ in _export(db, sql).rows():
                pass
        elapsed = time.monotonic() - started
        assert caught.value.status == 504
        assert elapsed <= 1.0 + TOLERANCE_S, f"answered after {elapsed:.2f}s"
        assert wait_until(lambda: _running(target) == 0, 2.0), "the query still runs on the server"
        assert db.status()["streams_running"] == 0
    finally:
        db.close()


def test_two_stuck_exports_do_not_block_a_third(target) -> None:
    db = _reader(target, max_streams=2, pool_timeout_s=3.0)
    sql = NEVER.format(lines=target.relation("VORDLIN"))
    outcomes: list[BaseException | None] = []
    started = threading.Barrier(3)

    def stuck() -> None:
        started.wait(5)
        try:
            with deadline_scope(Deadline(1.0)):
                for _ in _export(db, sql).rows():
                    pass
            outcomes.append(None)
        except BaseException as exc:  # each ends in its own 504
            outcomes.append(exc)

    workers = [threading.Thread(target=stuck) for _ in range(2)]
    try:
        for worker in workers:
            worker.start()
        started.wait(5)
        if rules_for(db.dialect).streams_results:
            assert wait_until(lambda: db.status()["streams_running"] == 2, 5)
        else:
            assert wait_until(lambda: _running(target) == 2, 5)
        with deadline_scope(Deadline(5.0)):
            headers = target.relation("VORDHDR")
            rows = sum(len(batch) for batch in _export(
                db, f"SELECT OHORNO FROM {headers} ORDER BY OHORNO",
                f"SELECT OHORNO FROM {headers} WHERE OHORNO > ? ORDER BY OHORNO").batches)
        assert rows == 20_000
    finally:
        for worker in workers:
            worker.join(10)
        db.close()
    assert len(outcomes) == 2 and all(isinstance(o, DeadlineExceeded) for o in outcomes), outcomes
    assert wait_until(lambda: _running(target) == 0, 2.0)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])  # MariaDB exports are pooled keyset pages
def test_a_stream_that_stalls_between_batches_ends_at_the_idle_gap(dialect: str,
                                                                  request: pytest.FixtureRequest) -> None:
    """Rows flow, then the query stalls: the idle gap, not the 600 s stream deadline, ends it."""
    target = request.getfixturevalue(f"{dialect}_target")
    db = _reader(target)
    lines = target.relation("VORDLIN")
    # Every order but the last answers at once; the last one's column takes minutes (an
    # uncorrelated subquery, run only when CASE reaches it: lazily, on both databases).
    sql = (f"SELECT H.OHORNO, CASE WHEN H.OHORNO < '0000120000' THEN 0 ELSE "
           f"(SELECT COUNT(*) FROM {lines} A, {lines} B WHERE A.OLAMT + B.OLAMT = -{MARKER}) END AS N "
           f"FROM {target.relation('VORDHDR')} H")
    seen, last_batch = 0, time.monotonic()
    try:
        with deadline_scope(Deadline(5.0)), pytest.raises(DeadlineExceeded):
            for batch in db.stream(sql, batch_size=500, idle_s=1.0).batches:
                seen += len(batch)
                last_batch = time.monotonic()
        stalled = time.monotonic() - last_batch
        assert seen >= 1000  # rows flowed, then the query stalled
        assert stalled <= 1.0 + TOLERANCE_S, f"stalled {stalled:.2f}s"
        assert wait_until(lambda: _running(target) == 0, 2.0)
        assert db.status()["streams_running"] == 0
    finally:
        db.close()


def test_stream_honours_the_deadline_scope_for_its_first_row(sqlite_target) -> None:
    """No guard-less escape: without a scope the stream deadline applies, with one the scope's."""
    db = _reader(sqlite_target, stream_deadline_s=0.5)
    sql = NEVER.format(lines="VORDLIN")
    try:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            list(db.stream(sql).rows())  # sqliteodbc steps to the first row at the first fetch
        assert time.monotonic() - started <= 0.5 + TOLERANCE_S
        started = time.monotonic()
        with deadline_scope(Deadline(0.3)):
            cursor = db.stream(sql, deadline_s=30)
        with pytest.raises(DeadlineExceeded):  # consumed after the call returned, as the facade does
            list(cursor.rows())
        assert time.monotonic() - started <= 0.3 + TOLERANCE_S
        assert db.status()["streams_running"] == 0
    finally:
        db.close()
