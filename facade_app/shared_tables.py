"""Tables of state shared by the facade's worker processes (review queue, shadow records, rollouts,
readiness and reset boards), and the base of the stores that keep them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, create_engine
from sqlalchemy.exc import DBAPIError

__all__ = ["HostFileStore", "SharedStore", "create_shared_tables"]


def create_shared_tables(engine: Engine, meta: MetaData, prepare: Callable[[Connection], None] | None = None,
                         attempts: int = 3) -> None:
    """Create ``meta``'s tables (after ``prepare`` on one connection), trying again when
    workers starting together race to create them."""
    for attempt in range(attempts):
        try:
            if prepare is not None:
                with engine.connect() as conn:
                    prepare(conn)
            meta.create_all(engine)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise


class SharedStore:
    """A store of ``meta``'s tables in the database ``connect`` gives: connected, and the tables
    created, on first use (so that making a store touches no database)."""

    def __init__(self, meta: MetaData, connect: Callable[[], Engine],
                 prepare: Callable[[Connection], None] | None = None) -> None:
        self._meta = meta
        self._connect = connect
        self._prepare = prepare
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The database engine; the first use connects and creates the tables."""
        with self._engine_lock:
            if self._engine is None:
                engine = self._connect()
                create_shared_tables(engine, self._meta, self._prepare)
                self._engine = engine
            return self._engine


class HostFileStore(SharedStore):
    """A store in a SQLite file of this host (its folder made on first use); in WAL mode, so that
    readers never wait for a writer."""

    def __init__(self, meta: MetaData, path: Path) -> None:
        self.path = path
        super().__init__(meta, self._open, lambda conn: conn.exec_driver_sql("PRAGMA journal_mode=WAL"))

    def _open(self) -> Engine:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 10})
