"""Where a source's events start: from the beginning (every existing row is a ``created`` event) or from now.

A source with ``start = "now"`` records a baseline on its first start — the versions and
states of the rows there are, and for a source with a change column its offset — without
publishing anything; from then on it is polled as any other, so a row changed after the
baseline is an ``updated`` event with its old state, and a row deleted a ``deleted`` one.

The baseline is recorded by the same poll as always, its events dropped instead of
published. Its phase is kept in the store: a watcher killed in the middle of a baseline
records the rest of it on restart (still publishing nothing), and a source that already has
state when it is switched to "now" goes on from that state (its changes since are published).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bridges.events.capture import PollResult
from bridges.events.changes import ChangeEvent
from bridges.events.store import WatchStore

__all__ = ["FromNow"]

log = logging.getLogger("legacy_bridges.events")


class _Dropped:
    """A sink keeping nothing: a baseline's rows are recorded, not published."""

    def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Drop ``events``."""


class FromNow:
    """Wraps a capture (:class:`~bridges.events.capture.Capture` or
    :class:`~bridges.events.listing.ListingCapture`) of source ``name`` so that its first poll records a
    baseline without publishing it."""

    def __init__(self, capture: Any, store: WatchStore, name: str) -> None:
        self.capture, self.store, self.name = capture, store, name

    @property
    def owner(self) -> str | None:
        """The lease holder the wrapped capture commits as."""
        return self.capture.owner

    @owner.setter
    def owner(self, value: str | None) -> None:
        self.capture.owner = value

    def poll(self) -> PollResult:
        """The baseline (nothing published) while it is not recorded yet, then the wrapped capture's poll."""
        phase = self.store.phase(self.name)
        if phase is None:
            phase = "live" if self.store.has_state(self.name) else "baseline"
            self.store.set_phase(self.name, phase)
        if phase == "live":
            return self.capture.poll()
        sink, self.capture.sink = self.capture.sink, _Dropped()
        try:
            result = self.capture.poll()
        finally:
            self.capture.sink = sink
        self.store.set_phase(self.name, "live")
        log.info("watch: %s starts now: a baseline of %d rows recorded, none published", self.name, result.rows)
        return PollResult(rows=result.rows, events=[], offset=result.offset)
