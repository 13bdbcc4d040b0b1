"""Shadowed writes: what an AI proposed, recorded beside what a person then did (SQLAlchemy Core,
in the review queue's database).

A shadow record moves ``pending`` → ``matched`` | ``disagreeing`` when reconciliation finds the
legacy record changed: to the proposed values (matched), or to others (disagreeing, with a diff
per field). One still ``pending`` is *unmatched*: nobody has made that change (yet).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, Text, insert, select, update

from facade_app.shared_tables import create_shared_tables

__all__ = ["Shadow", "ShadowStore"]

_meta = MetaData()
_shadows = Table(
    "lb_shadow_writes", _meta,
    Column("id", String(32), primary_key=True),
    Column("bridge", String(64), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("input", Text, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("dry_run", Text),
    Column("baseline", Text),
    Column("status", String(16), nullable=False, index=True),
    Column("observed", Text),
    Column("diff", Text),
    Column("reconciled_at", Float),
)
_JSON = ("input", "dry_run", "baseline", "observed", "diff")


@dataclass(frozen=True)
class Shadow:
    """One shadowed write and, once reconciled, what a person did."""

    id: str
    bridge: str
    operation: str
    input: dict[str, Any]
    requested_by: str
    requested_at: float
    status: str
    dry_run: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    observed: dict[str, Any] | None = None
    diff: dict[str, Any] | None = None
    reconciled_at: float | None = None

    def public(self) -> dict[str, Any]:
        """The record as the API shows it (ISO 8601 times)."""
        return {
            "id": self.id, "bridge": self.bridge, "operation": self.operation, "input": self.input,
            "requested_by": self.requested_by, "requested_at": _iso(self.requested_at), "status": self.status,
            "dry_run": self.dry_run, "baseline": self.baseline, "observed": self.observed, "diff": self.diff,
            "reconciled_at": _iso(self.reconciled_at), "executed": False,
        }


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


class ShadowStore:
    """Shadow records in the database of ``engine`` (the review queue's; tables made on first use)."""

    def __init__(self, engine: Any) -> None:
        self._engine_of = engine  # a callable giving the engine (connected on first use)
        self._ready = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The database engine; the first use creates the table."""
        engine = self._engine_of()
        with self._lock:
            if not self._ready:
                create_shared_tables(engine, _meta)
                self._ready = True
        return engine

    def record(self, bridge: str, operation: str, data: dict[str, Any], requested_by: str, *,
               dry_run: dict[str, Any] | None, baseline: dict[str, Any] | None) -> Shadow:
        """Keep a proposed write (never executed) with its dry run and the record as it was."""
        row = {"id": uuid.uuid4().hex, "bridge": bridge, "operation": operation, "input": data,
               "requested_by": requested_by, "requested_at": time.time(), "status": "pending",
               "dry_run": dry_run, "baseline": baseline}
        with self.engine.begin() as conn:
            conn.execute(insert(_shadows).values(**{k: json.dumps(v) if k in _JSON and v is not None else v
                                                    for k, v in row.items()}))
        return Shadow(**row)

    def list(self, status: str | None = None, limit: int = 1000) -> list[Shadow]:
        """Shadow records, oldest first."""
        query = select(_shadows).order_by(_shadows.c.requested_at).limit(limit)
        if status:
            query = query.where(_shadows.c.status == status)
        with self.engine.connect() as conn:
            return [_shadow(row) for row in conn.execute(query).mappings()]

    def settle(self, shadow_id: str, *, status: str, observed: dict[str, Any], diff: dict[str, Any] | None) -> bool:
        """Mark a pending record ``matched`` or ``disagreeing``; False if it was not pending."""
        with self.engine.begin() as conn:
            done = conn.execute(update(_shadows).where(_shadows.c.id == shadow_id, _shadows.c.status == "pending")
                                .values(status=status, observed=json.dumps(observed),
                                        diff=json.dumps(diff) if diff is not None else None,
                                        reconciled_at=time.time()))
        return done.rowcount == 1


def _shadow(row: Any) -> Shadow:
    data = dict(row)
    for key in _JSON:
        data[key] = json.loads(data[key]) if data.get(key) else None
    return Shadow(**{k: data.get(k) for k in Shadow.__dataclass_fields__})
