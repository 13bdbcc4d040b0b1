"""Change capture of one source: polls that lose no committed change, and snapshot diffs that find deletes.

A poll of a source with a change column reads, page by page in (stamp, key) order,
the rows stamped after ``offset − overlap_s`` and at or before ``now − settle_s``:

* rows younger than the settle window are left alone — their writer may still commit
  an older stamp (commits come out of order: Kafka Connect's JDBC source skips those
  for good);
* the overlap re-reads what a writer committed later still; rows whose version was
  already delivered are skipped (dedupe by key and version, durable in the store);
* the offset advances only past whole groups of one stamp: a stop between two rows
  sharing a stamp re-reads the group instead of skipping its rest;
* each page's events are recorded as intended, published, and only once the sink has
  acknowledged them are its versions and the offset committed — a crash in between
  leaves the intent, which the next poll publishes again (the same change ids, which the
  broker drops as duplicates) and commits before it reads anything, so a row changed or
  deleted before the re-read gets its event from the state consumers were handed
  (:mod:`bridges.events.delivery`, shared with the lists of :mod:`bridges.events.listing`);
* a row read again unchanged (the overlap, every poll) is recognised by its values
  alone: its normalised state, key and version are remembered for a poll.

A source without a change column is diffed: a keyset scan of the whole view, each
row's content hash against the last delivered version, and keys no longer there become
``deleted`` events (a source with a change column can run the same scan every
``delete_scan_every`` polls to find its deletes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bridges.events.changes import ChangeEvent, canonical_json
from bridges.events.delivery import Sink, deliver, reconcile
from bridges.events.sources import ChangeSource
from bridges.events.store import WatchStore
from rdbms.keyset import after_clause, bind_key
from rdbms.types import ReadOnlyConnection

__all__ = ["Capture", "PollResult", "Sink", "at_or_before_clause"]

log = logging.getLogger("legacy_bridges.events")

_Read = tuple[str, dict[str, Any], str, str]
"""A row read: (key JSON, normalised state, version, state JSON)."""


def at_or_before_clause(columns: Sequence[str], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(a < ?) OR (a = ? AND b <= ?)``: the rows at or before ``values`` in ``columns`` order."""
    terms, params = [], []
    for i, column in enumerate(columns):
        last = i == len(columns) - 1
        equal = [f"{c} = ?" for c in columns[:i]]
        terms.append("(" + " AND ".join([*equal, f"{column} {'<=' if last else '<'} ?"]) + ")")
        params += [*values[:i], values[i]]
    return "(" + " OR ".join(terms) + ")", params


@dataclass
class PollResult:
    """What one poll did."""

    rows: int = 0
    """Rows read (re-reads included)."""
    events: list[ChangeEvent] = field(default_factory=list)
    """Changes published."""
    offset: dt.datetime | None = None
    """The source's offset after the poll (None: snapshot source or nothing read yet)."""


