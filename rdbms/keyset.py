"""Keyset pagination: opaque, signed page cursors (itsdangerous), and exports as keyset chunks.

A cursor carries the sort key of the last row served — the values as the database
returned them, one per key column — and a fingerprint of the query it belongs to; a
tampered cursor, or one replayed against other filters, is refused as invalid input
rather than silently paging something else. :func:`after_clause` is the predicate of
"the rows after this key" for a key of any width, and :func:`bind_key` turns a key value
back into the parameter that compares equal to the stored one on each driver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import NotFound
from rdbms.types import Dialect, QueryResult, ReadOnlyConnection, RowCursor
from rdbms.values import decode_value, encode_value

__all__ = ["KeysetCursors", "after_clause", "bind_key", "keyset_chunks"]


def after_clause(columns: Sequence[str], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(a > ?) OR (a = ? AND b > ?) OR …``: the rows after ``values`` in ``columns`` order.

    Spelled out rather than as a row comparison ``(a, b) > (?, ?)``, which not every
    database plans with its index. Key columns must not hold NULL (the key check
    refuses such a key)."""
    if len(columns) != len(values) or not columns:
        raise ValueError("a key value per key column")
    terms, params = [], []
    for i, column in enumerate(columns):
        equal = [f"{c} = ?" for c in columns[:i]]
        terms.append("(" + " AND ".join([*equal, f"{column} > ?"]) + ")")
        params += [*values[:i], values[i]]
    return "(" + " OR ".join(terms) + ")", params


def bind_key(dialect: Dialect | str, value: Any) -> Any:
    """A key value read from the database, as the parameter that equals what is stored.

    SQLite stores timestamps as text (``'2024-02-29 00:00:00'``), but a bound
    ``datetime`` arrives as ``'… 00:00:00.000'``, which compares unequal: datetimes,
    dates and times are bound in the stored text form (ISO, a space between date and
    time, fractions only when present). A float read from a SQLite NUMERIC is bound
    as that float (never a rounded Decimal). PostgreSQL and MariaDB compare typed
    parameters exactly; CHAR padding is kept because the cursor holds the value as read.
    """
    if Dialect(dialect) is not Dialect.SQLITE:
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


class KeysetCursors:
    """Signs and reads page cursors with ``secret`` (shared by every worker)."""

    def __init__(self, secret: str | bytes, salt: str = "legacy-bridges.keyset") -> None:
        self._serializer = URLSafeSerializer(secret, salt=salt)

    @staticmethod
    def fingerprint(**filters: Any) -> str:
        """A short digest of the filters a cursor is valid for."""
        text = json.dumps({k: encode_value(v) for k, v in sorted(filters.items())}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def dump(self, key: tuple[Any, ...], fingerprint: str) -> str:
        """The cursor continuing after the row whose sort key is ``key``."""
        return self._serializer.dumps({"k": [encode_value(v) for v in key], "f": fingerprint})

    def load(self, cursor: str, fingerprint: str, field: str = "cursor") -> tuple[Any, ...]:
        """The sort key inside ``cursor``; :class:`NotFound` if forged or for other filters.

        (A cursor is an opaque, signed reference to a position in one query's results: one
        this service did not issue for these filters refers to no page, as an unknown id
        refers to no record. Its shape is all a schema can state, so it is not refused as
        invalid input.)"""
        try:
            data = self._serializer.loads(cursor)
        except BadSignature:
            raise NotFound(f"no page for this {field}: it is not one this service issued") from None
        if not isinstance(data, dict) or data.get("f") != fingerprint or not isinstance(data.get("k"), list):
            raise NotFound(f"no page for this {field}: it was issued for other filters")
        return tuple(decode_value(v) for v in data["k"])


def keyset_chunks(
    db: ReadOnlyConnection,
    query_after: Callable[[tuple[Any, ...] | None], tuple[str, list[Any]]],
    key_of: Callable[[Sequence[Any]], tuple[Any, ...]],
    *,
    chunk_rows: int = 5000,
    deadline_s: float = 600.0,
    idle_s: float | None = None,
) -> RowCursor:
    """An export as a series of keyset pages, for drivers that cannot stream a result.

    ``query_after(None)`` gives the first page's SQL (ordered by the key, without
    LIMIT), ``query_after(key)`` the SQL of the rows after ``key``; ``key_of(row)`` the
    key of a row. Memory stays at one page whatever the driver buffers; each page is
    its own read-only transaction, under what is left of ``deadline_s``: the first
    page also under the current (the guard's) deadline, each later one under ``idle_s``
    (by default the connection's ``stream_idle_s``).
    """
    deadline = Deadline(deadline_s)
    idle = idle_s or getattr(db, "stream_idle_s", 30.0)

    def page(after: tuple[Any, ...] | None, due: Deadline) -> QueryResult:
        sql, params = query_after(after)
        with deadline_scope(Deadline(max(0.001, min(due.remaining(), deadline.remaining())))):
            deadline.check("the export")
            return db.query(f"{sql} LIMIT {int(chunk_rows)}", params, max_rows=chunk_rows)

    first = page(None, current_deadline(deadline_s))  # the first rows within the caller's (guard's) deadline

    def batches() -> Iterator[list[Sequence[Any]]]:
        current = first
        while True:
            if current.rows:
                yield list(current.rows)
            if len(current.rows) < chunk_rows:
                return
            current = page(key_of(current.rows[-1]), Deadline(idle))

    return RowCursor(first.columns, batches())
