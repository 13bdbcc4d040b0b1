"""The write-review queue, kept with SQLAlchemy Core (SQLite by default, any database it speaks).

A review moves ``pending`` → ``approved`` → ``executed`` | ``failed``, or ``pending`` →
``rejected`` | ``expired``. Every move is one conditional UPDATE, so two reviewers
racing on the same request cannot both approve it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, Text, create_engine, insert, select, update
from sqlalchemy.pool import StaticPool

__all__ = ["Review", "ReviewStore"]

_meta = MetaData()
_reviews = Table(
    "lb_write_reviews", _meta,
    Column("id", String(32), primary_key=True),
    Column("bridge", String(64), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("input", Text, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("decided_by", String(64)),
    Column("decided_at", Float),
    Column("reason", String(500)),
    Column("result", Text),
)


@dataclass(frozen=True)
class Review:
    """One queued write and what became of it."""

    id: str
    bridge: str
    operation: str
    input: dict[str, Any]
    requested_by: str
    requested_at: float
    expires_at: float
    status: str
    decided_by: str | None = None
    decided_at: float | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        """The review as the API shows it."""
        body = asdict(self)
        body["links"] = {"self": f"/v1/reviews/{self.id}", "approve": f"/v1/reviews/{self.id}/approve",
                         "reject": f"/v1/reviews/{self.id}/reject"}
        return body


class ReviewStore:
    """Reviews in a SQL database named by a SQLAlchemy URL."""

    def __init__(self, url: str, ttl_s: float) -> None:
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite") and ":memory:" in url:  # one shared in-process database
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        self.engine = create_engine(url, **kwargs)
        self.ttl_s = ttl_s
        _meta.create_all(self.engine)

    def submit(self, bridge: str, operation: str, data: dict[str, Any], requested_by: str) -> Review:
        """Queue a write; it waits as ``pending``."""
        now = time.time()
        row = {"id": uuid.uuid4().hex, "bridge": bridge, "operation": operation, "input": json.dumps(data),
               "requested_by": requested_by, "requested_at": now, "expires_at": now + self.ttl_s,
               "status": "pending"}
        with self.engine.begin() as conn:
            conn.execute(insert(_reviews).values(**row))
        return self.get(row["id"])  # type: ignore[return-value]

    def get(self, review_id: str) -> Review | None:
        """One review, or None."""
        self._expire()
        with self.engine.connect() as conn:
            row = conn.execute(select(_reviews).where(_reviews.c.id == review_id)).mappings().first()
        return _review(row) if row else None

    def list(self, status: str | None = None, limit: int = 100) -> list[Review]:
        """Reviews, newest first."""
        self._expire()
        query = select(_reviews).order_by(_reviews.c.requested_at.desc()).limit(limit)
        if status:
            query = query.where(_reviews.c.status == status)
        with self.engine.connect() as conn:
            return [_review(row) for row in conn.execute(query).mappings()]

    def decide(self, review_id: str, *, to: str, by: str, reason: str | None = None) -> bool:
        """Move a pending review to ``approved`` or ``rejected``; False if it was not pending."""
        self._expire()
        with self.engine.begin() as conn:
            done = conn.execute(
                update(_reviews).where(_reviews.c.id == review_id, _reviews.c.status == "pending")
                .values(status=to, decided_by=by, decided_at=time.time(), reason=reason)
            )
        return done.rowcount == 1

    def finish(self, review_id: str, *, ok: bool, result: dict[str, Any]) -> None:
        """Record what the approved write did (``executed``) or the problem it met (``failed``)."""
        with self.engine.begin() as conn:
            conn.execute(update(_reviews).where(_reviews.c.id == review_id, _reviews.c.status == "approved")
                         .values(status="executed" if ok else "failed", result=json.dumps(result)))

    def _expire(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_reviews).where(_reviews.c.status == "pending", _reviews.c.expires_at < time.time())
                         .values(status="expired"))


def _review(row: Any) -> Review:
    data = dict(row)
    data["input"] = json.loads(data["input"])
    data["result"] = json.loads(data["result"]) if data["result"] else None
    return Review(**data)
