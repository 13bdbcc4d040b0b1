"""Durable watcher state: per-source offsets, the last delivered version of each row, and source leases.

Everything a watcher must not forget lives here, in SQLite (one file shared by the
watcher processes of a host) or PostgreSQL (SQLAlchemy Core URLs), never in memory:

* the offset of a source with a change column — every row stamped at or before it
  has been delivered;
* the version and normalised state of every row delivered — the dedupe by key and
  version, the ``old`` state of updates and deletes, and the key set a delete scan
  or a snapshot diff compares with;
* the lease of each source — one process owns a source at a time; a dead owner's
  lease expires after its ``ttl_s``;
* for a source started "now", whether its baseline is recorded yet;
* the rows whose ``created`` events are being published and not committed yet — a
  watcher killed in between, and the row deleted before it is read again, would
  otherwise leave consumers a row no delete scan knows of.

:meth:`WatchStore.commit` writes a page's versions and the new offset in one
transaction, and only while the committing process still holds the source's lease,
which it renews (a watcher whose lease was taken over must not move the new owner's
offset back; one reading a long backlog page by page keeps its source).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from bridges.core.errors import Unavailable

__all__ = ["LeaseLost", "StoredRow", "WatchStore"]

_meta = MetaData()
_offsets = Table(
    "watch_offsets",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("position", String(64), nullable=False),
)
_rows = Table(
    "watch_rows",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("state", Text, nullable=False),
)
_leases = Table(
    "watch_leases",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("expires_at", Float, nullable=False),
)

_expected = Table(
    "watch_expected",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("state", Text, nullable=False),
)
_starts = Table(
    "watch_starts",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("phase", String(16), nullable=False),
)

StoredRow = tuple[str, dict[str, Any]]
"""(version, normalised state) of a delivered row."""


class LeaseLost(Exception):
    """The source's lease is held by another process now: this one must stop watching it."""


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    _retrying(lambda: _wal(engine))
    return engine


def _wal(engine: Engine) -> None:
    with engine.connect() as conn:  # watchers and readers never wait for one another's reads
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")


def _retrying(step: Any, attempts: int = 5) -> None:
    """``step()``, tried again a little later when another watcher starting at the same moment holds the file
    or creates the same tables; Unavailable when it still fails."""
    for attempt in range(attempts):
        try:
            step()
            return
        except DBAPIError as exc:
            if attempt == attempts - 1:
                raise Unavailable(
                    f"the watch store cannot be opened: {type(exc.orig).__name__}", retry_after=5
                ) from None
            time.sleep(0.1 * (attempt + 1))  # pacing the next try, not synchronisation


