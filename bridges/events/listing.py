"""Snapshot diffs of lists any bridge serves: a screen's browse, a web application's search.

A green screen or a 2005 web page has no change column and no key index to page by;
what it has is a list operation. :class:`ListingCapture` calls it (through the bridge's
guard, so within its session budget and deadlines), follows ``next_cursor`` for up to
``max_pages`` pages, and diffs the rows by key and content hash with the last delivered
versions: created, updated and deleted events, as for a database without a change column.
Its events are delivered as a database source's are (:mod:`bridges.events.delivery`): recorded as
intended before they are published, that intent published again and committed by the next poll
when a watcher was killed or stalled before committing, under the source's lease.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bridges.events.capture import PollResult
from bridges.events.changes import ChangeEvent, canonical_json, version_of
from bridges.events.delivery import Sink, deliver, reconcile
from bridges.events.store import WatchStore

__all__ = ["ListingCapture", "operation_pages"]


def operation_pages(
    call: Callable[[dict[str, Any]], Any],
    input: dict[str, Any],
    rows_field: str = "rows",
    max_pages: int = 20,
    *,
    next_field: str = "next_cursor",
    cursor_input: str = "cursor",
) -> Callable[[], tuple[list[dict[str, Any]], bool]]:
    """A fetch function reading every page of a list operation: ``call(input)`` answers a model or mapping
    whose ``rows_field`` holds the rows and whose ``next_field`` (when set) is passed back as ``cursor_input``
    for the next page (CUSTMAST's browse: ``next_start_at`` → ``start_at``). The fetch function answers the
    rows and whether they are the whole list (False: ``max_pages`` cut it short, or the answer says
    ``truncated``)."""

    def fetch() -> tuple[list[dict[str, Any]], bool]:
        rows: list[dict[str, Any]] = []
        query = dict(input)
        for _ in range(max_pages):
            answer = call(query)
            data = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else dict(answer)
            rows += data.get(rows_field) or []
            if data.get("truncated"):
                return rows, False  # the operation itself stopped short (a page limit)
            cursor = data.get(next_field)
            if not cursor:
                return rows, True
            query = {**input, cursor_input: cursor}
        return rows, False

    return fetch


class ListingCapture:
    """Diffs the rows ``fetch()`` returns, by ``key`` fields, against ``store``; publishes into ``sink``.

    ``fetch`` answers (rows, complete); keys missing from an incomplete list are not taken for deletes."""

    def __init__(
        self,
        name: str,
        fetch: Callable[[], tuple[list[dict[str, Any]], bool]],
        key: list[str],
        store: WatchStore,
        sink: Sink,
        *,
        owner: str | None = None,
    ) -> None:
        self.name, self.fetch, self.key = name, fetch, key
        self.store, self.sink, self.owner = store, sink, owner

    def poll(self) -> PollResult:
        """One snapshot: created/updated rows, then deleted keys; committed once the sink acknowledged them."""
        reconcile(self.store, self.sink, self.name, self.owner)
        rows, complete = self.fetch()
        stored = self.store.rows(self.name)
        seen_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        events, records, seen = [], [], set()
        for row in rows:
            key = canonical_json([row.get(f) for f in self.key])
            if key in seen:
                continue  # a row that moved to the next page while it was read: once is enough
            seen.add(key)
            version = version_of(row)
            before = stored.get(key)
            if before is not None and before[0] == version:
                continue
            kind = "updated" if before else "created"
            events.append(
                ChangeEvent(
                    self.name,
                    kind,
                    key,
                    row,
                    before[1] if before else None,
                    version,
                    before[0] if before else None,
                    seen_at,
                )
            )
            records.append((key, version, canonical_json(row)))
        gone = [key for key in stored if key not in seen] if complete else []  # a part of a list proves no delete
        events += [
            ChangeEvent(self.name, "deleted", key, None, stored[key][1], None, stored[key][0], seen_at) for key in gone
        ]
        deliver(self.store, self.sink, self.name, events, records, owner=self.owner)
        return PollResult(rows=len(rows), events=events)
