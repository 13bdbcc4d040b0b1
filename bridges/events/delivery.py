"""Publishing a page of changes and committing it, so that no crash or stall between the two loses or reorders one.

Every page of events goes through three steps, each store write under the source's lease:

1. its intent — the events themselves — is recorded in the store;
2. the events are published, and the broker's acknowledgement awaited;
3. the rows' new versions (and the offset) are committed, which clears the intent.

A watcher killed between 1 and 3 leaves its intent, and the next poll of the source (its
restart's, or another watcher's) :func:`reconcile`\\ s it first: publishes the same events again
(the same change ids, which the broker drops as duplicates where they had arrived) and commits
them. So a poll's diff base is always what consumers may hold: a row created, updated or deleted
around the crash and then deleted, updated back or created again before it is read again gets the
event that leads from there (a ``deleted`` for the row consumers were handed, an ``updated`` with
the old state they hold), never a state consumers were not handed nor a second ``created``.

A watcher stalled (SIGSTOP, a long pause) past its lease, which another took over, is fenced by
the lease's generation: its intent and its commit are refused (:class:`~bridges.events.store.LeaseLost`),
so it publishes nothing it had not recorded before the takeover, and what it had recorded the new
owner republished before anything newer — when the stalled watcher wakes and publishes it, the
broker drops it as a duplicate (JetStream's ``Nats-Msg-Id`` window, ``duplicate_window_s``: a stall
between recording an intent and publishing it longer than that window is the bound of this fence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from bridges.events.changes import ChangeEvent, canonical_json
from bridges.events.store import WatchStore

__all__ = ["Sink", "deliver", "reconcile"]


class Sink(Protocol):
    """Where events go: returns once every event is acknowledged, raises otherwise."""

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Publish ``events`` durably, or raise."""
        ...


def deliver(
    store: WatchStore,
    sink: Sink,
    source: str,
    events: Sequence[ChangeEvent],
    rows: Sequence[tuple[str, str, str]],
    *,
    offset: dt.datetime | None = None,
    owner: str | None = None,
) -> None:
    """Record ``events`` as intended, publish them, then commit ``rows`` (key, version, state JSON of the events
    with a new state), the keys of the ``deleted`` events and ``offset``, all under ``owner``'s lease."""
    if events:
        store.intend(source, events, owner)
        sink.publish(events)
    deleted = [e.key for e in events if e.kind == "deleted"]
    store.commit(source, rows, deleted=deleted, offset=offset, owner=owner)


def reconcile(store: WatchStore, sink: Sink, source: str, owner: str | None = None) -> list[ChangeEvent]:
    """Publish again and commit the intent a watcher left uncommitted (killed, or stalled and taken over):
    the events it left, none when it left nothing."""
    events = store.intents(source)
    if events:
        sink.publish(events)
        rows = [(e.key, e.new_version, canonical_json(e.new)) for e in events if e.new_version is not None]
        store.commit(source, rows, deleted=[e.key for e in events if e.kind == "deleted"], owner=owner)
    return events
