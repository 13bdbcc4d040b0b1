"""A watcher killed or stalled between publishing a page and committing it: lists (screens, web pages) record
their intent as database sources do, so the next poll's events lead on from what consumers were handed; a
watcher stopped with SIGSTOP past its lease and woken after another took over and published newer versions
publishes nothing that lands after them (JetStream drops what it republished as duplicates), and its commit
is refused by the lease's generation."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bridges.events.changes import ChangeEvent, canonical_json, version_of
from bridges.events.jetstream import JetStreamSink, StreamReader
from bridges.events.listing import ListingCapture
from bridges.events.store import LeaseLost, WatchStore
from tests.bridges.events.harness import Consumer
from tests.bridges.events.test_jetstream import need_nats

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[3]
STREAM = f"FENCE_T{os.getpid()}"
PREFIX = f"fencet{os.getpid()}"


@pytest.fixture
def store(tmp_path):
    s = WatchStore(f"sqlite:///{tmp_path / 'watch.db'}")
    yield s
    s.close()


class Tickets:
    """A list a screen or a web page shows, as the rows its list operation answers."""

    def __init__(self, **rows: str) -> None:
        self.rows = {no: {"no": no, "status": status} for no, status in rows.items()}

    def fetch(self) -> tuple[list[dict[str, Any]], bool]:
        return [dict(r) for r in self.rows.values()], True

    def final(self) -> dict[str, str]:
        """Key → version of each row now (what consumers must end with)."""
        return {canonical_json([no]): version_of(row) for no, row in self.rows.items()}


def _killed_before_committing(capture: ListingCapture, store: WatchStore, monkeypatch) -> None:
    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("kill -9 between the broker's ack and the commit")

    monkeypatch.setattr(store, "commit", killed)
    with pytest.raises(SystemExit):
        capture.poll()
    monkeypatch.undo()


def _view(events: list[ChangeEvent]) -> dict[str, str]:
    """What a consumer ends with, the events deduped by id (as JetStream does); each must lead on from the
    version the consumer holds for its key."""
    seen: set[str] = set()
    last: dict[str, str | None] = {}
    for event in events:
        if event.id in seen:
            continue
        seen.add(event.id)
        assert event.old_version == last.get(event.key), f"{event.kind} of {event.key} from a state not handed out"
        last[event.key] = event.new_version
    return {key: version for key, version in last.items() if version is not None}


def test_a_listed_row_deleted_after_a_crash_between_publishing_and_committing_gets_its_delete(store, monkeypatch):
    tickets, consumer = Tickets(T1="open", T2="open"), Consumer()
    _killed_before_committing(ListingCapture("tickets", tickets.fetch, ["no"], store, consumer), store, monkeypatch)
    assert [e.kind for e in consumer.events] == ["created", "created"] and store.rows("tickets") == {}
    del tickets.rows["T2"]  # before any watcher lists it again: only the intent left knows it was published
    ListingCapture("tickets", tickets.fetch, ["no"], store, consumer).poll()
    assert [e.kind for e in consumer.events if e.kind != "created"] == ["deleted"]
    assert _view(consumer.events) == tickets.final()
    assert store.intents("tickets") == []


def test_a_listed_row_changed_again_or_back_after_a_crash_gets_an_update_from_what_was_published(store, monkeypatch):
    tickets, consumer = Tickets(T1="open", T2="open"), Consumer()
    ListingCapture("tickets", tickets.fetch, ["no"], store, consumer).poll()
    tickets.rows["T1"]["status"] = "closed"
    tickets.rows["T3"] = {"no": "T3", "status": "open"}
    _killed_before_committing(ListingCapture("tickets", tickets.fetch, ["no"], store, consumer), store, monkeypatch)
    tickets.rows["T1"]["status"] = "open"  # back to the state committed: only the intent knows it was closed
    tickets.rows["T3"]["status"] = "closed"  # created, then changed: an update, not a second "created"
    ListingCapture("tickets", tickets.fetch, ["no"], store, consumer).poll()
    assert _view(consumer.events) == tickets.final()
    t3 = [e.kind for e in consumer.events if e.key == '["T3"]']
    assert t3 == ["created", "created", "updated"]  # the second "created" is the intent published again: a duplicate


def test_a_lease_taken_over_fences_its_former_holder_even_under_the_same_owner_name(tmp_path):
    url = f"sqlite:///{tmp_path / 'watch.db'}"
    with sqlite3.connect(tmp_path / "watch.db") as conn:  # a store made before leases had a generation
        conn.execute(
            "CREATE TABLE watch_leases (source VARCHAR(128) PRIMARY KEY, owner VARCHAR(128) NOT NULL,"
            " expires_at FLOAT NOT NULL)"
        )
        conn.execute("INSERT INTO watch_leases VALUES ('tickets', 'old', 0)")
    stalled, restarted = WatchStore(url), WatchStore(url)  # two processes, both started as --owner a
    try:
        assert stalled.acquire("tickets", "a", ttl_s=30) and stalled.generation("tickets") == 1
        assert restarted.acquire("tickets", "a", ttl_s=30)  # a restart under the same name takes it at once…
        assert restarted.generation("tickets") == 2
        event = ChangeEvent("tickets", "created", '["T1"]', {"no": "T1"}, None, "v1", None, "")
        for write in (
            lambda: stalled.intend("tickets", [event], "a"),
            lambda: stalled.commit("tickets", [], owner="a"),
        ):
            with pytest.raises(LeaseLost):  # …and the process that held it cannot write any more
                write()
        assert not stalled.acquire("tickets", "b", ttl_s=30)  # another name waits for it to run out
        restarted.intend("tickets", [event], "a")
        restarted.commit("tickets", [('["T1"]', "v1", '{"no":"T1"}')], owner="a")
        assert store_rows(restarted) == {'["T1"]': "v1"} and restarted.intents("tickets") == []
        restarted.release("tickets", "a")
        assert stalled.acquire("tickets", "b", ttl_s=30) and stalled.generation("tickets") == 3
    finally:
        stalled.close()
        restarted.close()


def store_rows(store: WatchStore) -> dict[str, str]:
    return {key: version for key, (version, _) in store.rows("tickets").items()}


WATCHER_A = """
import json, os, signal, sys
from pathlib import Path
from bridges.events.jetstream import JetStreamSink
from bridges.events.listing import ListingCapture
from bridges.events.store import LeaseLost, WatchStore

