"""The audit store's background writer: batches in one transaction each, one unbroken chain
across processes, a write's answer after its commit, a full queue that waits then drops and
counts, a failing store retried, what is queued committed at exit, and a ``kill -9`` that
loses at most the queue, never the chain. The store is on by default."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from facade_app import audit_writer
from facade_app.audit_chain import AuditChain
from facade_app.audit_writer import AuditWriter
from facade_app.cli import main
from tests.facade_app.conftest import KEY, OPS_KEY, auth, make_app

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def _entry(n: int) -> dict:
    return {"ts": f"2026-01-01T00:00:{n % 60:02d}.000+00:00", "event": "shop.get_item", "request_id": f"r{n}", "n": n}


def test_events_are_appended_in_batches_of_one_transaction_each(tmp_path):
    chain = AuditChain(f"sqlite:///{tmp_path / 'a.db'}")
    transactions = []
    event.listen(chain.engine, "commit", lambda conn: transactions.append(1))
    writer = AuditWriter(chain)
    for n in range(1000):
        assert writer.submit(_entry(n), f"r{n}")
    assert writer.flush(10)
    assert [e["n"] for _, _, e in chain.tail(1000)] == list(range(1000))
    assert chain.verify() is None and len(transactions) < 100, len(transactions)
    writer.close()


def test_a_write_is_committed_before_its_answer(tmp_path):
    chain = AuditChain(f"sqlite:///{tmp_path / 'a.db'}")
    writer = AuditWriter(chain)
    for n in range(5):
        writer.submit(_entry(n), f"r{n}")
    assert writer.submit(_entry(5), "r5", durable=True)
    assert [e["n"] for _, _, e in chain.tail(10)] == [0, 1, 2, 3, 4, 5]  # no flush: already there
    writer.close()


class _Stalled(AuditChain):
    """A store whose appends wait for ``go`` (a slow or locked database), or fail while ``down``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.go = threading.Event()
        self.down = 0

    def append_batch(self, entries):
        if self.down:
            self.down -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        self.go.wait(10)
        return super().append_batch(entries)


def test_a_full_queue_waits_then_drops_the_event_counts_and_logs_it(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(audit_writer, "FULL_WAIT_S", 0.3)
    chain = _Stalled(f"sqlite:///{tmp_path / 'a.db'}")
    writer = AuditWriter(chain, capacity=2)
    lost = []
    writer.on_lost = lambda reason, count: lost.append((reason, count))
    assert writer.submit(_entry(1), "r1") and writer.submit(_entry(2), "r2")
    started = time.monotonic()
    assert not writer.submit(_entry(3), "r3-dropped")
    assert time.monotonic() - started >= 0.3  # it waited for room first
    assert lost == [("queue-full", 1)] and writer.depth() == 2
    assert "r3-dropped" in caplog.text and "dropped" in caplog.text
    chain.go.set()
    assert writer.flush(5) and [e["n"] for _, _, e in chain.tail(5)] == [1, 2]
    assert chain.verify() is None
    writer.close()


def test_a_failing_store_is_retried_and_each_failure_counted(tmp_path):
    chain = _Stalled(f"sqlite:///{tmp_path / 'a.db'}")
    chain.go.set()
    chain.down = 2
    writer = AuditWriter(chain)
    failures = []
    writer.on_error = lambda: failures.append(1)
    assert writer.submit(_entry(1), "r1", durable=True)
    assert len(failures) == 2 and [e["n"] for _, _, e in chain.tail(5)] == [1]
    writer.close()


def test_at_exit_what_is_queued_is_committed_and_what_cannot_be_is_counted_lost(tmp_path):
    chain = AuditChain(f"sqlite:///{tmp_path / 'a.db'}")
    writer = AuditWriter(chain)
    for n in range(300):
        writer.submit(_entry(n), f"r{n}")
    writer.close()
    assert len(chain.tail(1000)) == 300
    assert not writer.submit(_entry(300), "late")  # after close: refused, counted
    stalled = _Stalled(f"sqlite:///{tmp_path / 'b.db'}")
    writer = AuditWriter(stalled)
    lost = []
    writer.on_lost = lambda reason, count: lost.append((reason, count))
    for n in range(3):
        writer.submit(_entry(n), f"r{n}")
    writer.close(timeout=0.2)
    assert lost == [("unwritten-at-exit", 3)]
    stalled.go.set()


_APPENDER = """
import sys
from facade_app.audit_chain import AuditChain
from facade_app.audit_writer import AuditWriter
writer = AuditWriter(AuditChain(sys.argv[1]), batch=int(sys.argv[3]))
print("ready", flush=True)
n = 0
while n < int(sys.argv[2]):
    writer.submit({"event": "shop.get_item", "who": sys.argv[4], "n": n}, f"r{n}")
    n += 1
writer.close()
"""


def _appenders(url: str, count: int, events: int, batch: int) -> list[subprocess.Popen]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, url, str(events), str(batch), f"p{i}"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]


