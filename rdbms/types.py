"""The rdbms port: a read-only connection that runs one parameterised SELECT.

Three implementations share it — live (pyodbc), recording and replaying (cassettes) —
so a bridge never knows which one it talks to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Column",
    "Dialect",
    "QueryResult",
    "ReadOnlyConnection",
    "RowCursor",
]


class Dialect(StrEnum):
    """The database behind the ODBC driver (its SQL dialect and read-only levers)."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    MARIADB = "mariadb"

    @property
    def sqlglot_name(self) -> str:
        """The name sqlglot knows this dialect by."""
        return {"sqlite": "sqlite", "postgresql": "postgres", "mariadb": "mysql"}[self.value]


@dataclass(frozen=True)
class Column:
    """One result column: its name and the Python type of its values (``decimal``, ``date``…)."""

    name: str
    type: str


@dataclass
class QueryResult:
    """Typed rows of one SELECT; ``truncated`` says a row or byte cap cut them short."""

    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool = False

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` mappings."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]


@dataclass
class RowCursor:
    """A streamed result: columns now, rows pulled in batches; ``close`` frees the connection.

    Rows are sequences (tuples, or the driver's own row objects — not copied, for speed)."""

    columns: tuple[Column, ...]
    batches: Iterator[list[Sequence[Any]]]
    _close: Any = field(default=None, repr=False)

    def rows(self) -> Iterator[Sequence[Any]]:
        """Every row, batch by batch (the connection is freed at the end)."""
        try:
            for batch in self.batches:
                yield from batch
        finally:
            self.close()

    def close(self) -> None:
        """Free the cursor and its connection (idempotent)."""
        close, self._close = self._close, None
        if close is not None:
            close()


@runtime_checkable
class ReadOnlyConnection(Protocol):
    """The port every rdbms implementation provides."""

    dialect: Dialect

    def query(
        self, sql: str, params: Sequence[Any] = (), *, max_rows: int | None = None, max_bytes: int | None = None
    ) -> QueryResult:
        """Run one gated SELECT with bound ``params`` under the current deadline."""
        ...

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch_size: int = 1000,
               deadline_s: float | None = None) -> RowCursor:
        """Run one gated SELECT and hand its rows out in batches (bounded memory)."""
        ...

    def ping(self) -> dict[str, Any]:
        """Check the database answers; raise a core error if it does not."""
        ...

    def status(self) -> dict[str, Any]:
        """Cheap state (mode, pool) with no round trip."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...
