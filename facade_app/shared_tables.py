"""Tables of state shared by the facade's worker processes (review queue, readiness board)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, MetaData
from sqlalchemy.exc import DBAPIError

__all__ = ["create_shared_tables"]


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