def test_workers_appending_batches_to_one_store_make_one_unbroken_chain(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    processes = _appenders(url, 3, 400, batch=50)  # small batches: the processes interleave
    for process in processes:
        assert process.wait(60) == 0
    chain = AuditChain(url)
    rows = chain.tail(2000)
    assert chain.verify() is None and len(rows) == 1200
    for who in ("p0", "p1", "p2"):  # each process's events in its own order
        assert [e["n"] for _, _, e in rows if e["who"] == who] == list(range(400))


def test_a_kill_9_loses_at_most_the_queue_never_the_chain(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    (process,) = _appenders(url, 1, 10**9, batch=500)
    assert process.stdout.readline().strip() == "ready"
    chain = AuditChain(url)
    deadline = time.monotonic() + 30
    while not chain.tail(1) and time.monotonic() < deadline:
        time.sleep(0.05)  # not synchronisation of the test's own threads: polling another process's progress
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    rows = chain.tail(10**6)
    assert chain.verify() is None and rows
    assert [e["n"] for _, _, e in rows] == list(range(len(rows)))  # a gapless prefix of what was submitted


def test_the_store_is_on_by_default_in_the_state_folder_and_off_when_said(tmp_path, capsys):
    for name, facade in (("default", {}), ("off", {"audit_store": "off"})):
        folder = tmp_path / name
        folder.mkdir()
        path = folder / "bridges.toml"
        data = {
            "facade": {"review_store": f"sqlite:///{folder / 'reviews.db'}", **facade},
            "api_keys": [
                {"name": "clerk", "key": {"env": "T_W_KEY", "default": KEY}, "scopes": ["shop:*"]},
                {"name": "ops", "key": {"env": "T_W_OPS", "default": OPS_KEY}, "scopes": ["ops"]},
            ],
        }
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        from bridges.core.config import load_config

        app, _ = make_app(load_config(path))
        client = app.test_client()
        assert client.get("/v1/shop/get_item", query_string={"item_no": "0001"}, headers=auth()).status_code == 200
        assert (
            client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Sencha"}, headers=auth()).status_code
            == 200
        )
        metrics = client.get("/metrics", headers=auth(OPS_KEY)).get_data(as_text=True)
        code = main(["audit", "verify", "--config", str(path)])
        said = capsys.readouterr()
        if name == "default":
            assert (folder / "var" / "audit.db").exists() and (folder / "var" / "audit.key").exists()
            assert code == 0 and "audit chain intact; the last is 2" in said.out
            assert "legacy_bridges_audit_queue" in metrics and "legacy_bridges_audit_store_errors_total" in metrics
        else:
            assert not (folder / "var" / "audit.db").exists()
            assert code == 2 and "off" in said.err
        app.extensions["legacy_bridges"]["pipeline"].audit.close()
