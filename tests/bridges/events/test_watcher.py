"""``bridges watch`` processes killed with ``kill -9`` again and again while 8 writers change CHGORD
on PostgreSQL and MariaDB: two watchers compete for the source through its lease, events go to the
machine's NATS JetStream, a consumer reads them as they come, and the stream ends up holding every
change once — where a "stamp > last offset" poller on the same workload loses some."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bridges.events.jetstream import JetStreamSink, StreamReader
from fixtures.orders.writer import drop_change_table, run_writers
from tests.bridges.events.harness import CLOCKS, ODBC, PRIVATE, READER, NaivePoller, database, final_state
from tests.bridges.events.test_jetstream import need_nats

pytestmark = [pytest.mark.live, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
STREAM = f"WATCH_P{os.getpid()}"
PREFIX = f"watchp{os.getpid()}"
CHANGES = int(os.environ.get("WATCH_CHAOS_CHANGES", "10000"))
INTERVAL_S = 0.2
MAX_COMMIT_DELAY_S = 4 * INTERVAL_S
SETTLE_S = 2
PAGE_ROWS = 200
BRIDGE = '''
from rdbms.bridge import DatabaseBridge
from tests.bridges.events.harness import ORDERS_VIEW


class Bridge(DatabaseBridge):
    """CHGORD, read-only."""

    name = "chgord"
    title = "CHGORD"
    description = "Orders changed by concurrent writers."
    views = (ORDERS_VIEW,)
'''


def _write_configs(tmp_path: Path, metrics_port: int | None = None, dialect: str = "postgresql") -> Path:
    (tmp_path / "chgord").mkdir()
    (tmp_path / "chgord" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "chgord" / "bridge.py").write_text(BRIDGE, encoding="utf-8")
    connection, password = ODBC[dialect]
    secret = f'[bridges.chgord.secrets]\npassword = {{env = "WATCH_TEST_PASSWORD", default = "{password}"}}\n'
    (tmp_path / "bridges.toml").write_text(
        f"""{secret if password else ""}
[bridges.chgord.options]
connection = "{connection}"
dialect = "{dialect}"
user = "{READER}"
db_schema = "{PRIVATE}"
""",
        encoding="utf-8",
    )
    change = 'change = "CHUPTS"' if dialect == "postgresql" else 'change_date = "CHUPDT"\nchange_time = "CHUPTM"'
    watch = tmp_path / "watch.toml"
    watch.write_text(
        f"""bridges_config = "bridges.toml"
store = "sqlite:///{tmp_path / "watch.db"}"
stream = "{STREAM}"
prefix = "{PREFIX}"
lease_ttl_s = 2
{f"metrics_port = {metrics_port}" if metrics_port else ""}

