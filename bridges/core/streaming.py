"""Row streams: operation results too large to build in memory.

An operation whose return type is :class:`RowStream` declares ``row_model`` (the
pydantic model of one row); the facade serves it as NDJSON or CSV, pulling rows as it
writes them, so memory stays bounded whatever the row count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

__all__ = ["RowStream"]


class RowStream:
    """An iterator of row dicts with a ``close`` that always runs (cursor, connection).

    ``rows`` yields one mapping per row (keys = ``row_model`` fields) — or ``batches``
    yields lists of them, for a producer that makes rows a batch at a time; ``on_close``
    frees whatever produced them and is called exactly once, when the stream ends or is
    dropped. A consumer iterates rows, or pulls :meth:`batches` (no per-row step at all).
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = (), on_close: Callable[[], None] | None = None, *,
                 batches: Iterable[list[dict[str, Any]]] | None = None) -> None:
        self._batches = None if batches is None else iter(batches)
        self._rows = iter(rows) if batches is None else chain.from_iterable(self._batches)  # type: ignore[arg-type]
        self._on_close = on_close
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            yield from self._rows
        finally:
            self.close()

    def batches(self, size: int = 500) -> Iterator[list[dict[str, Any]]]:
        """The rows in lists: as the producer made them, or ``size`` at a time."""
        try:
            if self._batches is not None:
                for batch in self._batches:
                    if batch:
                        yield batch
            else:
                while batch := list(islice(self._rows, size)):
                    yield batch
        finally:
            self.close()

    def close(self) -> None:
        """Release the producer (idempotent)."""
        if not self.closed:
            self.closed = True
            if self._on_close is not None:
                self._on_close()
