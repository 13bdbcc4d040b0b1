"""Change events end to end: database commit → ``bridges.events`` capture → NATS JetStream → consumer.

CHGORD on PostgreSQL, 16 writers (commits up to 10 ms after their stamp), the capture
polling every 100 ms (settle 0.25 s, overlap 1 s) through the SELECT-only ODBC reader
into JetStream, a consumer on the stream. The baseline, measured in the same run on the
same workload: a Kafka-Connect-style "stamp > last offset" poller at the same interval,
publishing to its own subject of the same stream. Latency is commit → consumer for each
inserted order; "lost" counts rows whose final state never reached the consumer. A steady
poll re-reads its overlap every time: its cost over 2,000 delivered rows is set against
the same pages read alone.

    PYTHONPATH=. .venv/bin/python bench/events.py            # last line: the headline
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile
from bridges.events.capture import Capture
from bridges.events.changes import ChangeEvent, canonical_json
from bridges.events.jetstream import JetStreamSink, StreamReader
from bridges.events.sources import ChangeSource, TimestampColumn
from bridges.events.store import WatchStore
from fixtures.orders.writer import drop_change_table, run_writers
from tests.bridges.events.harness import ORDERS_VIEW, PRIVATE, NaivePoller, database, final_state, relation

STREAM = f"BENCH_EVENTS{os.getpid()}"
POLL_S = 0.1


class Pipeline:
    """A poller publishing to ``<prefix>.orders.*`` and a consumer timing each created order's arrival."""

    def __init__(self, prefix: str, stream: str, poll) -> None:
        self.poll = poll
        self.received: dict[str, float] = {}
        self.last: dict[str, str | None] = {}
        self.reader = StreamReader(subject=f"{prefix}.>", stream=stream, new_only=True)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._poll_loop), threading.Thread(target=self._read_loop)]
        for t in self.threads:
            t.start()

    def _poll_loop(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(POLL_S)

    def _read_loop(self) -> None:
        while not self.stop.is_set():
            for event in self.reader.read(idle_s=0.5):
                now = time.time()
                key = event["subject"]
                if event["type"].endswith(".created") or key not in self.received:
                    self.received.setdefault(key, now)
                self.last[key] = event["data"]["version"]

    def wait_quiet(self, quiet_s: float = 1.5, limit_s: float = 30.0) -> None:
        """Until nothing arrived for ``quiet_s`` (past the settle window and the last polls)."""
        deadline = time.monotonic() + limit_s
        seen = -1
        while time.monotonic() < deadline and seen != len(self.last):
            seen = len(self.last)
            time.sleep(quiet_s)  # not synchronisation: an interval with no arrival is what is measured

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
        self.reader.close()


def _naive(db, sink: JetStreamSink):
    naive = NaivePoller(db, "postgresql", TimestampColumn("CHUPTS"), page_rows=1000)

    def poll() -> None:
        before = dict(naive.last)
        naive.poll()
        events = [
            ChangeEvent(
                "orders", "created" if k not in before else "updated", k, {"key": k}, None, v, before.get(k), ""
            )
            for k, v in naive.last.items()
            if before.get(k) != v
        ]
        sink.publish(events)

    return poll


def run(rate: float | None, changes: int) -> dict[str, dict[str, float]]:
    """One workload at ``rate`` changes/s (None: as fast as the writers go); figures per pipeline."""
    db = database("postgresql")
    tmp = Path(f"/tmp/bench-events-{os.getpid()}.db")
    tmp.unlink(missing_ok=True)
    store = WatchStore(f"sqlite:///{tmp}")
    ours_sink = JetStreamSink(stream=STREAM, prefix=f"benchcap{os.getpid()}")
    naive_sink = JetStreamSink(stream=STREAM + "N", prefix=f"benchnaive{os.getpid()}")
    source = ChangeSource(
        "orders",
        ORDERS_VIEW,
        TimestampColumn("CHUPTS"),
        settle_s=0.25,
        overlap_s=1.0,
        page_rows=1000,
        interval_s=POLL_S,
    )
    capture = Capture(source, db, store, ours_sink, relation=relation("postgresql"))
    commits: dict[str, float] = {}

    def on_commit(keys: list[str], at: float) -> None:
        for key in keys:
            commits.setdefault(canonical_json([key]), at)

    pipelines = {
        "capture": Pipeline(f"benchcap{os.getpid()}", STREAM, capture.poll),
        "naive": Pipeline(f"benchnaive{os.getpid()}", STREAM + "N", _naive(db, naive_sink)),
    }
    figures: dict[str, dict[str, float]] = {}
    try:
        started = time.time()
        stats = run_writers(
            "postgresql",
            PRIVATE,
            changes=changes,
            writers=16,
            max_commit_delay_s=0.01,
            group_every=10,
            delete_every=50,
            rate=rate,
            on_commit=on_commit,
        )
        wrote = time.time() - started
        for p in pipelines.values():
            p.wait_quiet()
        final = final_state(db, "postgresql")
        for name, p in pipelines.items():
            latencies = [p.received[k] - commits[k] for k in commits if k in p.received]
            lost = sum(1 for k, v in final.items() if p.last.get(k) != v)
            last = max(p.received.values(), default=started)
            figures[name] = {
                "p50": percentile(latencies, 0.5),
                "p95": percentile(latencies, 0.95),
                "lost": lost,
                "rate": (stats.inserted + stats.updated + stats.deleted) / max(wrote, last - started),
                "offered": (stats.inserted + stats.updated + stats.deleted) / wrote,
            }
    finally:
        for p in pipelines.values():
            p.close()
        for sink, stream in ((ours_sink, STREAM), (naive_sink, STREAM + "N")):
            sink._loop.run(sink._loop.js.delete_stream(stream), 5)
            sink.close()
        store.close()
        db.close()
        drop_change_table("postgresql", PRIVATE)
        tmp.unlink(missing_ok=True)
    return figures


def _events_of(capture: Capture, rows: int) -> list[ChangeEvent]:
    """The events a first poll of ``capture`` would publish, read without publishing them."""
    kept: list[ChangeEvent] = []

    class Keep:
        def publish(self, events):
            kept.extend(events)

    sink, store = capture.sink, capture.store
    capture.sink = Keep()
    capture.store = WatchStore("sqlite://")
    capture.poll()
    capture.sink, capture.store = sink, store
    return kept[:rows]


def catch_up(rows: int) -> dict[str, float]:
    """``rows`` orders committed before the watchers start: how fast each publishes them all to the consumer."""
    from fixtures.orders.connect import connect_postgres
    from fixtures.orders.writer import TABLE

    db = database("postgresql")
    with connect_postgres() as conn, conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {PRIVATE}.{TABLE} VALUES (%s, 'C1', 'O', %s, '2026-01-05 10:00:00', 1260105, 100000)",
            [(f"{n:010d}", n) for n in range(1, rows + 1)],
        )
    rates = {}
    try:
        for name in ("capture", "broker"):
            tmp = Path(f"/tmp/bench-events-{os.getpid()}.db")
            tmp.unlink(missing_ok=True)
            store = WatchStore(f"sqlite:///{tmp}")
            stream = f"{STREAM}C{name[0].upper()}"
            sink = JetStreamSink(stream=stream, prefix=f"benchup{name}{os.getpid()}")
            reader = StreamReader(subject=f"benchup{name}{os.getpid()}.>", stream=stream, new_only=True)
            source = ChangeSource(
                "orders", ORDERS_VIEW, TimestampColumn("CHUPTS"), settle_s=0.25, overlap_s=1.0, page_rows=1000
            )
            capture = Capture(source, db, store, sink, relation=relation("postgresql"))
            if name == "broker":  # the same events, built beforehand: what the broker and consumer alone take
                events = _events_of(capture, rows)
                started = time.perf_counter()
                threading.Thread(target=sink.publish, args=(events,)).start()
            else:
                started = time.perf_counter()
                threading.Thread(target=capture.poll).start()
            got = sum(1 for _ in reader.read(idle_s=2.0, limit=rows))
            rates[name] = got / (time.perf_counter() - started)
            reader.close()
            sink._loop.run(sink._loop.js.delete_stream(stream), 5)
            sink.close()
            store.close()
            tmp.unlink(missing_ok=True)
            print(
                f"catch-up {name:8} {rows} committed orders → consumer: {got} in the stream, "
                f"{rates[name]:.0f} changes/s",
                flush=True,
            )
    finally:
        db.close()
        drop_change_table("postgresql", PRIVATE)
    return rates


