"""A tamper-evident audit store: every event a row of a SQL table (SQLAlchemy Core; SQLite by
default, PostgreSQL in production), each row holding the SHA-256 of the row before it and of
its own content, so an edited, deleted or reordered row breaks the chain where it happened.

    chain = AuditChain("sqlite:///var/audit.db")
    chain.append({"event": "orders.get_order", ...})
    chain.verify()   # None, or the first bad row and what is wrong with it

Rows are numbered without gaps (``seq`` 1, 2, 3 …); several processes append to one store, a
number taken twice is refused by the primary key and the append is retried on the new last row.
:meth:`AuditChain.append_batch` writes many events in one transaction (one read of the last row),
as the facade's background writer does (:mod:`facade_app.audit_writer`).
Deleting the newest rows leaves a shorter chain that still verifies: keep the last ``seq`` and
hash elsewhere (``bridges audit tail`` prints them) to notice that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event, func, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from bridges.core.config import Config

__all__ = ["GENESIS", "OFF", "AuditChain", "Break", "digest_of", "store_url"]

GENESIS = "0" * 64
"""The hash the first row's ``prev_hash`` holds."""
_APPEND_TRIES = 50
OFF = ("", "off")
"""``facade.audit_store`` values that mean no chained store."""

_metadata = MetaData()
_events = Table(
    "audit_events",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("event", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


def digest_of(prev_hash: str, seq: int, body: str) -> str:
    """The hash of one row: its place, the hash before it and its canonical JSON body."""
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first row where the chain breaks: its ``seq`` and what is wrong."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.problem}"


class AuditChain:
    """Appends audit events as hash-chained rows, verifies and reads them back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _connect(url)
        _metadata.create_all(self.engine)
        # SQLite: reading (verify, the console) on connections of its own that never take the
        # write lock, so a long read does not hold up the workers' appends
        self.reader = _connect(url, writing=False) if _sqlite_file(url) else self.engine

    def append(self, entry: dict[str, Any]) -> int:
        """Add ``entry`` after the last row; its ``seq``."""
        return self.append_batch([entry])[-1]

    def append_batch(self, entries: Sequence[dict[str, Any]]) -> list[int]:
        """Add ``entries``, in order, after the last row in one transaction; their ``seq``s.

        Another process that took the next number first makes the insert fail on the primary
        key: the whole batch is retried after its rows, so the chain never forks."""
        bodies = [_body(entry) for entry in entries]
        for _ in range(_APPEND_TRIES):
            try:
                with self.engine.begin() as conn:
                    last = conn.execute(
                        select(_events.c.seq, _events.c.hash).order_by(_events.c.seq.desc()).limit(1)
                    ).first()
                    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
                    rows = []
                    for entry, body in zip(entries, bodies, strict=True):
                        seq += 1
                        digest = digest_of(prev, seq, body)
                        rows.append({"seq": seq, "ts": str(entry.get("ts", "")),
                                     "event": str(entry.get("event", ""))[:200], "body": body,
                                     "prev_hash": prev, "hash": digest})
                        prev = digest
                    if rows:
                        conn.execute(_events.insert(), rows)
                return [row["seq"] for row in rows]
            except IntegrityError:  # another process took this number first: chain after its rows
                continue
        raise RuntimeError(f"audit store {make_url(self.url).render_as_string()} is too busy to append")

    def verify(self) -> Break | None:
        """The first edited, deleted or reordered row, or None when the chain holds."""
        expected_seq, prev = 1, GENESIS
        with self.reader.connect() as conn:
            for row in conn.execute(select(_events).order_by(_events.c.seq)):
                if row.seq != expected_seq:
                    return Break(expected_seq, f"missing (deleted; the next record is {row.seq})")
                if row.prev_hash != prev:
                    return Break(row.seq, "does not follow the record before it (deleted, inserted or reordered)")
                if digest_of(row.prev_hash, row.seq, row.body) != row.hash:
                    return Break(row.seq, "its content does not match its hash (edited)")
                expected_seq, prev = row.seq + 1, row.hash
        return None

    def newest(self, limit: int, *, events: tuple[str, str] | None = None, since: str = "", until: str = "",
               request_id: str | None = None, window: int | None = None) -> list[dict[str, Any]]:
        """Up to ``limit`` events, newest first: those named ``events[0]`` or starting with
        ``events[1]``, stamped within ``since``…``until`` (ISO 8601 text), of ``request_id``,
        among the newest ``window`` rows (None: all)."""
        query = select(_events.c.body).order_by(_events.c.seq.desc()).limit(limit)
        if window is not None:
            newest = select(func.max(_events.c.seq)).scalar_subquery()
            query = query.where(_events.c.seq > newest - window)
        if events is not None:
            exact, prefix = events
            query = query.where(or_(_events.c.event == exact, _events.c.event.like(_like(prefix) + "%", escape="\\")))
        if since:
            query = query.where(_events.c.ts >= since)
        if until:
            query = query.where(_events.c.ts <= until)
        if request_id is not None:
            needle = '"request_id":' + json.dumps(request_id, ensure_ascii=False)
            query = query.where(_events.c.body.like("%" + _like(needle) + "%", escape="\\"))
        with self.reader.connect() as conn:
            return [json.loads(body) for (body,) in conn.execute(query)]

    def tail(self, count: int = 20) -> list[tuple[int, str, dict[str, Any]]]:
        """The newest ``count`` rows, oldest first: (seq, hash, event)."""
        with self.reader.connect() as conn:
            rows = conn.execute(select(_events).order_by(_events.c.seq.desc()).limit(count)).all()
        return [(row.seq, row.hash, json.loads(row.body)) for row in reversed(rows)]


def store_url(config: Config) -> str | None:
    """The audit store's URL: ``facade.audit_store``, by default ``audit.db`` in ``facade.state_dir``;
    None when it is ``"off"``."""
    configured = config.facade.audit_store
    if configured is None:
        return f"sqlite:///{config.path(config.facade.state_dir) / 'audit.db'}"
    return None if configured.strip().lower() in OFF else configured


def _like(text: str) -> str:
    """``text`` matched literally by LIKE (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _body(entry: dict[str, Any]) -> str:
    """Canonical JSON of an event; escaped (``\\ud800``) when it holds a lone surrogate."""
    body = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(entry, sort_keys=True, default=str, separators=(",", ":"))
    return body


def _sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def _connect(url: str, writing: bool = True) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if not _sqlite_file(url):  # in memory: one connection for every thread (a test's store)
        engine = create_engine(url, poolclass=StaticPool,
                               connect_args={"check_same_thread": False, "isolation_level": None})
    else:
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _wal(dbapi_conn: Any, _record: Any) -> None:
        # WAL: readers never wait for the writer, and a commit appends to the log without
        # syncing the database file (synchronous=NORMAL: durable across a process crash)
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    if writing:

        @event.listens_for(engine, "begin")
        def _immediate(conn: Any) -> None:  # take the write lock before reading the last row
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
