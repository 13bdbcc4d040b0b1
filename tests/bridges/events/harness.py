"""The change-capture test harness (shared helper, not a test module): CHGORD read through the reader
account, a consumer that checks what arrived against the table's final state, and the naive poller
Kafka Connect's JDBC source runs in timestamp mode, for comparison on the same workload."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bridges.core.codecs import strip_char
from bridges.core.testing import real_part_missing
from bridges.events.capture import at_or_before_clause
from bridges.events.changes import ChangeEvent, canonical_json, version_of
from bridges.events.sources import SplitDateTime, TimestampColumn
from fixtures.orders.connect import connect_mariadb, connect_postgres
from fixtures.orders.writer import TABLE, create_change_table, sqlite_file
from rdbms import RdbmsSettings, open_connection
from rdbms.keyset import after_clause, bind_key
from rdbms.tables import DeclaredView, ViewColumn

PRIVATE = f"watch_t{os.getpid()}"
READER = "watch_reader"
READER_PASSWORD = "watch-reader-Pw"
ODBC = {
    "postgresql": ("Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test", None),
    "mariadb": ("Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Database=" + PRIVATE, READER_PASSWORD),
    "sqlite": (f"Driver=SQLite3;Database={sqlite_file(PRIVATE)}", None),
}

ORDERS_VIEW = DeclaredView(
    name="orders",
    relation=TABLE,
    key="order_no",
    columns=(
        ViewColumn("CHORNO", "order_no", str, strip_char),
        ViewColumn("CHCUSN", "customer", str, strip_char),
        ViewColumn("CHSTAT", "status", str, strip_char),
        ViewColumn("CHTOTL", "total_cents", int),
        ViewColumn("CHUPTS", "changed", dt.datetime),
    ),
)
CLOCKS = {"timestamp": TimestampColumn("CHUPTS"), "split": SplitDateTime("CHUPDT", "CHUPTM")}


def database(dialect: str) -> Any:
    """CHGORD created afresh in a private schema (SQLite: file), and the reader's read-only port to it."""
    try:
        import pyodbc
    except ImportError:
        real_part_missing("pyodbc")
    driver = {"postgresql": "PostgreSQL Unicode", "mariadb": "MariaDB Unicode", "sqlite": "SQLite3"}[dialect]
    if driver not in pyodbc.drivers():
        real_part_missing(f"ODBC driver {driver!r}")
    try:
        if dialect != "sqlite":
            (connect_postgres() if dialect == "postgresql" else connect_mariadb()).close()
    except Exception as exc:
        real_part_missing(f"{dialect} server: {exc}")
    connection, password = ODBC[dialect]
    create_change_table(dialect, PRIVATE, READER, password)
    user = None if dialect == "sqlite" else READER  # SQLite has no accounts: the port opens the file read-only
    settings = RdbmsSettings(connection=connection, dialect=dialect, user=user, max_rows=100_000)
    return open_connection(settings, system="watch", secrets={"password": password} if password else {})


def relation(dialect: str) -> str:
    """CHGORD as the reader names it (a SQLite file holds it alone)."""
    return TABLE if dialect == "sqlite" else f"{PRIVATE}.{TABLE}"


def final_state(db: Any, dialect: str) -> dict[str, str]:
    """Every row's key → version, read through the same port (the same normalisation)."""
    view = ORDERS_VIEW
    sql, params = view.select(relation(dialect), {}, None, None)
    rows = db.query(sql, params, max_rows=1_000_000).rows
    return {canonical_json([r["order_no"]]): version_of(r) for r in map(view.to_row, rows)}


@dataclass
class Consumer:
    """A sink that keeps every event delivered (thread-safe); ``fail_after`` makes the next publish fail midway."""

    events: list[ChangeEvent] = field(default_factory=list)
    fail_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Keep ``events``; when asked, keep only some then fail, as a broker connection lost midway."""
        with self.lock:
            if self.fail_after is not None and events:
                self.events.extend(events[: self.fail_after])
                self.fail_after = None
                raise ConnectionError("the broker went away in the middle of a batch")
            self.events.extend(events)

    def report(self, final: dict[str, str]) -> dict[str, int]:
        """Missing changes and duplicates after dedupe by change id, against the final state."""
        seen: set[str] = set()
        last: dict[str, str | None] = {}
        duplicates = 0
        for event in self.events:
            if event.id in seen:
                duplicates += 1  # the broker's dedupe drops these
                continue
            seen.add(event.id)
            last[event.key] = event.new_version
        return _compare(last, final) | {"duplicates_dropped": duplicates, "delivered": len(seen)}


def _compare(last: dict[str, str | None], final: dict[str, str]) -> dict[str, int]:
    missing_rows = sum(1 for key, version in final.items() if last.get(key) != version)
    missing_deletes = sum(1 for key, version in last.items() if version is not None and key not in final)
    return {"missing_rows": missing_rows, "missing_deletes": missing_deletes, "missing": missing_rows + missing_deletes}


class NaivePoller:
    """Kafka Connect JDBC source, timestamp mode: ``stamp > last offset AND stamp < now - delay``, offset = last row
    read.

    Paged like the real one's ``batch.max.rows``; the offset survives restarts (as Connect's
    offset topic does)."""

    def __init__(self, db: Any, dialect: str, clock: Any, page_rows: int, delay_s: float = 0.0) -> None:
        self.db, self.dialect, self.clock, self.page_rows = db, dialect, clock, page_rows
        self.delay = dt.timedelta(seconds=delay_s)  # Connect's timestamp.delay.interval.ms (0 by default)
        self.offset: tuple[Any, ...] | None = None
        self.last: dict[str, str | None] = {}

    def poll(self, max_pages: int | None = None) -> None:
        """Read until a short page (or ``max_pages``: a stop), moving the offset to each page's last stamp."""
        columns = [c.column for c in ORDERS_VIEW.columns] + list(self.clock.columns)
        width = len(ORDERS_VIEW.columns)
        bind = [lambda v: bind_key(self.dialect, v)]
        pages = 0
        while max_pages is None or pages < max_pages:
            pages += 1
            where, params = at_or_before_clause(
                self.clock.columns, [bind[0](v) for v in self.clock.stored(dt.datetime.now() - self.delay)]
            )
            if self.offset is not None:
                after, values = after_clause(self.clock.columns, [bind[0](v) for v in self.offset])
                where, params = f"{where} AND {after}", params + values
            sql = (
                f"SELECT {', '.join(columns)} FROM {relation(self.dialect)} WHERE {where} ORDER BY "
                f"{', '.join(self.clock.columns)}, CHORNO LIMIT {self.page_rows}"
            )
            rows = self.db.query(sql, params, max_rows=self.page_rows).rows
            for row in rows:
                normal = ORDERS_VIEW.to_row(row[:width])
                self.last[canonical_json([normal["order_no"]])] = version_of(normal)
            if rows:
                self.offset = tuple(rows[-1][width:])
            if len(rows) < self.page_rows:
                return

    def report(self, final: dict[str, str]) -> dict[str, int]:
        """Missing changes against the final state (it sees no deletes at all)."""
        return _compare(self.last, final)