def reread(rows: int, polls: int = 5) -> dict[str, float]:
    """A steady poll's cost: ``rows`` delivered orders inside the overlap, read again unchanged at every
    poll; the baseline, in the same run, is the same pages read through the database port alone."""
    from fixtures.orders.connect import connect_postgres
    from fixtures.orders.writer import TABLE

    db = database("postgresql")
    stamp = dt.datetime.now().replace(microsecond=0) - dt.timedelta(seconds=30)
    with connect_postgres() as conn, conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {PRIVATE}.{TABLE} VALUES (%s, 'C1', 'O', %s, %s, 1260105, 100000)",
            [(f"{n:010d}", n, stamp + dt.timedelta(seconds=n % 20)) for n in range(1, rows + 1)],
        )
    tmp = Path(f"/tmp/bench-events-{os.getpid()}.db")
    tmp.unlink(missing_ok=True)
    store = WatchStore(f"sqlite:///{tmp}")
    source = ChangeSource("orders", ORDERS_VIEW, TimestampColumn("CHUPTS"), settle_s=0.25, overlap_s=3600)
    capture = Capture(source, db, store, _Kept(), relation=relation("postgresql"))
    try:
        capture.poll()  # every row delivered: the next polls read them all again, unchanged
        started = time.perf_counter()
        for _ in range(polls):
            assert not capture.poll().events
        polled = (time.perf_counter() - started) / polls
        sql = f"SELECT {', '.join(capture._columns)} FROM {relation('postgresql')} ORDER BY CHUPTS, CHORNO"
        started = time.perf_counter()
        for _ in range(polls):
            for page in range(0, rows, source.page_rows):
                db.query(f"{sql} LIMIT {source.page_rows} OFFSET {page}", [], max_rows=source.page_rows)
        read = (time.perf_counter() - started) / polls
    finally:
        store.close()
        db.close()
        drop_change_table("postgresql", PRIVATE)
        tmp.unlink(missing_ok=True)
    print(
        f"re-read  {rows} delivered orders in the overlap: a poll {polled * 1000:.0f} ms, "
        f"the same pages read alone {read * 1000:.0f} ms ({polled / read:.2f}x)",
        flush=True,
    )
    return {"poll": polled, "read": read}


