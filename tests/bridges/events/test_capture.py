"""Change capture step by step on a SQLite file through sqliteodbc: each failure mode of a
"stamp > last offset" poller reproduced on purpose, with the naive poller losing what the capture keeps."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bridges.events.capture import Capture
from bridges.events.sources import ChangeSource, SplitDateTime, TimestampColumn
from bridges.events.store import LeaseLost, WatchStore
from rdbms import RdbmsSettings, open_connection
from tests.bridges.events.harness import ORDERS_VIEW, Consumer, NaivePoller
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live

T0 = dt.datetime(2026, 3, 1, 9, 30, 0)


class Table:
    """CHGORD in a SQLite file: writes through sqlite3, reads through the read-only ODBC port."""

    def __init__(self, path):
        need_driver("SQLite3")
        self.path = path
        with sqlite3.connect(path) as conn:
            conn.execute(
                "CREATE TABLE CHGORD (CHORNO CHAR(10) PRIMARY KEY, CHCUSN CHAR(10), CHSTAT CHAR(1),"
                " CHTOTL INTEGER, CHUPTS TIMESTAMP, CHUPDT NUMERIC(7), CHUPTM NUMERIC(6))"
            )
        self.db = open_connection(
            RdbmsSettings(connection=f"Driver=SQLite3;Database={path}", dialect="sqlite"), system="watch"
        )

    def put(self, key: int, when: dt.datetime, total: int = 100) -> None:
        date = (when.year - 1900) // 100 * 1_000_000 + when.year % 100 * 10_000 + when.month * 100 + when.day
        with sqlite3.connect(self.path) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO CHGORD VALUES (?, 'C1', 'O', ?, ?, ?, ?)",
                (
                    f"{key:010d}",
                    total,
                    when.isoformat(sep=" "),
                    date,
                    when.hour * 10_000 + when.minute * 100 + when.second,
                ),
            )

    def delete(self, key: int) -> None:
        with sqlite3.connect(self.path) as conn:
            conn.execute("DELETE FROM CHGORD WHERE CHORNO = ?", (f"{key:010d}",))


@pytest.fixture
def table(tmp_path):
    t = Table(tmp_path / "orders.sqlite")
    yield t
    t.db.close()


@pytest.fixture
def store(tmp_path):
    s = WatchStore(f"sqlite:///{tmp_path / 'watch.db'}")
    yield s
    s.close()


def _capture(table, store, sink, clock=None, now=T0, **options):
    options = {"settle_s": 5.0, "overlap_s": 60.0, "page_rows": 4} | options
    source = ChangeSource("orders", ORDERS_VIEW, clock or TimestampColumn("CHUPTS"), **options)
    return Capture(source, table.db, store, sink, now=lambda: now)


def _keys(events):
    return sorted(int(e.new["order_no"]) for e in events if e.new)


@pytest.mark.parametrize("clock", [TimestampColumn("CHUPTS"), SplitDateTime("CHUPDT", "CHUPTM")], ids=["ts", "split"])
def test_a_stop_between_rows_sharing_a_stamp_loses_none(table, store, clock):
    for key in range(1, 11):
        table.put(key, T0)  # ten rows under one stamp, more than a page
    consumer = Consumer(fail_after=4)
    with pytest.raises(ConnectionError):  # the first page is published, then the broker goes away
        _capture(table, store, consumer, clock, now=T0 + dt.timedelta(seconds=10)).poll()
    assert store.offset("orders") is None  # nothing acknowledged, nothing committed
    _capture(table, store, consumer, clock, now=T0 + dt.timedelta(seconds=10)).poll()
    assert _keys(consumer.events) == sorted([1, 2, 3, 4, *range(1, 11)])
    assert consumer.report({e.key: e.new_version for e in consumer.events})["duplicates_dropped"] == 4

    naive = NaivePoller(table.db, "sqlite", clock, page_rows=4)
    naive.poll(max_pages=1)  # a connector stopped after its first batch…
    naive.poll()  # …restarts: "stamp > offset" skips the rest of the group for good
    assert len(naive.last) == 4


def test_an_out_of_order_commit_is_caught_by_the_settle_window_and_the_overlap(table, store):
    consumer = Consumer()
    naive = NaivePoller(table.db, "sqlite", TimestampColumn("CHUPTS"), page_rows=100)
    table.put(1, T0 + dt.timedelta(seconds=3))  # a short transaction stamped later commits first
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=9)).poll()
    naive.poll()
    table.put(2, T0)  # the long one, stamped earlier, commits now
    table.put(3, T0 + dt.timedelta(seconds=5))  # within the settle window at the first poll
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=30)).poll()
    naive.poll()
    assert _keys(consumer.events) == [1, 2, 3]
    assert sorted(int(k.strip('["]')) for k in naive.last) == [1, 3]  # 2 is skipped for good


def test_a_commit_later_than_the_overlap_is_the_declared_limit(table, store):
    consumer = Consumer()
    table.put(1, T0 + dt.timedelta(seconds=120))
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=200)).poll()
    table.put(2, T0)  # committed 200 s after its stamp: beyond settle_s + overlap_s
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=210)).poll()
    assert _keys(consumer.events) == [1]


def test_updates_carry_the_old_state_and_rereads_publish_nothing(table, store):
    consumer = Consumer()
    table.put(1, T0, total=100)
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=10)).poll()
    table.put(1, T0 + dt.timedelta(seconds=1), total=250)
    for _ in range(3):  # the overlap re-reads the row each time; its version was delivered
        _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=20)).poll()
    created, updated = consumer.events
    assert (created.kind, updated.kind) == ("created", "updated")
    assert updated.old["total_cents"] == 100 and updated.new["total_cents"] == 250
    assert updated.old_version == created.new_version
    event = updated.cloudevent()
    assert event["specversion"] == "1.0" and event["type"] == "legacy.orders.updated"
    assert event["id"] == updated.id and event["subject"] == '["0000000001"]'


def test_deletes_found_by_the_delete_scan(table, store):
    consumer = Consumer()
    for key in range(1, 6):
        table.put(key, T0)
    capture = _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=10), delete_scan_every=2)
    capture.poll()
    table.delete(2)
    table.delete(5)
    capture.poll()
    deleted = [e for e in consumer.events if e.kind == "deleted"]
    assert sorted(e.key for e in deleted) == ['["0000000002"]', '["0000000005"]']
    assert all(e.new is None and e.old["order_no"] for e in deleted)
    capture.poll()
    capture.poll()
    assert len([e for e in consumer.events if e.kind == "deleted"]) == 2


def test_snapshot_diff_without_a_change_column(table, store):
    consumer = Consumer()
    for key in range(1, 10):
        table.put(key, T0)
    source = ChangeSource("orders", ORDERS_VIEW, None, page_rows=4)
    Capture(source, table.db, store, consumer).poll()
    assert [e.kind for e in consumer.events] == ["created"] * 9
    table.put(3, T0, total=999)
    table.delete(7)
    table.put(12, T0)
    failing = Consumer(fail_after=1)
    with pytest.raises(ConnectionError):
        Capture(source, table.db, store, failing).poll()
    Capture(source, table.db, store, consumer).poll()
    kinds = {e.kind: e for e in consumer.events[9:]}
    assert sorted(kinds) == ["created", "deleted", "updated"] and len(consumer.events) == 12
    assert failing.events[0].id == kinds["updated"].id  # the same change, the same id, after a crash
    Capture(source, table.db, store, consumer).poll()
    assert len(consumer.events) == 12


def test_a_watcher_that_lost_its_lease_commits_nothing(table, store):
    assert store.acquire("orders", "a", ttl_s=30)
    assert not store.acquire("orders", "b", ttl_s=30)
    assert store.owner("orders") == "a"
    table.put(1, T0)
    capture = _capture(table, store, Consumer(), now=T0 + dt.timedelta(seconds=10))
    capture.owner = "b"
    with pytest.raises(LeaseLost):
        capture.poll()
    assert store.offset("orders") is None
    store.release("orders", "a")
    assert store.acquire("orders", "b", ttl_s=30)
    capture.poll()
    assert store.offset("orders") == T0 + dt.timedelta(seconds=5)
    assert store.acquire("orders", "b", ttl_s=-1)  # renewed into the past: expired
    assert store.acquire("orders", "a", ttl_s=30)  # an expired lease is anyone's


def test_a_row_created_then_deleted_around_a_crash_after_publishing_gets_its_delete(table, store, monkeypatch):
    consumer = Consumer()
    table.put(1, T0)
    table.put(2, T0)
    capture = _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=10), delete_scan_every=1)

    def killed(*args, **kwargs):
        raise SystemExit("kill -9 between the broker's ack and the commit")

    monkeypatch.setattr(store, "commit", killed)
    with pytest.raises(SystemExit):
        capture.poll()
    monkeypatch.undo()
    assert [e.kind for e in consumer.events] == ["created", "created"] and store.versions("orders") == {}
    table.delete(2)  # before any watcher reads it again: only the intent left knows it was published
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=10), delete_scan_every=1).poll()
    deleted = [e for e in consumer.events if e.kind == "deleted"]
    assert [e.key for e in deleted] == ['["0000000002"]'] and deleted[0].old_version == consumer.events[1].new_version
    assert consumer.report({consumer.events[0].key: consumer.events[0].new_version})["missing"] == 0
    assert store.intents("orders") == []  # committed or deleted: no intent left


def test_each_commit_renews_the_lease_it_checks(store, monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr("bridges.events.store.time.time", lambda: now)
    assert store.acquire("orders", "a", ttl_s=5)
    now += 4
    store.commit("orders", [], owner="a")  # a long poll, page by page
    now += 4
    assert store.owner("orders") == "a"  # 8 s after the lease was taken for 5
    now += 6
    assert store.owner("orders") is None
    with pytest.raises(LeaseLost):
        store.commit("orders", [], owner="a")


def test_a_row_updated_after_a_crash_between_publishing_and_committing_gets_an_update_from_what_was_published(
    table, store, monkeypatch
):
    consumer = Consumer()
    table.put(1, T0, total=100)
    capture = _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=10))
    monkeypatch.setattr(store, "commit", lambda *a, **k: (_ for _ in ()).throw(SystemExit("kill -9 before commit")))
    with pytest.raises(SystemExit):
        capture.poll()
    monkeypatch.undo()
    table.put(1, T0 + dt.timedelta(seconds=1), total=250)  # changed before any watcher reads it again
    _capture(table, store, consumer, now=T0 + dt.timedelta(seconds=20)).poll()
    first, again, updated = consumer.events
    assert again.id == first.id  # the intent published again: a duplicate the broker drops
    assert updated.kind == "updated" and updated.old_version == first.new_version and updated.old["total_cents"] == 100
