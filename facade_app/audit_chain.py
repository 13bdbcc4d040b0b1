"""A tamper-evident audit store: every event a row of a SQL table (SQLAlchemy Core; SQLite by
default, PostgreSQL in production), each row holding the SHA-256 of the row before it and of
its own content, so an edited, deleted or reordered row breaks the chain where it happened.

    chain = AuditChain("sqlite:///var/audit.db")
    chain.append({"event": "orders.get_order", ...})
    chain.verify()   # None, or the first bad row and what is wrong with it

Rows are numbered without gaps (``seq`` 1, 2, 3 …); several processes append to one store, a
number taken twice is refused by the primary key and the append is retried on the new last row.
Deleting the newest rows leaves a shorter chain that still verifies: keep the last ``seq`` and
hash elsewhere (``bridges audit tail`` prints them) to notice that too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from bridges.core.personal import kind_by_name

__all__ = ["GENESIS", "AuditChain", "Break", "digest_of", "digested"]

GENESIS = "0" * 64
"""The hash the first row's ``prev_hash`` holds."""
_APPEND_TRIES = 50

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

    def append(self, entry: dict[str, Any]) -> int:
        """Add ``entry`` after the last row; its ``seq``."""
        body = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
        for _ in range(_APPEND_TRIES):
            try:
                with self.engine.begin() as conn:
                    last = conn.execute(
                        select(_events.c.seq, _events.c.hash).order_by(_events.c.seq.desc()).limit(1)
                    ).first()
                    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                    conn.execute(
                        _events.insert().values(
                            seq=seq,
                            ts=str(entry.get("ts", "")),
                            event=str(entry.get("event", ""))[:200],
                            body=body,
                            prev_hash=prev,
                            hash=digest_of(prev, seq, body),
                        )
                    )
                return seq
            except IntegrityError:  # another process took this number first: chain after its row
                continue
        raise RuntimeError(f"audit store {make_url(self.url).render_as_string()} is too busy to append")

    def verify(self) -> Break | None:
        """The first edited, deleted or reordered row, or None when the chain holds."""
        expected_seq, prev = 1, GENESIS
        with self.engine.connect() as conn:
            for row in conn.execute(select(_events).order_by(_events.c.seq)):
                if row.seq != expected_seq:
                    return Break(expected_seq, f"missing (deleted; the next record is {row.seq})")
                if row.prev_hash != prev:
                    return Break(row.seq, "does not follow the record before it (deleted, inserted or reordered)")
                if digest_of(row.prev_hash, row.seq, row.body) != row.hash:
                    return Break(row.seq, "its content does not match its hash (edited)")
                expected_seq, prev = row.seq + 1, row.hash
        return None

    def tail(self, count: int = 20) -> list[tuple[int, str, dict[str, Any]]]:
        """The newest ``count`` rows, oldest first: (seq, hash, event)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_events).order_by(_events.c.seq.desc()).limit(count)).all()
        return [(row.seq, row.hash, json.loads(row.body)) for row in reversed(rows)]


def digested(inputs: Any, name: str = "") -> Any:
    """``inputs`` with every value under a name that suggests personal data (street, phone,
    email …) replaced by ``sha256:`` and its digest: equal values still match, none is readable."""
    if isinstance(inputs, dict):
        return {k: digested(v, str(k)) for k, v in inputs.items()}
    if isinstance(inputs, list):
        return [digested(v, name) for v in inputs]
    if name and inputs is not None and kind_by_name(name) is not None:
        return "sha256:" + hashlib.sha256(str(inputs).encode()).hexdigest()
    return inputs


def _connect(url: str) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _wal(dbapi_conn: Any, _record: Any) -> None:
        # WAL: readers never wait for the writer, and a commit appends to the log without
        # syncing the database file (synchronous=NORMAL: durable across a process crash)
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine, "begin")
    def _immediate(conn: Any) -> None:  # take the write lock before reading the last row
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
