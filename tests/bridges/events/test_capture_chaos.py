"""Change capture loses no committed change where a "stamp > last offset" poller does, on the same workload.

CHGORD on real PostgreSQL and MariaDB, read through the SELECT-only reader over ODBC,
and in a SQLite file through sqliteodbc; 8 writers commit out of stamp order (delays up to
several poll intervals; not on SQLite, where one batch at a time holds the write lock),
insert groups of rows under one stamp, update and delete. The watcher is restarted every few polls,
stops between rows of one stamp (small pages) and loses its broker midway through a
batch; the naive poller (Kafka Connect's timestamp mode) polls the same table at the
same interval, once as configured by default and once with a delay as long as the settle window.
All are compared with the table's final state.
"""

from __future__ import annotations

import threading
import time

import pytest

from bridges.events.capture import Capture
from bridges.events.sources import ChangeSource
from bridges.events.store import WatchStore
from fixtures.orders.writer import drop_change_table, run_writers
from tests.bridges.events.harness import (
    CLOCKS,
    ORDERS_VIEW,
    PRIVATE,
    Consumer,
    NaivePoller,
    database,
    final_state,
    relation,
)

pytestmark = [pytest.mark.live, pytest.mark.slow]

POLL_S = 0.1


@pytest.mark.parametrize(
    ("dialect", "clock"), [("postgresql", "timestamp"), ("mariadb", "split"), ("sqlite", "timestamp")]
)
def test_no_change_lost_where_the_naive_poller_loses_some(dialect, clock, tmp_path):
    db = database(dialect)
    store = WatchStore(f"sqlite:///{tmp_path / 'watch.db'}")
    source = ChangeSource(
        "orders",
        ORDERS_VIEW,
        CLOCKS[clock],
        settle_s=2.0,
        overlap_s=2.0,
        page_rows=7,
        delete_scan_every=5,
        interval_s=POLL_S,
    )
    consumer = Consumer()
    naive = NaivePoller(db, dialect, CLOCKS[clock], page_rows=7)
    delayed = NaivePoller(db, dialect, CLOCKS[clock], page_rows=7, delay_s=source.settle_s)
    stop = threading.Event()
    restarts: list[int] = []
    errors: list[str] = []

    def watch() -> None:
        polls = 0
        capture = None
        while not stop.is_set():
            if capture is None or polls % 4 == 0:  # a restart: nothing but the store survives
                capture = Capture(source, db, store, consumer, relation=relation(dialect))
                restarts.append(polls)
            if polls % 9 == 4:
                consumer.fail_after = 3
            try:
                capture.poll()
            except ConnectionError:
                capture = None  # the process would exit here; the next one starts from the store
            except Exception as exc:  # reported by the test, not lost in the thread
                errors.append(repr(exc))
                return
            naive.poll()
            delayed.poll()
            polls += 1
            stop.wait(POLL_S)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        # SQLite commits one transaction at a time: a change each, or long delays, would take minutes;
        # on the servers small batches keep 8 writers' commits interleaved and the run under 20 s
        batch, delay = (16, 3 * POLL_S) if dialect == "sqlite" else (3, 6 * POLL_S)
        stats = run_writers(dialect, PRIVATE, changes=1200, writers=8, max_commit_delay_s=delay, batch_rows=batch)
        time.sleep(source.settle_s + 1.0)  # not synchronisation: the settle window of the last commit must pass
        stop.set()
        watcher.join()
        consumer.fail_after = None
        Capture(source, db, store, consumer, relation=relation(dialect)).poll()
        Capture(source, db, store, consumer, relation=relation(dialect))._snapshot(deletes_only=True)
        naive.poll()
        delayed.poll()
        final = final_state(db, dialect)
    finally:
        stop.set()
        db.close()
        store.close()
        drop_change_table(dialect, PRIVATE)
    assert not stats.errors and not errors, (stats.errors, errors)
    ours, theirs, theirs_delayed = consumer.report(final), naive.report(final), delayed.report(final)
    print(
        f"{dialect}/{clock}: {stats.inserted} inserted ({stats.groups} groups), {stats.updated} updated, "
        f"{stats.deleted} deleted; watcher restarted {len(restarts)} times: missing {ours}; naive: {theirs}; "
        f"naive with a {source.settle_s:g} s delay: {theirs_delayed}"
    )
    assert ours["missing"] == 0, ours
    assert stats.deleted > 0 and theirs["missing"] > ours["missing"], theirs
    assert theirs["missing_rows"] > 0, theirs  # out-of-order commits and split stamp groups, not deletes only
    assert theirs_delayed["missing_rows"] > 0, theirs_delayed  # a delay alone does not keep a stamp group whole