[sources.orders]
bridge = "chgord"
view = "orders"
{change}
settle_s = {SETTLE_S}
overlap_s = 2
page_rows = {PAGE_ROWS}
interval_s = {INTERVAL_S}
delete_scan_every = 10
""",
        encoding="utf-8",
    )
    return watch


def _watcher(watch: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (watch.parent / f"watcher-{name}.log").open("ab") as log:  # a file: a pipe nobody reads would fill up
        return subprocess.Popen(
            [sys.executable, "-m", "facade_app.cli", "watch", "--config", str(watch), "--owner", name],
            cwd=watch.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


@pytest.fixture
def stream():
    need_nats()
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)  # the stream exists before a consumer subscribes
    yield
    sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
    sink.close()


class Received:
    """The stream's events as a consumer reads them while they come; ``caught_up`` is set once the
    last version of every key equals ``final`` (the table after the last commit)."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.last: dict[str, str | None] = {}
        self.final: dict[str, str] | None = None
        self.caught_up = threading.Event()
        self.caught_up_at = 0.0
        self.writing = True
        self.newest = 0.0  # the newest change stamp received (created and updated events carry theirs)
        self.behind: list[float] = []  # now − that stamp, sampled while the writers write
        self.stop = threading.Event()
        self.reader = StreamReader(subject=f"{PREFIX}.>", stream=STREAM)
        self.thread = threading.Thread(target=self._read)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            for event in self.reader.read(idle_s=0.3, limit=100):
                self.events.append(event)
                self.last[event["subject"]] = event["data"]["version"]
                if not event["type"].endswith(".deleted"):
                    self.newest = max(self.newest, dt.datetime.fromisoformat(event["time"]).timestamp())
            if self.writing and self.newest:
                self.behind.append(time.time() - self.newest)
            if self.final is not None and not self.caught_up.is_set() and not self.missing():
                self.caught_up_at = time.time()
                self.caught_up.set()

    def missing(self) -> list[str]:
        """Keys whose final version never arrived, and deleted keys whose delete never did."""
        final, last = self.final or {}, dict(self.last)
        return [k for k, v in final.items() if last.get(k) != v] + [
            k for k, v in last.items() if v is not None and k not in final
        ]

    def close(self) -> None:
        """Read what is left, then stop."""
        self.stop.set()
        self.thread.join()
        for event in self.reader.read(idle_s=1.0):
            self.events.append(event)
            self.last[event["subject"]] = event["data"]["version"]
        self.reader.close()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_watchers_killed_at_random_lose_no_change_and_deliver_none_twice(tmp_path, stream, dialect):
    db = database(dialect)
    watch = _write_configs(tmp_path, dialect=dialect)
    procs = {"a": _watcher(watch, "a"), "b": _watcher(watch, "b")}
    received = Received()
    kills: list[str] = []
    killed_at = [0.0]
    written, stop = threading.Event(), threading.Event()
    rng = random.Random(13)
    naive = NaivePoller(db, dialect, CLOCKS["timestamp" if dialect == "postgresql" else "split"], PAGE_ROWS)
    naive_errors: list[str] = []

    def chaos() -> None:  # at random moments while the writers run, and at least 10 times, both watchers
        while not stop.wait(rng.uniform(1.5, 4.0)):
            if written.is_set() and len(kills) >= 10 and set(kills) == {"a", "b"}:
                return
            name = rng.choice("ab")
            procs[name].send_signal(signal.SIGKILL)
            procs[name].wait()
            kills.append(name)
            killed_at[0] = time.time()
            procs[name] = _watcher(watch, name)

    def poll_naively() -> None:  # Kafka Connect's timestamp mode on the same table at the same interval
        try:
            while not written.wait(INTERVAL_S):
                naive.poll()
            naive.poll()  # the last commits, all of them
        except Exception as exc:  # reported by the test, not lost in the thread
            naive_errors.append(repr(exc))

    threads = [threading.Thread(target=chaos), threading.Thread(target=poll_naively)]
    for t in threads:
        t.start()
    try:
        started = time.monotonic()
        stats = run_writers(
            dialect, PRIVATE, changes=CHANGES, writers=8, max_commit_delay_s=MAX_COMMIT_DELAY_S, batch_rows=24
        )
        wrote_s = time.monotonic() - started
        received.writing = False
        written.set()
        threads[1].join()
        received.final = final = final_state(db, dialect)
        received.caught_up.wait(60)  # the settle window, a dead owner's lease, the next delete scan
        lag_s = (received.caught_up_at or time.time()) - max(stats.commits)
        threads[0].join()
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
        errors = [(tmp_path / f"watcher-{name}.log").read_text(encoding="utf-8") for name in procs]
    finally:
        stop.set()
        written.set()
        for t in threads:
            t.join()
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
        received.close()
        db.close()
        drop_change_table(dialect, PRIVATE)
    ids = [e["id"] for e in received.events]
    missing = received.missing()
    lost = naive.report(final)
    print(
        f"{dialect}: {len(kills)} kill -9s; {stats.inserted} inserted ({stats.groups} groups of one stamp), "
        f"{stats.updated} updated, {stats.deleted} deleted in {len(stats.commits)} transactions, {wrote_s:.0f} s; "
        f"{len(received.events)} events in the stream, {len(ids) - len(set(ids))} twice, {len(missing)} missing, "
        f"the consumer trailed the newest stamp by {statistics.median(received.behind):.1f} s (median), "
        f"{statistics.quantiles(received.behind, n=20)[-1]:.1f} s (95th percentile) while they wrote, and "
        f"had it all {lag_s:.1f} s after the last commit (the last kill at "
        f"{killed_at[0] - max(stats.commits):+.1f} s from it); "
        f"naive poller lost {lost['missing']} ({lost['missing_rows']} rows, {lost['missing_deletes']} deletes)"
    )
    assert not stats.errors and not naive_errors, (stats.errors, naive_errors)
    assert len(kills) >= 10 and set(kills) == {"a", "b"}
    assert stats.deleted > 0 and stats.groups > 0
    assert len(ids) == len(set(ids)), "a change delivered twice"
    assert not missing, [
        (k, final.get(k), [(e["type"], e["data"]["version"]) for e in received.events if e["subject"] == k])
        for k in missing[:5]
    ]
    crashes = [e[e.index("Traceback") :][:3000] for e in errors if "Traceback" in e]
    assert not crashes, crashes  # kill -9 leaves no traceback; a crash would
    assert lost["missing_rows"] > 0, lost  # out-of-order commits and split stamp groups, not deletes only


def test_once_polls_each_source_and_reports_its_state(tmp_path, stream):
    db = database("postgresql")
    try:
        run_writers("postgresql", PRIVATE, changes=40, writers=2, max_commit_delay_s=0.0)
        time.sleep(2.5)  # not synchronisation: the rows must age past the 2 s settle window
        watch = _write_configs(tmp_path)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "facade_app.cli", "watch", "--config", str(watch), "--once"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        )
        final = final_state(db, "postgresql")
    finally:
        db.close()
        drop_change_table("postgresql", PRIVATE)
    health = json.loads(done.stdout)
    assert health["sources"]["orders"]["owned"] and health["sources"]["orders"]["errors"] == 0
    assert health["sources"]["orders"]["changes_last_minute"] == len(final)
    reader = StreamReader(subject=f"{PREFIX}.orders.created", stream=STREAM)
    try:
        versions = {e["subject"]: e["data"]["version"] for e in reader.read(idle_s=1.0)}
    finally:
        reader.close()
    assert versions == final


def test_metrics_and_health_are_served(tmp_path, stream):
    db = database("postgresql")
    port = 20000 + os.getpid() % 20000
    watch = _write_configs(tmp_path, metrics_port=port)
    proc = _watcher(watch, "m")
    try:
        run_writers("postgresql", PRIVATE, changes=20, writers=2, max_commit_delay_s=0.0)
        deadline = time.monotonic() + 30
        health: dict = {}
        while time.monotonic() < deadline and not health.get("sources", {}).get("orders", {}).get(
            "changes_last_minute"
        ):
            time.sleep(0.3)  # not synchronisation: polling an HTTP endpoint of another process until it reports
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read())
            except OSError:
                continue
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        db.close()
        drop_change_table("postgresql", PRIVATE)
    assert health["sources"]["orders"]["owned"] and health["sources"]["orders"]["lag_s"] is not None
    assert 'watch_changes_total{kind="created",source="orders"}' in metrics
    assert 'watch_lag_seconds{source="orders"}' in metrics and 'watch_source_owned{source="orders"} 1.0' in metrics
