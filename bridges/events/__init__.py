"""bridges.events — legacy changes as events: change capture per declared source, losing none.

    source = ChangeSource("orders", ORDERS_VIEW, SplitDateTime("OHCHDT", "OHCHTM"), settle_s=5, overlap_s=60)
    capture = Capture(source, db, WatchStore("sqlite:///var/watch.db"), sink, relation="orders.VORDHDR")
    capture.poll()          # publishes what changed, then commits versions and the offset

Polling by a change column (a timestamp, or the CYYMMDD + HHMMSS pair) with a settle
window, an overlap on re-reads, offsets that move only past whole stamp groups and
dedupe by key and version (:mod:`bridges.events.capture`); snapshot diffing by key and
content hash where there is no change column. Events are CloudEvents whose id is stable
across re-reads (:mod:`bridges.events.changes`); state is durable (:mod:`bridges.events.store`);
each page is recorded as intended, published, then committed under a fenced lease
(:mod:`bridges.events.delivery`).
"""

from bridges.events.capture import Capture, PollResult, Sink
from bridges.events.changes import ChangeEvent
from bridges.events.sources import ChangeSource, SplitDateTime, TimestampColumn
from bridges.events.store import LeaseLost, WatchStore

__all__ = [
    "Capture",
    "ChangeEvent",
    "ChangeSource",
    "LeaseLost",
    "PollResult",
    "Sink",
    "SplitDateTime",
    "TimestampColumn",
    "WatchStore",
]
