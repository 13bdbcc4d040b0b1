"""Row streams: operation results too large to build in memory.

An operation whose return type is :class:`RowStream` declares ``row_model`` (the
pydantic model of one row); the facade serves it as NDJSON or CSV, pulling rows as it
writes them, so memory stays bounded whatever the row count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["RowStream"]


class RowStream:
    """An iterator of row dicts with a ``close`` that always runs (cursor, connection).

    ``rows`` yields one mapping per row (keys = ``row_model`` fields); ``on_close`` frees
    whatever produced them and is called exactly once, when the stream ends or is dropped.
    """

    def __init__(self, rows: Iterable[dict[str, Any]], on_close: Callable[[], None] | None = None) -> None:
        self._rows = iter(rows)
        self._on_close = on_close
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            yield from self._rows
        finally:
            self.close()

    def close(self) -> None:
        """Release the producer (idempotent)."""
        if not self.closed:
            self.closed = True
            if self._on_close is not None:
                self._on_close()