class _Kept:
    """A sink that acknowledges everything at once."""

    def publish(self, events) -> None:
        """Nothing to wait for."""


def main() -> None:
    faulthandler.dump_traceback_later(300, exit=True)
    results = {}
    for label, rate, changes in (("100/s", 100, 1500), ("1000/s", 1000, 8000)):
        figures = run(rate, changes)
        results[label] = figures
        for name, f in figures.items():
            print(
                f"{label:8} {name:8} offered {f['offered']:7.0f} changes/s, delivered end to end "
                f"{f['rate']:7.0f}/s, commit→consumer p50 {f['p50'] * 1000:6.0f} ms p95 {f['p95'] * 1000:6.0f} ms, "
                f"lost {f['lost']}",
                flush=True,
            )
    up = catch_up(20_000)
    steady = reread(2_000)
    cap, naive = results["1000/s"]["capture"], results["1000/s"]["naive"]
    print(
        f"events at 1000 changes/s asked ({cap['offered']:.0f}/s reached by the writers): "
        f"capture p50 {cap['p50'] * 1000:.0f} ms p95 {cap['p95'] * 1000:.0f} ms, "
        f"{cap['lost']} lost; naive baseline p50 {naive['p50'] * 1000:.0f} ms p95 {naive['p95'] * 1000:.0f} ms, "
        f"{naive['lost']} lost; catch-up {up['capture']:.0f} changes/s end to end "
        f"(broker and consumer alone {up['broker']:.0f}/s); a poll re-reading 2,000 delivered orders "
        f"{steady['poll'] / steady['read']:.2f}x the database read alone"
    )


if __name__ == "__main__":
    main()
