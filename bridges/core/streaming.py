"""Row streams: operation results too large to build in memory.

An operation whose return type is :class:`RowStream` declares ``row_model`` (the
pydantic model of one row); the facade serves it as NDJSON or CSV, pulling rows as it
writes them, so memory stays bounded whatever the row count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice, repeat
from typing import Any

__all__ = ["RowStream"]


class RowStream:
    """An iterator of row dicts with a ``close`` that always runs (cursor, connection).

    ``rows`` yields one mapping per row (keys = ``row_model`` fields) — or ``batches``
    yields lists of them, for a producer that makes rows a batch at a time; ``on_close``
    frees whatever produced them and is called exactly once, when the stream ends or is
    dropped. A consumer iterates rows, or pulls :meth:`batches` (no per-row step at all).

    With ``fields`` (the ``row_model`` field names, in order) the producer's batches hold
    tuples of values in that order instead of mappings — no dict per row; iterating the
    stream still yields mappings, while :meth:`batches` hands the tuples on as they are
    (the facade's NDJSON and CSV writers take either).
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = (), on_close: Callable[[], None] | None = None, *,
                 batches: Iterable[list[Any]] | None = None, fields: Sequence[str] | None = None) -> None:
        self._batches = None if batches is None else iter(batches)
        self._rows = iter(rows) if batches is None else chain.from_iterable(self._batches)  # type: ignore[arg-type]
        if fields is not None:
            self._rows = map(dict, map(zip, repeat(tuple(fields)), self._rows))
        self.fields = None if fields is None else tuple(fields)
        self._on_close = on_close
        self.closed = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        try:
            yield from self._rows
        finally:
            self.close()

    def batches(self, size: int = 500) -> Iterator[list[Any]]:
        """The rows in lists: as the producer made them, or ``size`` at a time (tuples in
        :attr:`fields` order when the stream has ``fields``, else mappings)."""
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
