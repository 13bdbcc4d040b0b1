"""Durable watcher state: per-source offsets, the last delivered version of each row, and source leases.

Everything a watcher must not forget lives here, in SQLite (one file shared by the
watcher processes of a host) or PostgreSQL (SQLAlchemy Core URLs), never in memory:

* the offset of a source with a change column — every row stamped at or before it
  has been delivered;
* the version and normalised state of every row delivered — the dedupe by key and
  version, the ``old`` state of updates and deletes, and the key set a delete scan
  or a snapshot diff compares with;
* the lease of each source — one process owns a source at a time; a dead owner's
  lease expires after its ``ttl_s``; each takeover increments the lease's generation,
  the fencing token every write of an owner is checked against;
* for a source started "now", whether its baseline is recorded yet;
* the events of a page being published and not committed yet (its intent, see
  :mod:`bridges.events.delivery`).

:meth:`WatchStore.commit` writes a page's versions and the new offset in one
transaction, and :meth:`WatchStore.intend` a page's events, each only while the writing
process still holds the generation of the lease it acquired, which the write renews: a
watcher stalled (SIGSTOP, a long pause) past its lease and taken over cannot move the new
owner's offset back nor leave it an intent, even under an owner name used again; one
reading a long backlog page by page keeps its source.
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
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from bridges.core.errors import Unavailable
from bridges.events.changes import ChangeEvent, canonical_json

__all__ = ["LeaseLost", "StoredRow", "WatchStore"]

_EVENT_FIELDS = ("kind", "key", "new", "old", "new_version", "old_version", "time")

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
    Column("generation", Integer, nullable=False, server_default="0"),
)
_intents = Table(
    "watch_intents",
    _meta,
    Column("source", String(128), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("event", Text, nullable=False),
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
        self._held: dict[tuple[str, str], int] = {}  # (source, owner) → the lease generation acquired
        _retrying(lambda: _meta.create_all(self.engine))
        _retrying(self._upgrade)

    def _upgrade(self) -> None:
        """Give a store made before leases had generations its generation column."""
        with self.engine.begin() as conn:
            if "generation" not in {c["name"] for c in inspect(conn).get_columns("watch_leases")}:
                conn.exec_driver_sql("ALTER TABLE watch_leases ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")

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

    def intents(self, source: str) -> list[ChangeEvent]:
        """The events of ``source`` published, or about to be, and not committed yet (see :meth:`intend`)."""
        query = select(_intents.c.event).where(_intents.c.source == source).order_by(_intents.c.key)
        with self.engine.connect() as conn:
            return [ChangeEvent(source, **json.loads(text)) for text in conn.execute(query).scalars()]

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

    def intend(self, source: str, events: Sequence[ChangeEvent], owner: str | None = None) -> None:
        """Record ``events`` before they are published, until :meth:`commit` records their rows delivered;
        :class:`LeaseLost` (nothing written) when ``owner`` no longer holds the lease it acquired."""
        rows = {e.key: canonical_json({f: getattr(e, f) for f in _EVENT_FIELDS}) for e in events}
        keys = list(rows)
        with self.engine.begin() as conn:
            self._hold(conn, source, owner)
            for i in range(0, len(keys), 500):
                conn.execute(delete(_intents).where(_intents.c.source == source, _intents.c.key.in_(keys[i : i + 500])))
            conn.execute(insert(_intents), [{"source": source, "key": k, "event": e} for k, e in rows.items()])

    def _hold(self, conn: Connection, source: str, owner: str | None) -> None:
        """Within ``conn``'s transaction: LeaseLost unless ``owner`` still holds the generation of the lease it
        acquired (not expired), which is renewed when its ttl is known (a long poll keeps its source)."""
        if owner is None:
            return
        now = time.time()
        held = (
            _leases.c.source == source,
            _leases.c.owner == owner,
            _leases.c.generation == self._held.get((source, owner), -1),
            _leases.c.expires_at > now,
        )
        ttl_s = self._ttl.get(source)
        if ttl_s is None:
            kept = conn.execute(select(_leases.c.owner).where(*held)).first() is not None
        else:
            kept = conn.execute(update(_leases).where(*held).values(expires_at=now + ttl_s)).rowcount > 0
        if not kept:
            raise LeaseLost(f"the lease on {source} is no longer held by {owner}")

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
        the generation of the lease it acquired (nothing is written then), which it renews otherwise; the
        intents of those keys are cleared."""
        with self.engine.begin() as conn:
            self._hold(conn, source, owner)
            gone = [key for key, _, _ in rows] + list(deleted)
            for i in range(0, len(gone), 500):
                for table in (_rows, _intents):
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
        :meth:`commit` of its renews it for as long). Taking it over — once it expired or was released, or at
        once by a process started under its holder's name (a restart) — increments its generation, which
        fences the writes of the previous holder (:meth:`commit` and :meth:`intend` refuse them)."""
        self._ttl[source] = ttl_s
        now = time.time()
        mine = self._held.get((source, owner))
        lease = _leases.c.source == source
        if mine is not None:  # renewed by one write, as each poll does
            with self.engine.begin() as conn:
                renewed = update(_leases).where(lease, _leases.c.owner == owner, _leases.c.generation == mine)
                if conn.execute(renewed.values(expires_at=now + ttl_s)).rowcount:
                    return True
        with self.engine.connect() as conn:
            row = conn.execute(select(_leases.c.owner, _leases.c.expires_at, _leases.c.generation).where(lease)).first()
        if row is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(_leases).values(source=source, owner=owner, expires_at=now + ttl_s, generation=1)
                    )
            except IntegrityError:  # another process created it first
                return False
            self._held[(source, owner)] = 1
            return True
        if row.owner != owner and row.expires_at > now:
            return False
        with self.engine.begin() as conn:  # compared and set: of two processes taking it at once, one wins
            taken = update(_leases).where(
                lease,
                _leases.c.generation == row.generation,
                or_(_leases.c.owner == owner, _leases.c.expires_at <= now),  # the owner's restart, or run out
            )
            if not conn.execute(
                taken.values(owner=owner, expires_at=now + ttl_s, generation=row.generation + 1)
            ).rowcount:
                return False
        self._held[(source, owner)] = row.generation + 1
        return True

    def release(self, source: str, owner: str) -> None:
        """Give the lease up (another process may take the source at once; its generation is kept)."""
        generation = self._held.pop((source, owner), None)
        with self.engine.begin() as conn:
            conn.execute(
                update(_leases)
                .where(_leases.c.source == source, _leases.c.owner == owner, _leases.c.generation == generation)
                .values(expires_at=0.0)
            )

    def generation(self, source: str) -> int | None:
        """The generation of the lease on ``source`` (None: never leased)."""
        with self.engine.connect() as conn:
            return conn.execute(select(_leases.c.generation).where(_leases.c.source == source)).scalar()

    def owner(self, source: str) -> str | None:
        """Who holds the lease on ``source`` now (None: nobody)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(_leases.c.owner).where(_leases.c.source == source, _leases.c.expires_at > time.time())
            ).scalar()

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()
