"""The write-review queue, kept with SQLAlchemy Core (a SQLite file by default, any database it speaks).

A review moves ``pending`` → ``approved`` → ``executed`` | ``failed``, or ``pending`` →
``rejected`` | ``expired``. Every move is one conditional UPDATE, so two reviewers
racing on the same request — in one process or in several — cannot both approve it.
Expiry is decided when read (a pending review past ``expires_at`` *is* expired), so
lookups never write.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from bridges.core.config import Config
from facade_app.proposed_writes import ProposedWrite, ProposedWriteStore, iso_time, proposed_write_columns

__all__ = ["Review", "ReviewStore", "is_per_process", "review_store_url"]

_meta = MetaData()
_reviews = Table(
    "lb_write_reviews", _meta,
    *proposed_write_columns(),
    Column("expires_at", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("decided_by", String(64)),
    Column("decided_at", Float),
    Column("reason", String(500)),
    Column("result", Text),
)
_previews = Table(  # a table of its own, so that a queue made before it keeps working
    "lb_write_review_previews", _meta,
    Column("review_id", String(32), primary_key=True),
    Column("dry_run", Text, nullable=False),
)


@dataclass(frozen=True)
class Review(ProposedWrite):
    """One queued write and what became of it."""

    expires_at: float
    status: str
    decided_by: str | None = None
    decided_at: float | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    dry_run: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        """The review as the API shows it: ISO 8601 times; decision links only while it waits."""
        links = {"self": f"/v1/reviews/{self.id}"}
        if self.status == "pending":
            links.update(approve=f"/v1/reviews/{self.id}/approve", reject=f"/v1/reviews/{self.id}/reject")
        return {
            **super().public(), "expires_at": iso_time(self.expires_at), "status": self.status,
            "decided_by": self.decided_by, "decided_at": iso_time(self.decided_at), "reason": self.reason,
            "result": self.result, "dry_run": self.dry_run, "links": links,
        }


def review_store_url(config: Config) -> str:
    """The review queue's URL: ``facade.review_store``, or ``reviews.db`` in ``facade.state_dir``."""
    if config.facade.review_store:
        return config.facade.review_store
    return f"sqlite:///{config.path(config.facade.state_dir) / 'reviews.db'}"


def is_per_process(url: str) -> bool:
    """True when a review store at ``url`` lives in one process's memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # not a URL at all: connecting says so
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (database in ("", ":memory:") or "mode=memory" in url)


class ReviewStore(ProposedWriteStore[Review]):
    """Reviews in a SQL database named by a SQLAlchemy URL (connected, and a SQLite file's folder
    made, on first use)."""

    def __init__(self, url: str, ttl_s: float) -> None:
        super().__init__(Review, ("input", "result", "dry_run"), _meta, lambda: _connect(url))
        self.url = url
        self.ttl_s = ttl_s

    def submit(self, bridge: str, operation: str, data: dict[str, Any], requested_by: str,
               dry_run: dict[str, Any] | None = None) -> Review:
        """Queue a write (with what its dry run answered, for the approver); it waits as ``pending``."""
        row = self._new(bridge, operation, data, requested_by)
        row.update(expires_at=row["requested_at"] + self.ttl_s, status="pending")
        with self.engine.begin() as conn:
            conn.execute(insert(_reviews).values(**self._encoded(row)))
            if dry_run is not None:
                conn.execute(insert(_previews).values(review_id=row["id"], dry_run=json.dumps(dry_run)))
        return self._record(self._encoded({**row, "dry_run": dry_run}))

    def get(self, review_id: str) -> Review | None:
        """One review, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(_select().where(_reviews.c.id == review_id)).mappings().first()
        return self._record(row) if row else None

    def list(self, status: str | None = None, limit: int = 100) -> list[Review]:
        """Reviews, newest first."""
        query = _select().order_by(_reviews.c.requested_at.desc()).limit(limit)
        now = time.time()
        waiting = and_(_reviews.c.status == "pending", _reviews.c.expires_at >= now)
        if status == "pending":
            query = query.where(waiting)
        elif status == "expired":
            query = query.where(or_(_reviews.c.status == "expired",
                                    and_(_reviews.c.status == "pending", _reviews.c.expires_at < now)))
        elif status:
            query = query.where(_reviews.c.status == status)
        with self.engine.connect() as conn:
            return [self._record(row) for row in conn.execute(query).mappings()]

    def _decoded(self, row: Any) -> dict[str, Any]:
        """A stored row read, a pending review past its time as ``expired`` (expiry is decided when read)."""
        data = super()._decoded(row)
        if data["status"] == "pending" and data["expires_at"] < time.time():
            data["status"] = "expired"
        return data

    def pending_count(self) -> int:
        """Writes waiting for a decision (unexpired), for the review-queue depth metric."""
        now = time.time()
        query = select(func.count()).select_from(_reviews).where(_reviews.c.status == "pending",
                                                                 _reviews.c.expires_at >= now)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def decide(self, review_id: str, *, to: str, by: str, reason: str | None = None) -> bool:
        """Move a pending, unexpired review to ``approved`` or ``rejected``; False if it was not."""
        now = time.time()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(_reviews).where(_reviews.c.id == review_id, _reviews.c.status == "pending",
                                       _reviews.c.expires_at >= now)
                .values(status=to, decided_by=by, decided_at=now, reason=reason)
            )
        return done.rowcount == 1

    def finish(self, review_id: str, *, ok: bool, result: dict[str, Any]) -> None:
        """Record what the approved write did (``executed``) or the problem it met (``failed``)."""
        with self.engine.begin() as conn:
            conn.execute(update(_reviews).where(_reviews.c.id == review_id, _reviews.c.status == "approved")
                         .values(status="executed" if ok else "failed", result=json.dumps(result)))


def _select() -> Any:
    """Reviews with their dry runs' answers."""
    return select(_reviews, _previews.c.dry_run).select_from(
        _reviews.outerjoin(_previews, _previews.c.review_id == _reviews.c.id))


def _connect(url: str) -> Engine:
    if is_per_process(url):  # one shared in-process database
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    if make_url(url).get_backend_name() == "sqlite":
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        for attempt in range(3):
            try:  # readers never wait for a writer (several workers); the mode stays with the file
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                break
            except DBAPIError:
                if attempt == 2:
                    raise
        return engine
    return create_engine(url, pool_pre_ping=True)