class Capture:
    """Polls one :class:`ChangeSource` through a read-only port into a sink, its state in a :class:`WatchStore`.

    ``relation`` is the view's name as the database resolves it (schema-qualified when
    needed); ``owner`` the lease holder's id, checked at every commit; ``now`` the clock
    the settle window is measured on (by default the watcher's, in the source's zone).
    """

    def __init__(
        self,
        source: ChangeSource,
        db: ReadOnlyConnection,
        store: WatchStore,
        sink: Sink,
        *,
        relation: str | None = None,
        owner: str | None = None,
        now: Callable[[], dt.datetime] | None = None,
        timezone: str | None = None,
    ) -> None:
        self.source = source
        self.db = db
        self.store = store
        self.sink = sink
        self.relation = relation or source.view.relation
        self.owner = owner
        zone = ZoneInfo(timezone) if timezone else None
        self.now = now or (lambda: dt.datetime.now(zone).replace(tzinfo=None))
        self.polls = 0
        view = source.view
        self._width = len(view.columns)
        self._key_at = [[c.field for c in view.columns].index(f) for f in view.key_fields]
        change = source.change.columns if source.change else ()
        self._columns = [c.column for c in view.columns] + list(change)
        keys = tuple(view.column(f) for f in view.key_fields)
        self._keys_view = dataclasses.replace(view, columns=keys, filters=(), _models={}, _row_functions={})
        self._read: dict[tuple[Any, ...], _Read] = {}  # rows read by this poll, and by the one before
        self._read_before: dict[tuple[Any, ...], _Read] = {}

    # -- one poll --------------------------------------------------------------------

    def poll(self) -> PollResult:
        """Read what changed since the last committed offset and publish it (see the module docstring)."""
        self.polls += 1
        self._read_before, self._read = self._read, {}
        reconcile(self.store, self.sink, self.source.name, self.owner)
        if self.source.change is None:
            return self._snapshot()
        result = self._changes()
        every = self.source.delete_scan_every
        if every and self.polls % every == 0:
            result.events += self._snapshot(deletes_only=True).events
        return result

    def _bound(self, values: Sequence[Any]) -> list[Any]:
        return [bind_key(self.db.dialect, v) for v in values]

    def _changes(self) -> PollResult:
        source, clock = self.source, self.source.change
        assert clock is not None
        key_columns = list(source.view.key_columns)
        order = [*clock.columns, *key_columns]
        upper = self.now() - dt.timedelta(seconds=source.settle_s)
        offset = self.store.offset(source.name)
        result = PollResult(offset=offset)
        if offset is not None and upper <= offset:
            return result
        lower = None if offset is None else offset - dt.timedelta(seconds=source.overlap_s)
        position: list[Any] | None = None
        while True:
            bounds = [at_or_before_clause(clock.columns, self._bound(clock.stored(upper)))]
            if lower is not None:
                bounds.append(after_clause(clock.columns, self._bound(clock.stored(lower))))
            if position is not None:
                bounds.append(after_clause(order, self._bound(position)))
            where = " AND ".join(clause for clause, _ in bounds)
            params = [value for _, values in bounds for value in values]
            sql = (
                f"SELECT {', '.join(self._columns)} FROM {self.relation} WHERE {where}"
                f" ORDER BY {', '.join(order)} LIMIT {int(source.page_rows)}"
            )
            rows = self.db.query(sql, params, max_rows=source.page_rows).rows
            result.rows += len(rows)
            full = len(rows) >= source.page_rows
            stamps = [clock.read(row[self._width :]) for row in rows]
            events, records = self._diff(rows, stamps)
            moved = upper if not full else _before_last_group(stamps)
            if moved is not None and offset is not None and moved <= offset:
                moved = None
            deliver(self.store, self.sink, source.name, events, records, offset=moved, owner=self.owner)
            result.events += events
            if moved is not None:
                offset = result.offset = moved
            if not full:
                return result
            last = rows[-1]
            position = [*last[self._width :], *(last[i] for i in self._key_at)]

    def _normalised(self, row: Sequence[Any]) -> _Read:
        """The row's key, normalised state, version and state JSON — remembered for the next poll, which
        re-reads most of this one's rows (its overlap) and finds them unchanged."""
        raw = tuple(row[: self._width])
        try:
            known = self._read.get(raw) or self._read_before.get(raw)
        except TypeError:  # a value that is not hashable (bytearray): worked out every time
            return self._work_out(raw)
        if known is None:
            known = self._work_out(raw)
        self._read[raw] = known
        return known

    def _work_out(self, raw: tuple[Any, ...]) -> _Read:
        view = self.source.view
        normal = view.to_row(raw)
        state = canonical_json(normal)
        version = hashlib.sha256(state.encode()).hexdigest()[:24]  # version_of(normal), its JSON made once
        return canonical_json([normal[f] for f in view.key_fields]), normal, version, state

    def _diff(
        self, rows: Sequence[Sequence[Any]], stamps: Sequence[dt.datetime] | None
    ) -> tuple[list[ChangeEvent], list[tuple[str, str, str]]]:
        name = self.source.name
        read = [self._normalised(row) for row in rows]
        delivered = self.store.versions(name, [key for key, _, _, _ in read])
        changed = [i for i, (key, _, version, _) in enumerate(read) if delivered.get(key) != version]
        if not changed:
            return [], []  # re-reads of the overlap or of an unfinished page, delivered already
        stored = self.store.rows(name, [read[i][0] for i in changed if read[i][0] in delivered])
        seen_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        events, records = [], []
        for i in changed:
            key, normal, version, state = read[i]
            before = stored.get(key)
            when = stamps[i].isoformat() if stamps else seen_at
            events.append(
                ChangeEvent(
                    name,
                    "updated" if before else "created",
                    key,
                    normal,
                    before[1] if before else None,
                    version,
                    before[0] if before else None,
                    when,
                )
            )
            records.append((key, version, state))
        return events, records

    def _snapshot(self, deletes_only: bool = False) -> PollResult:
        """A keyset scan of the whole view: created and updated rows (unless ``deletes_only``), then deletes."""
        source, view = self.source, self.source.view
        stored = self.store.versions(source.name)
        seen: set[str] = set()
        result = PollResult()
        after: list[Any] | None = None
        while True:
            scanned = self._keys_view if deletes_only else view  # a delete scan reads the keys alone
            sql, params = scanned.select(self.relation, {}, self._bound(after) if after else None, source.page_rows)
            rows = self.db.query(sql, params, max_rows=source.page_rows).rows
            result.rows += len(rows)
            if deletes_only:
                seen.update(canonical_json(list(scanned.to_row(row).values())) for row in rows)
            else:
                events, records = self._diff(rows, None)
                seen.update(self._normalised(row)[0] for row in rows)
                deliver(self.store, self.sink, source.name, events, records, owner=self.owner)
                result.events += events
            if len(rows) < source.page_rows:
                break
            after = list(scanned.key_of(rows[-1]))
        gone = [key for key in stored if key not in seen]
        if gone:
            old = self.store.rows(source.name, gone)
            seen_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
            events = [
                ChangeEvent(source.name, "deleted", key, None, old[key][1], None, old[key][0], seen_at)
                for key in gone
                if key in old
            ]
            deliver(self.store, self.sink, source.name, events, [], owner=self.owner)
            result.events += events
        return result


def _before_last_group(stamps: Sequence[dt.datetime]) -> dt.datetime | None:
    """The latest stamp of a full page whose group is complete: the one before the last row's (None: one group)."""
    last = stamps[-1]
    for stamp in reversed(stamps):
        if stamp < last:
            return stamp
    return None
