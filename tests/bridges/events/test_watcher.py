"""``bridges watch`` processes killed with ``kill -9`` again and again while 8 writers change CHGORD
on PostgreSQL: two watchers compete for the source through its lease, events go to the machine's
NATS JetStream, and the stream ends up holding every change once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bridges.events.jetstream import JetStreamSink, StreamReader
from fixtures.orders.writer import drop_change_table, run_writers
from tests.bridges.events.harness import ODBC, PRIVATE, READER, database, final_state
from tests.bridges.events.test_jetstream import need_nats

pytestmark = [pytest.mark.live, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
STREAM = f"WATCH_P{os.getpid()}"
PREFIX = f"watchp{os.getpid()}"
CHANGES = int(os.environ.get("WATCH_CHAOS_CHANGES", "2000"))  # the full run: 10000
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
settle_s = 2
overlap_s = 2
page_rows = 50
interval_s = 0.2
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
    yield
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)
    sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
    sink.close()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_watchers_killed_at_random_lose_no_change_and_deliver_none_twice(tmp_path, stream, dialect):
    db = database(dialect)
    watch = _write_configs(tmp_path, dialect=dialect)
    procs = {"a": _watcher(watch, "a"), "b": _watcher(watch, "b")}
    kills: list[str] = []
    done = threading.Event()
    rng = random.Random(13)

    def chaos() -> None:
        while not done.wait(rng.uniform(1.0, 3.0)):
            name = rng.choice("ab")
            procs[name].send_signal(signal.SIGKILL)
            procs[name].wait()
            kills.append(name)
            procs[name] = _watcher(watch, name)

    killer = threading.Thread(target=chaos)
    killer.start()
    try:
        stats = run_writers(dialect, PRIVATE, changes=CHANGES, writers=8, max_commit_delay_s=0.5)
        done.set()
        killer.join()
        time.sleep(2 + 2 + 3)  # not synchronisation: settle window, a dead owner's lease, then a few polls
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
        errors = [(tmp_path / f"watcher-{name}.log").read_text(encoding="utf-8") for name in procs]
        final = final_state(db, dialect)
    finally:
        done.set()
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
        db.close()
        drop_change_table(dialect, PRIVATE)
    reader = StreamReader(subject=f"{PREFIX}.>", stream=STREAM)
    try:
        events = list(reader.read(idle_s=2.0))
    finally:
        reader.close()
    ids = [e["id"] for e in events]
    last: dict[str, str | None] = {}
    for event in events:
        last[event["subject"]] = event["data"]["version"]
    missing = [k for k, v in final.items() if last.get(k) != v]
    missing += [k for k, v in last.items() if v is not None and k not in final]
    print(
        f"{dialect}: {len(kills)} kill -9s; {stats.inserted} inserted, {stats.updated} updated, "
        f"{stats.deleted} deleted; "
        f"{len(events)} events in the stream, {len(ids) - len(set(ids))} twice, {len(missing)} missing"
    )
    assert not stats.errors, stats.errors
    assert len(kills) >= 10 and set(kills) == {"a", "b"}
    assert len(ids) == len(set(ids)), "a change delivered twice"
    assert not missing, missing[:10]
    crashes = [e[e.index("Traceback") :][:3000] for e in errors if "Traceback" in e]
    assert not crashes, crashes  # kill -9 leaves no traceback; a crash would


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
