"""The live rdbms port: pyodbc over the system's unixODBC drivers.

Every query passes the SQL gate, runs in a read-only transaction with a server-side
timeout, under a watchdog that cancels it when the caller's deadline passes, on a
pooled connection. A cancelled connection, or one that reported a connection-class
error, is discarded, never reused, whatever its rollback says; after any error on the
pool every pooled connection is pinged before its next use (as is one idle too long),
and a query that met a dead connection runs once more on a validated one, so a
database restart costs a caller a reconnect, not an error. Session state is reset
before a connection goes back to the pool (``DialectRules.reset``). pyodbc is
imported only when a live connection is opened, so replaying a cassette needs no
ODBC driver at all.

With a shared ``budget`` (a :class:`~bridges.core.leases.Budget`), every open connection —
pooled, exporting or probing — holds a lease until it closes, so all the processes serving
the database together never open more than the budget; a connection goes back to the
budget instead of the pool when another process was turned away, and idle pooled ones are
closed within a second of it (an idle process would otherwise keep them).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool

from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import BridgeError, DeadlineExceeded, InvalidInput, Refused, Unavailable
from bridges.core.leases import Budget, Lease
from rdbms import connstr, sqlite_ext
from rdbms.dialects import rules_for
from rdbms.errors import parts, translate
from rdbms.gate import SqlGate
from rdbms.login import login_within
from rdbms.types import Column, Dialect, QueryResult, RowCursor
from rdbms.values import type_name
from rdbms.watchdog import watchdog

__all__ = ["OdbcConnection"]

log = logging.getLogger("legacy_bridges.rdbms")


def _pyodbc() -> Any:
    try:
        import pyodbc
    except ImportError as exc:  # replay needs no driver; live does
        raise Unavailable("the pyodbc module (and unixODBC) is needed to reach a live database") from exc
    pyodbc.pooling = False  # our pool decides what is reused; the driver manager's must not
    return pyodbc


class OdbcConnection:
    """A read-only connection pool to one database (implements ``ReadOnlyConnection``).

    ``connection_string`` is an ODBC string (DSN or DSN-less) without a password;
    ``user``/``password`` come from configuration secrets and are added here, and are
    scrubbed from every message. ``gate=None`` switches the SQL gate off (tests of the
    other read-only layers only).
    """

    def __init__(
        self,
        connection_string: str,
        dialect: Dialect | str,
        *,
        user: str | None = None,
        password: str | None = None,
        pool_size: int = 4,
        pool_timeout_s: float = 2.0,
        health_check_after_s: float = 30.0,
        connect_timeout_s: int = 5,
        gate: SqlGate | bool | None = True,
        allow_write_account: bool = False,
        max_streams: int = 2,
        stream_deadline_s: float = 600.0,
        stream_idle_s: float = 30.0,
        budget: Budget | None = None,
    ) -> None:
        self.dialect = Dialect(dialect)
        self._budget = budget
        self._leases: dict[int, Lease] = {}  # id(connection) → its lease on the shared budget
        self._closing: list[Lease] = []  # leases of connections the pool is closing (given back once closed)
        self.rules = rules_for(self.dialect)
        self.gate = SqlGate(self.dialect) if gate is True else (gate or None)
        self._secrets = [s for s in (password,) if s]
        pairs = connstr.add_credentials(connstr.parse_connection_string(connection_string), user, password)
        self._string_findings = self.rules.connection_findings(pairs)
        self._connect_pairs = self.rules.harden(pairs)
        self._stream_pairs = self.rules.harden(pairs, streaming=True)
        self.connect_timeout_s = connect_timeout_s
        self.health_check_after_s = health_check_after_s
        self.stream_deadline_s = stream_deadline_s
        self.stream_idle_s = stream_idle_s
        self.pool_timeout_s = pool_timeout_s
        self.max_streams = max_streams
        self._streams_running = 0
        self._count_lock = threading.Lock()
        self._streams = threading.BoundedSemaphore(max_streams)
        self.write_findings: list[str] = []
        self.discarded = 0
        self._epoch = 0
        self.pings = 0  # bumped by every error on the pool: connections older than it are pinged first
        self._pool = QueuePool(self._open, pool_size=pool_size, max_overflow=0, timeout=pool_timeout_s,
                               reset_on_return=None)
        event.listen(self._pool, "connect", self._mark_fresh)
        event.listen(self._pool, "checkout", self._health_check)
        event.listen(self._pool, "checkin", self._mark_used)
        event.listen(self._pool, "close", self._closed)
        event.listen(self._pool, "close_detached", lambda dbapi_con: self._closed(dbapi_con, None))
        self._stop = threading.Event()
        if budget is not None:
            threading.Thread(target=self._budget_upkeep, name="rdbms-budget", daemon=True).start()
        if self.dialect is Dialect.SQLITE:
            sqlite_ext.disable_extension_loading()  # before any connection opens
        self._probe(allow_write_account)

    # -- connections ----------------------------------------------------------------

    def _open(self, *, streaming: bool = False, configure: bool = True) -> Any:
        pyodbc = _pyodbc()
        # The login waits no longer than the caller's deadline: the driver's timeout is the
        # deadline in whole seconds (rounded up), and login_within answers the caller at the
        # deadline itself (a late login is closed when it comes).
        deadline = current_deadline(self.connect_timeout_s)
        timeout = max(1, min(self.connect_timeout_s, math.ceil(deadline.remaining())))
        string = connstr.format_connection_string(
            self.rules.login_timeout(self._stream_pairs if streaming else self._connect_pairs, timeout))
        lease = self._lease(probing=not configure)

        def connect() -> Any:
            return pyodbc.connect(string, autocommit=self.rules.autocommit(), timeout=timeout)

        def late(cnxn: Any) -> None:
            if cnxn is not None:
                _close_quietly(cnxn)
            self._give_back(lease)

        try:
            # A SQLite file opens at once: no thread for it.
            cnxn = connect() if self.dialect is Dialect.SQLITE else login_within(connect, deadline, late)
        except pyodbc.Error as exc:
            self._give_back(lease)
            raise self._translate(exc, "connecting") from None
        except DeadlineExceeded:
            raise  # the lease goes back with the late login
        except BaseException:
            self._give_back(lease)
            raise
        if lease is not None:
            with self._count_lock:
                self._leases[id(cnxn)] = lease
        if configure:
            self.rules.on_connect(cnxn)
        return cnxn

    def _lease(self, probing: bool = False) -> Lease | None:
        """A lease on the shared budget for one more connection (None without a budget).

        A caller waits for one as long as for a pooled connection, then gets 503. The start-up
        probe waits up to the login timeout and then probes anyway (a worker that cannot start
        would be worse than one short connection past the budget), saying so."""
        if self._budget is None:
            return None
        wait = self.connect_timeout_s if probing else current_deadline().bound(self.pool_timeout_s)
        lease = self._budget.acquire(wait)
        if lease is None and not probing:
            raise Unavailable(f"the shared budget of {self._budget.limit} database connections is spent "
                              "(other processes hold them)", retry_after=1, budget_spent=True)
        if lease is None:
            log.warning("rdbms: the shared connection budget is spent; probing the account with one connection "
                        "past it")
        return lease

    def _give_back(self, lease: Lease | None) -> None:
        if lease is not None and self._budget is not None:
            self._budget.release(lease)

    def _closed(self, dbapi_con: Any, record: Any) -> None:
        """A connection is closing (pooled, exporting or probing): its lease goes back to the budget
        once it is closed (:meth:`_give_back_closed`) — the pool's event comes just before."""
        with self._count_lock:
            lease = self._leases.pop(id(dbapi_con), None)
            if lease is not None:
                self._closing.append(lease)

    def _budget_upkeep(self) -> None:
        """Each second: when another process was turned away, close the idle pooled connections."""
        assert self._budget is not None
        while not self._stop.wait(1.0):
            if self._pool.checkedin() and self._budget.wanted():
                # dispose() closes the checked-in connections only; those in use come back as usual.
                self._pool.dispose()
                self._give_back_closed()

    def _give_back_closed(self) -> None:
        """Give back the leases of connections closed since the last call."""
        if self._budget is None:
            return
        with self._count_lock:
            closing, self._closing = self._closing, []
        for lease in closing:
            self._give_back(lease)

    def _mark_fresh(self, dbapi_con: Any, record: Any) -> None:
        record.info["epoch"] = self._epoch
        record.info["last_used"] = time.monotonic()

    def _health_check(self, dbapi_con: Any, record: Any, proxy: Any) -> None:
        epoch = self._epoch
        last = record.info.get("last_used")
        idle = last is None or time.monotonic() - last >= self.health_check_after_s
        if not idle and record.info.get("epoch") == epoch:
            return
        self.pings += 1
        try:
            cursor = dbapi_con.cursor()
            try:
                cursor.execute("SELECT 1").fetchall()
                self.rules.end(dbapi_con)
            finally:
                _close_quietly(cursor)
        except Exception as exc:  # any driver error: the connection is dead, the pool opens another
            raise sa_exc.DisconnectionError("health check failed") from exc
        record.info["epoch"] = epoch

    @staticmethod
    def _mark_used(dbapi_con: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    def _checkout(self, deadline: Deadline) -> Any:
        deadline.check("waiting for a database connection")
        try:
            return self._pool.connect()
        except sa_exc.TimeoutError:
            raise Unavailable("all database connections are busy", retry_after=1) from None
        except BridgeError:
            raise
        except (sa_exc.DisconnectionError, sa_exc.InvalidRequestError):
            raise Unavailable("the database does not answer health checks", retry_after=2) from None
        finally:
            self._give_back_closed()  # of connections that failed their health check, closed by connect()

    def _probe(self, allow_write_account: bool) -> None:
        cnxn = self._open(configure=False)
        try:
            self.write_findings = self._string_findings + self.rules.write_probe(cnxn)
        except _pyodbc().Error as exc:
            raise self._translate(exc, "probing the account's privileges") from None
        finally:
            cnxn.close()
            self._closed(cnxn, None)
            self._give_back_closed()
        if self.write_findings and not allow_write_account:
            raise Refused(
                "the configured database account can write (" + "; ".join(self.write_findings[:5]) + "); "
                "use a SELECT-only account, or set allow_write_account = true to accept the risk"
            )
        if self.write_findings:
            log.warning("rdbms: the database account can write (%s); allowed by configuration",
                        "; ".join(self.write_findings[:5]))

    # -- the port -------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = (), *, max_rows: int | None = None,
              max_bytes: int | None = None) -> QueryResult:
        """Run one gated SELECT under the current deadline; rows past a cap set ``truncated``.

        A connection found dead when used (the first request after a restart) is
        discarded and the SELECT run once more on a validated one: reading has no effect
        to repeat, so a restart costs the caller nothing but a reconnect.
        """
        run_sql = self.gate.check(sql) if self.gate else sql
        params = _check_params(params)
        deadline = current_deadline()
        try:
            return self._query_once(run_sql, params, deadline, max_rows, max_bytes)
        except _ConnectionLost as lost:
            if deadline.expired:
                raise lost.error from None
            log.info("rdbms: a pooled connection was dead; running the query on a validated one")
            try:
                return self._query_once(run_sql, params, deadline, max_rows, max_bytes)
            except _ConnectionLost as again:
                raise again.error from None

    def _query_once(self, run_sql: str, params: tuple[Any, ...], deadline: Deadline, max_rows: int | None,
                    max_bytes: int | None) -> QueryResult:
        fairy = self._checkout(deadline)
        cnxn = fairy.dbapi_connection
        cursor = alarm = None
        healthy = False
        try:
            cursor = cnxn.cursor()
            alarm = watchdog.arm(deadline.remaining(), cursor.cancel)
            self.rules.begin(cursor, deadline.remaining())
            cursor.execute(run_sql, params)
            columns = _describe(cursor.description)
            rows, truncated = _fetch_capped(cursor, max_rows, max_bytes)
            cursor.close()  # before the rollback: a capped result may still hold unread rows
            self.rules.end(cnxn)
            healthy = self._reset(cnxn, run_sql)
        except _pyodbc().Error as exc:
            self._epoch += 1  # validate every pooled connection before its next use
            fired_early = alarm is not None and alarm.fired
            error = self._translate(exc, "running the query", deadline=deadline, cancelled=fired_early)
            lost = self.rules.is_connection_lost(*parts(exc))
            healthy = (not lost and not isinstance(error, DeadlineExceeded) and self._rollback(cnxn)
                       and self._reset(cnxn, run_sql))
            if lost and isinstance(error, Unavailable):
                raise _ConnectionLost(error) from None
            raise error from None
        finally:
            fired = alarm.disarm() if alarm is not None else False
            if cursor is not None:
                _close_quietly(cursor)
            if healthy and not fired and (self._budget is None or not self._budget.wanted()):
                fairy.close()
            elif healthy and not fired:
                fairy.invalidate()  # another process was turned away: the lease goes back, not the connection
            else:
                self.discarded += 1
                fairy.invalidate()
            self._give_back_closed()
        if fired:
            raise DeadlineExceeded(f"deadline of {deadline.seconds:g}s passed during the query")
        return QueryResult(columns, rows, truncated)

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch_size: int = 1000,
               deadline_s: float | None = None, idle_s: float | None = None) -> RowCursor:
        """Run one gated SELECT on a connection of its own and hand rows out batch by batch.

        Three deadlines bound it, each cancelling the query on the server when it passes:
        the first row must come within the current deadline (the guard's, when called
        under one); each later batch within ``idle_s`` (``stream_idle_s``) of the one
        before, however long the consumer took; and the whole stream within
        ``deadline_s`` (``stream_deadline_s``). The connection is closed, not pooled,
        and the export slot freed, when the stream ends, fails or is closed.
        """
        run_sql = self.gate.check(sql) if self.gate else sql
        params = _check_params(params)
        total = Deadline(deadline_s or self.stream_deadline_s)
        first_row = current_deadline(total.seconds)
        if first_row.expires_at > total.expires_at:
            first_row = total
        idle = idle_s or self.stream_idle_s
        if not self._streams.acquire(timeout=first_row.bound(self.pool_timeout_s)):
            raise Unavailable("too many exports are running", retry_after=5)
        try:
            cnxn = self._open(streaming=True)
        except BaseException:
            self._streams.release()
            raise
        try:
            cursor = cnxn.cursor()
        except BaseException:
            _close_quietly(cnxn)
            self._closed(cnxn, None)
            self._give_back_closed()
            self._streams.release()
            raise
        with self._count_lock:
            self._streams_running += 1
        alarm = watchdog.arm(first_row.remaining(), cursor.cancel)
        state = {"alarm": alarm, "deadline": first_row, "closed": False}

        def close() -> None:
            if state["closed"]:
                return
            state["closed"] = True
            state["alarm"].disarm()
            _close_quietly(cursor)
            _close_quietly(cnxn)
            self._closed(cnxn, None)
            self._give_back_closed()
            with self._count_lock:
                self._streams_running -= 1
            self._streams.release()

        try:
            self.rules.begin(cursor, total.remaining())
            cursor.execute(run_sql, params)
            columns = _describe(cursor.description)
            # PostgreSQL's statement_timeout bounds each later FETCH of the declared cursor, so
            # it is the idle gap: psqlODBC's SQLCancel interrupts the first FETCH but not a
            # later one (it waits for it). MariaDB's max_statement_time bounds the whole
            # statement: the total.
            self.rules.rebound(cnxn, min(idle, total.remaining()))
        except _pyodbc().Error as exc:
            fired = alarm.disarm()
            close()
            raise self._translate(exc, "starting the export", deadline=first_row, cancelled=fired) from None
        except BaseException:
            close()
            raise

        def batches() -> Iterator[list[tuple[Any, ...]]]:
            try:
                while True:
                    try:
                        batch = cursor.fetchmany(batch_size)
                    except _pyodbc().Error as exc:
                        fired = state["alarm"].disarm()
                        raise self._translate(exc, "exporting rows", deadline=state["deadline"],
                                              cancelled=fired) from None
                    if not batch:
                        return
                    # The next batch is due within the idle gap, counted from now.
                    state["alarm"].disarm()
                    gap = Deadline(min(idle, total.remaining()))
                    state["deadline"], state["alarm"] = gap, watchdog.arm(gap.remaining(), cursor.cancel)
                    yield batch  # pyodbc Rows are sequences; copying each into a tuple costs ~20 %
            finally:
                close()

        return RowCursor(columns, batches(), close)

    def ping(self, timeout_s: float = 2.0) -> dict[str, Any]:
        """One round trip on a pooled connection, bounded by ``timeout_s`` (a readiness
        probe must answer quickly even when the database hangs)."""
        with deadline_scope(Deadline(timeout_s)):
            result = self.query("SELECT 1 AS ok")
        return {"dialect": self.dialect.value, "ok": bool(result.rows), **self.status()}

    def status(self) -> dict[str, Any]:
        """Pool state, and whether the account was found able to write."""
        return {
            "mode": "live",
            "pool_size": self._pool.size(),
            "pool_checked_out": self._pool.checkedout(),
            "pool_idle": self._pool.checkedin(),
            "discarded_connections": self.discarded,
            "streams_running": self._streams_running,
            "max_streams": self.max_streams,
            "account_can_write": bool(self.write_findings),
            **({"budget": self._budget.status()} if self._budget is not None else {}),
        }

    def close(self) -> None:
        """Close every pooled connection."""
        self._stop.set()
        self._pool.dispose()
        self._give_back_closed()

    # -- helpers --------------------------------------------------------------------

    def _reset(self, cnxn: Any, sql: str) -> bool:
        """Reset the session for the next caller; False when it must be retired instead."""
        if self.rules.session_state_risk(sql):
            return False
        try:
            self.rules.reset(cnxn)
            return True
        except Exception:  # a connection that cannot reset is not pooled again
            return False

    def _rollback(self, cnxn: Any) -> bool:
        """Roll the failed request back; False when even that fails (discard the connection)."""
        try:
            self.rules.end(cnxn)
            return True
        except Exception:  # the connection cannot even roll back: discard it
            return False

    def _translate(self, exc: Exception, doing: str, *, deadline: Deadline | None = None,
                   cancelled: bool = False) -> BridgeError:
        return translate(exc, self.rules, doing, secrets=self._secrets, deadline=deadline, cancelled=cancelled)