url, table, stream, prefix, stop_at = sys.argv[1:]


def stop(where):
    if stop_at == where:
        os.kill(os.getpid(), signal.SIGSTOP)  # a long GC or I/O pause, or a stopped VM


def fetch():
    rows = json.loads(Path(table).read_text(encoding="utf-8"))
    stop("read")
    return rows, True


class Stalling:
    def __init__(self, sink):
        self.sink = sink

    def publish(self, events):
        stop("publish")
        self.sink.publish(events)
        stop("commit")


store, sink = WatchStore(url), JetStreamSink(stream=stream, prefix=prefix)
assert store.acquire("tickets", "a", ttl_s=1.0)
try:
    ListingCapture("tickets", fetch, ["no"], store, Stalling(sink), owner="a").poll()
except LeaseLost as exc:
    print(f"refused: {exc}")
    sys.exit(3)
finally:
    sink.close()
print("committed")
"""


@pytest.fixture
def stream():
    need_nats()
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)
    yield sink
    sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
    sink.close()


@pytest.mark.parametrize("stop_at", ["read", "publish", "commit"])
def test_a_watcher_stopped_past_its_lease_publishes_nothing_stale_and_its_commit_is_refused(tmp_path, stream, stop_at):
    tickets = Tickets(T1="open", T2="open", T3="open")
    table = tmp_path / "tickets.json"
    table.write_text(json.dumps(list(tickets.rows.values())), encoding="utf-8")
    (tmp_path / "watcher_a.py").write_text(WATCHER_A, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'watch.db'}"
    a = subprocess.Popen(
        [sys.executable, str(tmp_path / "watcher_a.py"), url, str(table), STREAM, PREFIX, stop_at],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = WatchStore(url)
    try:
        _, status = os.waitpid(a.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), a.communicate()
        deadline = time.monotonic() + 30
        while not store.acquire("tickets", "b", ttl_s=30):  # taken over once a's lease has run out
            assert time.monotonic() < deadline, "the stopped watcher's lease never ran out"
            time.sleep(0.05)  # pacing the attempts: a's lease expires on the clock, nothing to wait on
        tickets.rows["T1"]["status"] = "closed"
        del tickets.rows["T2"]
        tickets.rows["T4"] = {"no": "T4", "status": "open"}
        b = ListingCapture("tickets", tickets.fetch, ["no"], store, stream, owner="b")
        b.poll()
        tickets.rows["T3"]["status"] = "pending"
        b.poll()
        os.kill(a.pid, signal.SIGCONT)
        out, err = a.communicate(timeout=60)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == 3 and out.startswith("refused:"), (out, err)  # its stale commit (or intent) refused
    reader = StreamReader(subject=f"{PREFIX}.>", stream=STREAM)
    try:
        received = list(reader.read(idle_s=1.0))
    finally:
        reader.close()
    last = {e["subject"]: e["data"]["version"] for e in received}
    assert {k: v for k, v in last.items() if v is not None} == tickets.final(), received
    assert len({e["id"] for e in received}) == len(received)
    assert {k: v for k, (v, _) in store.rows("tickets").items()} == tickets.final()
    store.close()
