"""``bridges events tail`` prints a subject's CloudEvents as JSON lines; ``bridges events webhook`` wants its secret."""

from __future__ import annotations

import json
import os

import pytest

from bridges.events.changes import ChangeEvent, version_of
from bridges.events.jetstream import JetStreamSink
from facade_app.cli import main
from tests.bridges.events.test_jetstream import need_nats

pytestmark = pytest.mark.live

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


def test_webhook_without_its_secret_says_where_to_put_it(capsys, monkeypatch):
    monkeypatch.delenv("LEGACY_BRIDGES_WEBHOOK_SECRET", raising=False)
    assert main(["events", "webhook", "--endpoint", "http://127.0.0.1:9/hook", "--name", "crm"]) == 2
    assert "LEGACY_BRIDGES_WEBHOOK_SECRET" in capsys.readouterr().err


def test_recommend_without_its_api_key_says_where_to_put_it(capsys, monkeypatch):
    monkeypatch.delenv("LEGACY_BRIDGES_API_KEY", raising=False)
    assert main(["events", "recommend", "--facade", "http://127.0.0.1:9"]) == 2
    assert "LEGACY_BRIDGES_API_KEY" in capsys.readouterr().err
