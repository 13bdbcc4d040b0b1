"""Connections that died (server restart, ``pg_terminate_backend``, MariaDB ``KILL``) are
thrown away at once and never handed out again; session state does not travel between
requests on a pooled connection."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import Unavailable
from bridges.core.guard import Guard, GuardSettings
from fixtures.orders import connect_mariadb, connect_postgres
from rdbms import RdbmsSettings, open_connection
from rdbms.dialects import rules_for
from rdbms.live import OdbcConnection

pytestmark = [pytest.mark.live, pytest.mark.fault, pytest.mark.timeout(120)]

SERVERS = ["postgresql", "mariadb"]


def _reader(target, **overrides) -> OdbcConnection:
    settings = RdbmsSettings(**{**{k: v for k, v in target.options.items() if k != "db_schema"}, **overrides})
    return open_connection(settings, system="orders", secrets=target.secrets)  # type: ignore[return-value]


def _admin(target, **kwargs) -> OdbcConnection:
    options = target.admin_options
    return OdbcConnection(options["connection"], options["dialect"], user=options.get("user"),
                          password=target.admin_secrets.get("password"), allow_write_account=True, **kwargs)


def _server_ids(db: OdbcConnection) -> list[int]:
    """The server's id of every pooled connection (all checked out at once, then returned)."""
    sql = "SELECT pg_backend_pid()" if db.dialect.value == "postgresql" else "SELECT CONNECTION_ID()"
    fairies = [db._pool.connect() for _ in range(db._pool.size())]
    try:
        ids = []
        for fairy in fairies:
            cursor = fairy.dbapi_connection.cursor()
            ids.append(int(cursor.execute(sql).fetchone()[0]))
            cursor.close()
            db.rules.end(fairy.dbapi_connection)
        return ids
    finally:
        for fairy in fairies:
            fairy.close()


def _kill(dialect: str, ids: list[int]) -> None:
    """What an operator or a restart does: end every one of the bridge's sessions."""
    if dialect == "postgresql":
        with connect_postgres() as conn:
            for pid in ids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return
    conn = connect_mariadb()
    try:
        with conn.cursor() as cur:
            for thread_id in ids:
                cur.execute(f"KILL {int(thread_id)}")
    finally:
        conn.close()


@pytest.mark.parametrize("dialect", SERVERS)
def test_after_every_session_is_killed_at_most_one_request_fails_and_with_503(
        dialect: str, request: pytest.FixtureRequest) -> None:
    """The port alone (no guard retry): the request meeting a dead connection runs again
    on a validated one (a 503 at worst); every pooled connection is pinged before its
    next use, so no later request or readiness ping meets a dead one."""
    target = request.getfixturevalue(f"{dialect}_target")
    db = _reader(target, pool_size=3)
    relation = target.relation("VORDHDR")
    try:
        ids = _server_ids(db)
        assert len(set(ids)) == 3
        _kill(dialect, ids)
        outcomes = []
        for i in range(6):  # /readyz pings and requests alike
            try:
                with deadline_scope(Deadline(5.0)):
                    if i % 2:
                        db.ping()
                    else:
                        db.query(f"SELECT COUNT(*) AS N FROM {relation}")
                outcomes.append("ok")
            except Unavailable as exc:
                assert exc.status == 503
                outcomes.append("503")
        assert outcomes[1:] == ["ok"] * 5 and outcomes[0] in {"ok", "503"}, outcomes
        assert outcomes.count("503") <= 1
        assert db.status()["discarded_connections"] >= 1 and db.pings >= 1
        assert set(_server_ids(db)).isdisjoint(ids)  # no dead session was kept
    finally:
        db.close()


