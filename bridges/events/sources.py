"""What a watcher reads: a declared view, how its rows say they changed, and how long to let writers settle.

A :class:`ChangeSource` wraps an :class:`~rdbms.tables.DeclaredView` (its columns, codecs
and unique key) and says how changes are found:

* by a change column — :class:`TimestampColumn` (one TIMESTAMP/DATETIME column) or
  :class:`SplitDateTime` (the legacy pair of a CYYMMDD date and an HHMMSS time column);
* or, with ``change=None``, by diffing a snapshot of the whole view by key and content hash.

``settle_s`` is how long after its change stamp a row is sure to be committed (the
longest transaction the source's writers run): rows younger than that are left for a
later poll. ``overlap_s`` is how far back each poll re-reads before its offset, catching
commits later still; what was already delivered is recognised by its version and skipped.
Together they bound what is caught: every transaction that commits within
``settle_s + overlap_s`` of its stamp, less the stamp's resolution (a stamp truncated to the
second, as HHMMSS is, may be up to a second older than the write).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bridges.core.codecs import format_cyymmdd, format_hhmmss, parse_cyymmdd, parse_hhmmss
from rdbms.tables import DeclaredView

__all__ = ["ChangeClock", "ChangeSource", "SplitDateTime", "TimestampColumn"]


class ChangeClock(Protocol):
    """How the change stamp of a row is stored: its columns, and their values ↔ a datetime."""

    columns: tuple[str, ...]

    def read(self, values: Sequence[Any]) -> dt.datetime:
        """The stamp of the stored ``values`` (one per column)."""
        ...

    def stored(self, when: dt.datetime) -> tuple[Any, ...]:
        """``when`` as the column values that compare like it in SQL."""
        ...


@dataclass(frozen=True)
class TimestampColumn:
    """A change stamp in one TIMESTAMP or DATETIME column."""

    column: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The one column."""
        return (self.column,)

    def read(self, values: Sequence[Any]) -> dt.datetime:
        """The column's datetime (SQLite hands out text, read as ISO)."""
        value = values[0]
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else value

    def stored(self, when: dt.datetime) -> tuple[Any, ...]:
        """``when`` itself (the driver binds it)."""
        return (when,)


@dataclass(frozen=True)
class SplitDateTime:
    """A change stamp split the AS/400 way: a CYYMMDD date column and an HHMMSS time column.

    The pair compares in SQL as (date, time); its resolution is one second."""

    date_column: str
    time_column: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The date column, then the time column."""
        return (self.date_column, self.time_column)

    def read(self, values: Sequence[Any]) -> dt.datetime:
        """The two numbers → a datetime (codecs of :mod:`bridges.core.codecs`)."""
        day = parse_cyymmdd(values[0]) or dt.date(1900, 1, 1)
        return dt.datetime.combine(day, parse_hhmmss(values[1]) or dt.time())

    def stored(self, when: dt.datetime) -> tuple[Any, ...]:
        """A datetime → (CYYMMDD, HHMMSS), rounded down to the second."""
        return (format_cyymmdd(when.date()), format_hhmmss(when.time()))


@dataclass(frozen=True)
class ChangeSource:
    """One watched view: its name in events, the view, how changes are found, and the timing the source declares."""

    name: str
    view: DeclaredView
    change: TimestampColumn | SplitDateTime | None = None
    """None: snapshot-diff the whole view by key and content hash (finds deletes too)."""
    settle_s: float = 5.0
    """Rows stamped less than this long ago are left for a later poll (their writers may not have committed)."""
    overlap_s: float = 60.0
    """Each poll re-reads this far before its offset (a commit later than ``settle_s`` is still caught)."""
    page_rows: int = 1000
    """Rows read per query (offsets advance page by page, only past whole groups of one stamp)."""
    delete_scan_every: int = 0
    """With a change column: look for deleted keys every this many polls (0: never)."""
    interval_s: float = 1.0
    """Time between two polls."""

    def __post_init__(self) -> None:
        if self.settle_s < 0 or self.overlap_s < 0 or self.page_rows < 2 or self.interval_s <= 0:
            raise ValueError(f"source {self.name}: settle_s, overlap_s ≥ 0, page_rows ≥ 2, interval_s > 0")
