"""A watcher's monitoring on ``/metrics`` and ``/healthz``: lag per source (from the offset of a source with a
change column, from the last complete snapshot of one without), changes published in the last minute, changes
and failed polls in all, served over HTTP as a Prometheus scrape sees them."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest

from bridges.core.errors import Unavailable
from bridges.events.capture import PollResult
from bridges.events.changes import ChangeEvent, version_of
from bridges.events.store import WatchStore
from bridges.events.watcher import SourceState, Watcher

pytestmark = pytest.mark.unit


class FakeCapture:
    """A capture answering the poll results it is given (an exception is raised)."""

    def __init__(self, *results: PollResult | Exception) -> None:
        self.results = list(results)
        self.owner: str | None = None

    def poll(self) -> PollResult:
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def _events(source: str, kind: str, count: int) -> list[ChangeEvent]:
    rows = [{"n": n} for n in range(count)]
    return [ChangeEvent(source, kind, f"[{r['n']}]", r, None, version_of(r), None, "") for r in rows]


def _sample(metrics: str, name: str) -> float:
    (line,) = [line for line in metrics.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


def test_lag_changes_per_minute_and_errors_per_source_are_served(tmp_path):
    behind = dt.datetime.now() - dt.timedelta(seconds=30)  # the offset: everything up to 30 s ago delivered
    orders = FakeCapture(
        PollResult(events=_events("orders", "created", 3), offset=behind),
        PollResult(events=_events("orders", "updated", 2), offset=behind),
    )
    tickets = FakeCapture(PollResult(events=_events("tickets", "deleted", 1)), Unavailable("the app is down"))
    store = WatchStore(f"sqlite:///{tmp_path / 'w.db'}")
    watcher = Watcher(
        {"orders": SourceState("orders", orders, 1.0), "tickets": SourceState("tickets", tickets, 1.0)}, store
    )
    for _ in range(2):
        for state in watcher.sources.values():
            watcher.poll_once(state)
    server = watcher.serve_metrics("127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
        health = json.loads(urllib.request.urlopen(f"{base}/healthz", timeout=5).read())
    finally:
        server.shutdown()
        store.close()
    assert 30 <= _sample(metrics, 'watch_lag_seconds{source="orders"}') < 60
    assert 0 <= _sample(metrics, 'watch_lag_seconds{source="tickets"}') < 30  # since its last complete snapshot
    assert _sample(metrics, 'watch_changes_last_minute{source="orders"}') == 5
    assert _sample(metrics, 'watch_changes_last_minute{source="tickets"}') == 1
    assert _sample(metrics, 'watch_changes_total{kind="updated",source="orders"}') == 2
    assert _sample(metrics, 'watch_errors_total{source="tickets"}') == 1
    assert _sample(metrics, 'watch_errors_total{source="orders"}') == 0
    assert _sample(metrics, 'watch_source_owned{source="orders"}') == 1
    assert health["sources"]["tickets"]["last_error"] == "Unavailable: the app is down"
    assert health["sources"]["orders"]["changes_last_minute"] == 5


def test_changes_per_minute_counts_the_last_sixty_seconds_only():
    state = SourceState("orders", FakeCapture(), 1.0)
    state.recent.extend([(1000.0, 4), (1030.0, 2), (1059.0, 1)])
    assert state.per_minute(1059.0) == 7
    assert state.per_minute(1061.0) == 3  # the first poll's 4 changes are more than a minute old
    assert state.per_minute(1120.0) == 0
    assert state.lag_s(1000.0) is None  # never polled: no lag to speak of
