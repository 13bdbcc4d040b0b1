"""Bridge states shared by the worker processes of one host, so that a legacy system sees
one readiness ping per TTL however many workers serve.

    board = ReadinessBoard(state_dir / "readiness.db")
    known = board.read("orders")                  # the last ping any worker published
    if board.claim("orders", now, ttl_s):         # this worker pings; the others do not
        board.publish("orders", state)

A SQLite file in the facade's state folder (readiness is a per-host matter, so a local
file is right even when the review queue is a server database). A claim is a
conditional UPDATE: of the workers asking together, one wins; its lease ends when it
publishes, or after ``lease_s`` if it died mid-ping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, Text, insert, select, update

from facade_app.shared_tables import HostFileStore

__all__ = ["ReadinessBoard", "SharedState"]

_meta = MetaData()
_states = Table(
    "lb_readiness", _meta,
    Column("bridge", String(64), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("checked_at", Float, nullable=False),
    Column("details", Text, nullable=False),
    Column("lease_until", Float, nullable=False),
)

SharedState = tuple[str, float, dict[str, Any]]
"""``(status, checked_at, details)`` as one worker published it."""


class ReadinessBoard(HostFileStore):
    """Published bridge states and ping leases in a SQLite file (opened on first use)."""

    def __init__(self, path: Path, lease_s: float = 30.0) -> None:
        super().__init__(_meta, path)
        self.lease_s = lease_s

    def read(self, bridge: str) -> SharedState | None:
        """The last published state of ``bridge``, or None before any."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_states).where(_states.c.bridge == bridge)).mappings().first()
        if row is None or row["status"] == "unknown":
            return None
        return row["status"], row["checked_at"], json.loads(row["details"])

    def claim(self, bridge: str, now: float, ttl_s: float) -> bool:
        """True when this caller is to ping ``bridge``: its state is older than ``ttl_s`` and
        nobody else holds the ping's lease."""
        with self.engine.begin() as conn:
            conn.execute(insert(_states).prefix_with("OR IGNORE").values(
                bridge=bridge, status="unknown", checked_at=0.0, details="{}", lease_until=0.0))
            won = conn.execute(
                update(_states).where(_states.c.bridge == bridge, _states.c.lease_until < now,
                                      _states.c.checked_at <= now - ttl_s)
                .values(lease_until=now + self.lease_s))
        return won.rowcount == 1

    def publish(self, bridge: str, status: str, checked_at: float, details: dict[str, Any]) -> None:
        """Record a ping's answer and end the lease."""
        with self.engine.begin() as conn:
            conn.execute(update(_states).where(_states.c.bridge == bridge).values(
                status=status, checked_at=checked_at, details=json.dumps(details, default=str), lease_until=0.0))