@pytest.mark.parametrize("dialect", SERVERS)
def test_under_continuous_traffic_a_restart_costs_no_request_through_the_guard(
        dialect: str, request: pytest.FixtureRequest) -> None:
    """Requests keep arriving through the guard (one read retry); every session is killed
    half-way: the request after the kill succeeds, and so does every later one."""
    target = request.getfixturevalue(f"{dialect}_target")
    db = _reader(target, pool_size=2)
    guard = Guard(GuardSettings(deadline_s=5), "orders")
    read = SimpleNamespace(retry_safe=True)
    relation = target.relation("VORDHDR")
    outcomes: list[tuple[bool, str]] = []  # (issued after the kill, result)
    killed = threading.Event()
    enough = threading.Event()
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            after_kill = killed.is_set()
            try:
                guard.run(read, lambda: db.query(f"SELECT COUNT(*) AS N FROM {relation}"))  # type: ignore[arg-type]
                outcomes.append((after_kill, "ok"))
            except Exception as exc:  # the outcome is what the test checks
                outcomes.append((after_kill, f"{type(exc).__name__} {getattr(exc, 'detail', exc)}"))
            if sum(1 for k, _ in outcomes if k) >= 20:
                enough.set()

    workers = [threading.Thread(target=traffic) for _ in range(2)]
    try:
        ids = _server_ids(db)
        for worker in workers:
            worker.start()
        from bridges.core.testing import wait_until

        assert wait_until(lambda: len(outcomes) >= 10, 10)
        _kill(dialect, ids)
        killed.set()
        assert enough.wait(30)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
        db.close()
    failures = [result for after_kill, result in outcomes if result != "ok"]
    assert failures == [], failures[:5]
    assert guard.breaker.state == "closed"


def test_connection_class_errors_of_each_driver_are_recognised() -> None:
    """The messages the drivers really give (recorded on this machine's drivers)."""
    seen = {
        "postgresql": [
            ("57P01", "[57P01] FATAL: terminating connection due to administrator command;\n"
                      "The connection has been lost (35) (SQLExecDirectW)"),
            ("08S01", "[08S01] SQLExecDirectW unable due to the connection lost (35) (SQLExecDirectW)"),
            ("HY000", "server closed the connection unexpectedly"),
        ],
        "mariadb": [
            ("HY000", "[HY000] [ma-3.1.15][10.11.19-MariaDB-0+deb12u1]Write error: Broken pipe (32) (5014)"),
            ("08003", "[08003] [ma-3.1.15]Connection not open (0) (SQLAllocHandle)"),
            ("08S01", "[08S01] [ma-3.1.15]Server has gone away (2006) (SQLEndTran)"),
            ("HY000", "[HY000] [ma-3.1.15]Lost connection to server during query (2013)"),
        ],
    }
    for dialect, errors in seen.items():
        rules = rules_for(dialect)
        for sqlstate, message in errors:
            assert rules.is_connection_lost(sqlstate, message), message
        assert not rules.is_connection_lost("57014", "canceling statement due to user request")
        assert not rules.is_connection_lost("42000", "syntax error at or near \"SELEC\"")


def test_mariadb_user_variables_do_not_travel_to_the_next_request(mariadb_target) -> None:
    """Below the gate (it refuses assignments): one pooled connection, two requests."""
    db = _admin(mariadb_target, gate=None, pool_size=1)
    try:
        first = db.query("SELECT @a := COALESCE(@a, 0) + 1 AS n").rows
        second = db.query("SELECT @a := COALESCE(@a, 0) + 1 AS n").rows
        assert [int(first[0][0]), int(second[0][0])] == [1, 1]
        assert db.query("SELECT @a AS a").rows == [(None,)]
        # Statements that cannot touch session state keep their connection.
        before = db.status()["discarded_connections"]
        for _ in range(3):
            db.query("SELECT 1 AS ok")
        assert db.status()["discarded_connections"] == before
    finally:
        db.close()


def test_postgresql_session_state_is_discarded_on_return_to_the_pool(postgresql_target) -> None:
    """A session advisory lock survives a rollback; DISCARD ALL on return releases it,
    and the connection itself is kept."""
    db = _admin(postgresql_target, gate=None, pool_size=1)
    try:
        db.query("SELECT pg_advisory_lock(4242) IS NULL AS locked")
        held = db.query("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid()").rows
        assert int(held[0][0]) == 0
        assert db.status()["discarded_connections"] == 0
    finally:
        db.close()
