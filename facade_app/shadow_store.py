"""Shadowed writes: what an AI proposed, recorded beside what a person then did (SQLAlchemy Core,
in the review queue's database).

A shadow record moves ``pending`` → ``matched`` | ``disagreeing`` when reconciliation finds the
legacy record changed: to the proposed values (matched), or to others (disagreeing, with a diff
per field). One still ``pending`` is *unmatched*: nobody has made that change (yet).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, Text, insert, select, update

from facade_app.proposed_writes import ProposedWrite, ProposedWriteStore, iso_time, proposed_write_columns

__all__ = ["Shadow", "ShadowStore"]

_meta = MetaData()
_shadows = Table(
    "lb_shadow_writes", _meta,
    *proposed_write_columns(),
    Column("dry_run", Text),
    Column("baseline", Text),
    Column("status", String(16), nullable=False, index=True),
    Column("observed", Text),
    Column("diff", Text),
    Column("reconciled_at", Float),
)


@dataclass(frozen=True)
class Shadow(ProposedWrite):
    """One shadowed write and, once reconciled, what a person did."""

    status: str
    dry_run: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    observed: dict[str, Any] | None = None
    diff: dict[str, Any] | None = None
    reconciled_at: float | None = None

    def public(self) -> dict[str, Any]:
        """The record as the API shows it (ISO 8601 times)."""
        return {
            **super().public(), "status": self.status, "dry_run": self.dry_run, "baseline": self.baseline,
            "observed": self.observed, "diff": self.diff, "reconciled_at": iso_time(self.reconciled_at),
            "executed": False,
        }


class ShadowStore(ProposedWriteStore[Shadow]):
    """Shadow records in the database of ``engine`` (the review queue's; tables made on first use)."""

    def __init__(self, engine: Any) -> None:
        # ``engine``: a callable giving the engine (connected on first use)
        super().__init__(Shadow, ("input", "dry_run", "baseline", "observed", "diff"), _meta, engine)

    def record(self, bridge: str, operation: str, data: dict[str, Any], requested_by: str, *,
               dry_run: dict[str, Any] | None, baseline: dict[str, Any] | None) -> Shadow:
        """Keep a proposed write (never executed) with its dry run and the record as it was."""
        row = {**self._new(bridge, operation, data, requested_by), "status": "pending", "dry_run": dry_run,
               "baseline": baseline}
        with self.engine.begin() as conn:
            conn.execute(insert(_shadows).values(**self._encoded(row)))
        return Shadow(**row)

    def list(self, status: str | None = None, limit: int = 1000) -> list[Shadow]:
        """Shadow records, oldest first."""
        query = select(_shadows).order_by(_shadows.c.requested_at).limit(limit)
        if status:
            query = query.where(_shadows.c.status == status)
        with self.engine.connect() as conn:
            return [self._record(row) for row in conn.execute(query).mappings()]

    def settle(self, shadow_id: str, *, status: str, observed: dict[str, Any], diff: dict[str, Any] | None) -> bool:
        """Mark a pending record ``matched`` or ``disagreeing``; False if it was not pending."""
        with self.engine.begin() as conn:
            done = conn.execute(update(_shadows).where(_shadows.c.id == shadow_id, _shadows.c.status == "pending")
                                .values(status=status, observed=json.dumps(observed),
                                        diff=json.dumps(diff) if diff is not None else None,
                                        reconciled_at=time.time()))
        return done.rowcount == 1
