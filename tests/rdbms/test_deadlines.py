"""Deadlines on every driver: a query that would run far longer than its deadline ends
in DeadlineExceeded (504), its connection is discarded, and the next request succeeds
on a healthy connection. Pool exhaustion is a 503; dead connections are health-checked out."""

from __future__ import annotations

import threading

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded, Unavailable
from bridges.core.testing import wait_until
from rdbms import RdbmsSettings, open_connection
from rdbms.dialects import rules_for
from rdbms.live import OdbcConnection

pytestmark = [pytest.mark.live, pytest.mark.fault, pytest.mark.timeout(60)]

# A cross join of the order lines with themselves (66,700² rows): minutes of work on every
# database, using nothing but COUNT — what a caller's unlucky filter can do.
SLOW = "SELECT COUNT(*) AS N FROM {lines} A, {lines} B, {lines} C WHERE A.OLAMT + B.OLAMT = C.OLAMT + 1"


def _reader(target, **overrides) -> OdbcConnection:
    settings = RdbmsSettings(**{**{k: v for k, v in target.options.items() if k != "db_schema"}, **overrides})
    return open_connection(settings, system="orders", secrets=target.secrets)  # type: ignore[return-value]


def test_a_long_query_gives_504_at_a_1s_deadline_and_the_next_request_succeeds(target) -> None:
    db = _reader(target, pool_size=1)
    try:
        with deadline_scope(Deadline(1.0)), pytest.raises(DeadlineExceeded) as caught:
            db.query(SLOW.format(lines=target.relation("VORDLIN")))
        assert caught.value.status == 504
        assert db.status()["discarded_connections"] == 1
        with deadline_scope(Deadline(5.0)):
            assert db.query(f"SELECT COUNT(*) AS N FROM {target.relation('VORDHDR')}").rows == [(20_000,)]
        assert db.status()["discarded_connections"] == 1
    finally:
        db.close()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])  # SQLite has none: the watchdog alone covers it
def test_the_server_side_timeout_alone_stops_a_query(dialect: str, request: pytest.FixtureRequest) -> None:
    """No watchdog: the database's own limit (statement_timeout / max_statement_time) ends it."""
    target = request.getfixturevalue(f"{dialect}_target")
    import pyodbc

    from rdbms import connstr

    pairs = connstr.add_credentials(connstr.parse_connection_string(target.options["connection"]),
                                    target.options.get("user"), target.secrets.get("password"))
    rules = rules_for(dialect)
    cnxn = pyodbc.connect(connstr.format_connection_string(pairs), autocommit=rules.autocommit())
    try:
        cursor = cnxn.cursor()
        rules.begin(cursor, 0.5)
        with pytest.raises(pyodbc.Error) as caught:
            cursor.execute(SLOW.format(lines=target.relation("VORDLIN"))).fetchall()
        assert rules.is_timeout(*caught.value.args[:2])
    finally:
        cnxn.close()


def test_an_exhausted_pool_answers_503(target) -> None:
    db = _reader(target, pool_size=1, pool_timeout_s=0.2)
    started = threading.Event()
    errors: list[BaseException] = []

    def hog() -> None:
        try:
            with deadline_scope(Deadline(2.0)):
                started.set()
                db.query(SLOW.format(lines=target.relation("VORDLIN")))
        except BaseException as exc:  # the hog ends in its own 504
            errors.append(exc)

    worker = threading.Thread(target=hog)
    worker.start()
    try:
        assert started.wait(5)
        # The hog holds the pool's one connection before we ask for another.
        assert wait_until(lambda: db.status()["pool_checked_out"] == 1, timeout=5), db.status()
        with deadline_scope(Deadline(5.0)), pytest.raises(Unavailable):
            db.query("SELECT 1 AS ok")
    finally:
        worker.join(10)
        db.close()
    assert errors and isinstance(errors[0], DeadlineExceeded)


def test_a_dead_pooled_connection_is_replaced_by_the_health_check(target) -> None:
    db = _reader(target, pool_size=1, health_check_after_s=0)
    try:
        assert db.query("SELECT 1 AS ok").rows == [(1,)]
        pool = db._pool
        # Break the idle connection behind the pool's back.
        record_conn = pool._pool.queue[0]
        record_conn.dbapi_connection.close()
        assert db.query("SELECT 2 AS ok").rows == [(2,)]
    finally:
        db.close()