class _ConnectionLost(Exception):
    """A request met a dead connection (``error`` is what the caller sees if it was the last try)."""

    def __init__(self, error: BridgeError) -> None:
        super().__init__(error.detail)
        self.error = error


def _check_params(params: Sequence[Any]) -> tuple[Any, ...]:
    if isinstance(params, str | bytes) or not isinstance(params, Sequence):
        raise InvalidInput("query parameters must be a sequence of values")
    return tuple(params)


def _describe(description: Any) -> tuple[Column, ...]:
    if description is None:
        raise Refused("the statement returned no result set")
    return tuple(Column(d[0], type_name(d[1])) for d in description)


def _row_bytes(row: Any) -> int:
    size = 0
    for value in row:
        size += len(value) if isinstance(value, str | bytes | bytearray) else 8
    return size


def _fetch_capped(cursor: Any, max_rows: int | None, max_bytes: int | None) -> tuple[list[tuple[Any, ...]], bool]:
    rows: list[tuple[Any, ...]] = []
    size = 0
    want = None if max_rows is None else max_rows + 1
    while True:
        batch = cursor.fetchmany(500 if want is None else min(500, want - len(rows)))
        if not batch:
            return rows, False
        for row in batch:
            if max_rows is not None and len(rows) >= max_rows:
                return rows, True
            size += _row_bytes(row)
            if max_bytes is not None and size > max_bytes:
                return rows, True
            rows.append(tuple(row))
        if want is not None and len(rows) >= want:
            return rows, True


def _close_quietly(thing: Any) -> None:
    # Closing a cancelled cursor or a dead connection may fail; it is gone either way.
    with contextlib.suppress(Exception):
        thing.close()
