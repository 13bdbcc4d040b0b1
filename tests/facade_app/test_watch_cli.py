"""``bridges events tail`` prints a subject's CloudEvents as JSON lines, and with ``--durable`` resumes after a
``kill -9`` losing none; ``bridges events webhook`` and ``recommend`` want their secrets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bridges.events.changes import ChangeEvent, version_of
from bridges.events.jetstream import JetStreamSink
from facade_app.cli import main
from tests.bridges.events.test_jetstream import need_nats

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
STREAM = f"TAIL_T{os.getpid()}"
PREFIX = f"tailt{os.getpid()}"


def test_tail_prints_each_event_of_the_subject(capsys):
    need_nats()
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)
    try:
        rows = [{"order_no": f"{n:010d}"} for n in (1, 2, 3)]
        sink.publish(
            [
                ChangeEvent("orders", "created", json.dumps([r["order_no"]]), r, None, version_of(r), None, "")
                for r in rows
            ]
        )
        assert main(["events", "tail", "--subject", f"{PREFIX}.orders.>", "--idle-s", "1"]) == 0
    finally:
        sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
        sink.close()
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["data"]["new"]["order_no"] for e in printed] == ["0000000001", "0000000002", "0000000003"]
    assert {e["type"] for e in printed} == {"legacy.orders.created"}


def _ids(*paths: Path) -> list[str]:
    return [json.loads(line)["id"] for p in paths if p.exists() for line in p.read_text(encoding="utf-8").splitlines()]


def test_a_durable_tail_killed_and_restarted_loses_no_event(tmp_path):
    need_nats()
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)
    rows = [{"order_no": f"{n:010d}"} for n in range(1, 301)]
    events = [
        ChangeEvent("orders", "created", json.dumps([r["order_no"]]), r, None, version_of(r), None, "") for r in rows
    ]
    command = [sys.executable, "-m", "facade_app.cli", "events", "tail", "--durable", "crm-sync", "--ack-wait-s", "1"]
    command += ["--subject", f"{PREFIX}.>", "--stream", STREAM]
    outs = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]

    def tail(out: Path) -> subprocess.Popen:
        with out.open("wb") as f:
            return subprocess.Popen(command, stdout=f, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def publish() -> None:
        for start in range(0, len(events), 3):
            sink.publish(events[start : start + 3])
            time.sleep(0.01)  # not synchronisation: changes trickle in, so the kill falls in the middle of them

    publisher = threading.Thread(target=publish)
    proc = tail(outs[0])
    try:
        publisher.start()
        deadline = time.monotonic() + 60
        while len(_ids(outs[0])) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)  # not synchronisation: watching another process's output grow
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(_ids(outs[0]))
        proc = tail(outs[1])
        publisher.join()
        deadline = time.monotonic() + 60
        while set(_ids(*outs)) != {e.id for e in events} and time.monotonic() < deadline:
            time.sleep(0.05)  # not synchronisation: watching another process's output grow
    finally:
        publisher.join()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
        sink.close()
    first, second = _ids(outs[0]), _ids(outs[1])
    print(
        f"{before} printed before the kill -9, {len(second)} after the restart, {len(set(first) & set(second))} twice"
    )
    assert 60 <= before < len(events)  # killed in the middle
    assert set(first) | set(second) == {e.id for e in events}  # none lost
    assert len(set(first) & set(second)) <= 1  # resumed: at most the event printed and not yet acked comes again
    assert len(second) == len(set(second)) and len(first) == len(set(first))


def test_webhook_without_its_secret_says_where_to_put_it(capsys, monkeypatch):
    monkeypatch.delenv("LEGACY_BRIDGES_WEBHOOK_SECRET", raising=False)
    assert main(["events", "webhook", "--endpoint", "http://127.0.0.1:9/hook", "--name", "crm"]) == 2
    assert "LEGACY_BRIDGES_WEBHOOK_SECRET" in capsys.readouterr().err


def test_recommend_without_its_api_key_says_where_to_put_it(capsys, monkeypatch):
    monkeypatch.delenv("LEGACY_BRIDGES_API_KEY", raising=False)
    assert main(["events", "recommend", "--facade", "http://127.0.0.1:9"]) == 2
    assert "LEGACY_BRIDGES_API_KEY" in capsys.readouterr().err
