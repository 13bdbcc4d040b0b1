"""Operators' bridge resets shared by the worker processes of one host.

An operator's ``POST /v1/bridges/<name>/reset`` reaches one worker; each worker has its own
pools, so the others learn of it here: the reset bumps the bridge's generation, and every
worker, before a call, resets its own bridge when the generation moved past the one it
applied (looking at most once per ``poll_s``).

    board = ResetBoard(state_dir / "resets.db")
    board.bump("custmast")                # the worker that took the request
    board.catch_up(runtime)               # every worker, before its calls
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import DBAPIError

from bridges.core.runtime import Runtime
from facade_app.shared_tables import HostFileStore

__all__ = ["ResetBoard"]

log = logging.getLogger("legacy_bridges.facade")

_meta = MetaData()
_resets = Table(
    "lb_resets",
    _meta,
    Column("bridge", String(64), primary_key=True),
    Column("generation", Integer, nullable=False),
)


class ResetBoard(HostFileStore):
    """Reset generations per bridge in a SQLite file (opened on first use)."""

    def __init__(self, path: Path, poll_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(_meta, path)
        self.poll_s = poll_s
        self._clock = clock
        self._lock = threading.Lock()
        self._applied: dict[str, int] | None = None  # None: the baseline is not read yet
        self._next_look = 0.0

    def generations(self) -> dict[str, int]:
        """Every bridge's reset generation (absent: never reset)."""
        with self.engine.connect() as conn:
            return {row.bridge: row.generation for row in conn.execute(select(_resets))}

    def bump(self, bridge: str) -> bool:
        """Record a reset of ``bridge`` (already applied by this worker); False, logged, when
        the board cannot be written (the other workers then keep their state)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(_resets).prefix_with("OR IGNORE").values(bridge=bridge, generation=0))
                conn.execute(
                    update(_resets).where(_resets.c.bridge == bridge).values(generation=_resets.c.generation + 1)
                )
                generation = conn.execute(select(_resets.c.generation).where(_resets.c.bridge == bridge)).scalar_one()
        except (DBAPIError, OSError) as exc:
            log.warning(
                "reset board unusable (%s): the other workers do not learn of %s's reset", type(exc).__name__, bridge
            )
            return False
        with self._lock:
            if self._applied is not None:
                self._applied[bridge] = generation
        return True

    def catch_up(self, runtime: Runtime) -> list[str]:
        """Reset this worker's bridges that another worker reset since the last look; the
        bridges reset. Looks at the file at most once per ``poll_s``; never raises (a
        board that cannot be read leaves the bridges as they are, and says so in the log)."""
        now = self._clock()
        with self._lock:
            if now < self._next_look:
                return []
            self._next_look = now + self.poll_s
        try:
            current = self.generations()
        except (DBAPIError, OSError) as exc:
            log.warning("reset board unusable (%s): resets by other workers wait", type(exc).__name__)
            return []
        with self._lock:
            if self._applied is None:  # this worker's bridges were built after those resets
                self._applied = current
                return []
            due = [
                name
                for name, generation in current.items()
                if generation > self._applied.get(name, 0) and name in runtime.bridges
            ]
            self._applied.update(current)
        for name in due:
            log.warning("bridge %s reset by an operator through another worker; signing on again", name)
            runtime.reset(name)
        return due