class WatchStore:
    """The state of every watched source (``url``: a SQLAlchemy URL, ``sqlite:///var/watch.db``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self._ttl: dict[str, float] = {}
        _retrying(lambda: _meta.create_all(self.engine))

    # -- reading ---------------------------------------------------------------------

    def offset(self, source: str) -> dt.datetime | None:
        """Every row of ``source`` stamped at or before this has been delivered (None: nothing yet)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(_offsets.c.position).where(_offsets.c.source == source)).scalar()
        return dt.datetime.fromisoformat(value) if value else None

    def rows(self, source: str, keys: Iterable[str] | None = None) -> dict[str, StoredRow]:
        """The delivered version and state of ``keys`` (every key of ``source`` when None)."""
        query = select(_rows.c.key, _rows.c.version, _rows.c.state).where(_rows.c.source == source)
        found: dict[str, StoredRow] = {}
        with self.engine.connect() as conn:
            if keys is None:
                chunks: list[list[str] | None] = [None]
            else:
                wanted = list(keys)
                chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
            for chunk in chunks:
                q = query if chunk is None else query.where(_rows.c.key.in_(chunk))
                for key, version, state in conn.execute(q):
                    found[key] = (version, json.loads(state))
        return found

    def versions(self, source: str, keys: Sequence[str] | None = None) -> dict[str, str]:
        """The delivered version of ``keys`` (every key of ``source`` when None: what a snapshot diff compares
        with), their states left unread."""
        query = select(_rows.c.key, _rows.c.version).where(_rows.c.source == source)
        with self.engine.connect() as conn:
            if keys is None:
                return dict(conn.execute(query).all())
            found: dict[str, str] = {}
            for i in range(0, len(keys), 500):
                found.update(conn.execute(query.where(_rows.c.key.in_(keys[i : i + 500]))).all())
            return found

    def expected(self, source: str) -> dict[str, StoredRow]:
        """Created rows published, or about to be, and not committed yet (see :meth:`expect`)."""
        query = select(_expected.c.key, _expected.c.version, _expected.c.state).where(_expected.c.source == source)
        with self.engine.connect() as conn:
            return {key: (version, json.loads(state)) for key, version, state in conn.execute(query)}

    def has_state(self, source: str) -> bool:
        """Whether anything of ``source`` was ever committed (an offset or a delivered row)."""
        with self.engine.connect() as conn:
            return any(
                conn.execute(select(table.c.source).where(table.c.source == source).limit(1)).first()
                for table in (_offsets, _rows)
            )

    def phase(self, source: str) -> str | None:
        """Where a source started "now" stands: ``baseline`` (still being recorded), ``live``, or None (not yet)."""
        with self.engine.connect() as conn:
            return conn.execute(select(_starts.c.phase).where(_starts.c.source == source)).scalar()

    # -- writing ---------------------------------------------------------------------

    def set_phase(self, source: str, phase: str) -> None:
        """Record that ``source`` is in ``phase`` (see :meth:`phase`)."""
        with self.engine.begin() as conn:
            if conn.execute(update(_starts).where(_starts.c.source == source).values(phase=phase)).rowcount == 0:
                conn.execute(insert(_starts).values(source=source, phase=phase))

    def expect(self, source: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """Record created ``rows`` (key, version, state JSON) before their events are published, until
        :meth:`commit` records them delivered: a delete scan compares these keys with the source too."""
        keys = [key for key, _, _ in rows]
        with self.engine.begin() as conn:
            for i in range(0, len(keys), 500):
                conn.execute(
                    delete(_expected).where(_expected.c.source == source, _expected.c.key.in_(keys[i : i + 500]))
                )
            conn.execute(
                insert(_expected), [{"source": source, "key": k, "version": v, "state": s} for k, v, s in rows]
            )

    def commit(
        self,
        source: str,
        rows: Sequence[tuple[str, str, str]],
        deleted: Sequence[str] = (),
        offset: dt.datetime | None = None,
        owner: str | None = None,
    ) -> None:
        """Record delivered ``rows`` (key, version, state JSON) and ``deleted`` keys, and move the offset
        to ``offset`` (when given), in one transaction; :class:`LeaseLost` when ``owner`` no longer holds
        the source's lease (nothing is written then), which it renews otherwise."""
        with self.engine.begin() as conn:
            if owner is not None:
                now = time.time()
                held = _leases.c.source == source, _leases.c.owner == owner, _leases.c.expires_at > now
                ttl_s = self._ttl.get(source)
                if ttl_s is None:
                    kept = conn.execute(select(_leases.c.owner).where(*held)).first() is not None
                else:  # renewed as well: a long poll (a backlog read page by page) keeps its source
                    kept = conn.execute(update(_leases).where(*held).values(expires_at=now + ttl_s)).rowcount > 0
                if not kept:
                    raise LeaseLost(f"the lease on {source} is no longer held by {owner}")
            gone = [key for key, _, _ in rows] + list(deleted)
            for i in range(0, len(gone), 500):
                for table in (_rows, _expected):
                    conn.execute(delete(table).where(table.c.source == source, table.c.key.in_(gone[i : i + 500])))
            if rows:
                conn.execute(
                    insert(_rows), [{"source": source, "key": k, "version": v, "state": s} for k, v, s in rows]
                )
            if offset is not None:
                position = offset.isoformat()
                if (
                    conn.execute(update(_offsets).where(_offsets.c.source == source).values(position=position)).rowcount
                    == 0
                ):
                    conn.execute(insert(_offsets).values(source=source, position=position))

    # -- leases ----------------------------------------------------------------------

    def acquire(self, source: str, owner: str, ttl_s: float) -> bool:
        """Take or renew the lease on ``source`` for ``ttl_s``: True when ``owner`` holds it now (and each
        :meth:`commit` of its renews it for as long)."""
        self._ttl[source] = ttl_s
        now = time.time()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(_leases)
                .where(
                    _leases.c.source == source,
                    or_(_leases.c.owner == owner, _leases.c.expires_at <= now),
                )
                .values(owner=owner, expires_at=now + ttl_s)
            ).rowcount
            if taken:
                return True
            if conn.execute(select(_leases.c.owner).where(_leases.c.source == source)).first() is not None:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(_leases).values(source=source, owner=owner, expires_at=now + ttl_s))
            return True
        except IntegrityError:  # another process created it first
            return False

    def release(self, source: str, owner: str) -> None:
        """Give the lease up (another process may take the source at once)."""
        with self.engine.begin() as conn:
            conn.execute(delete(_leases).where(and_(_leases.c.source == source, _leases.c.owner == owner)))

    def owner(self, source: str) -> str | None:
        """Who holds the lease on ``source`` now (None: nobody)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(_leases.c.owner).where(_leases.c.source == source, _leases.c.expires_at > time.time())
            ).scalar()

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()
