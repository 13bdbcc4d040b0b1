"""Events on the machine's NATS JetStream: acknowledged, deduplicated by change id, read back in order."""

from __future__ import annotations

import contextlib
import os
import socket

import pytest

from bridges.core.errors import Unavailable
from bridges.core.testing import real_part_missing
from bridges.events.changes import ChangeEvent, version_of
from bridges.events.jetstream import DEFAULT_URL, JetStreamSink, StreamReader

pytestmark = pytest.mark.live

STREAM = f"WATCH_T{os.getpid()}"
PREFIX = f"watcht{os.getpid()}"


def need_nats() -> None:
    """Skip (fail in CI) without a NATS server on 127.0.0.1:4222."""
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=2).close()
    except OSError as exc:
        real_part_missing(f"NATS JetStream at {DEFAULT_URL}: {exc}")


@pytest.fixture
def sink():
    need_nats()
    s = JetStreamSink(stream=STREAM, prefix=PREFIX, duplicate_window_s=60)
    yield s
    s._loop.run(s._loop.js.delete_stream(STREAM), 5)
    s.close()


def _event(n: int, total: int = 100) -> ChangeEvent:
    row = {"order_no": f"{n:010d}", "total_cents": total}
    return ChangeEvent("orders", "created", f'["{n:010d}"]', row, None, version_of(row), None, "2026-03-01T09:30:00")


def test_each_change_is_stored_once_however_often_it_is_published(sink):
    events = [_event(n) for n in range(1, 51)]
    sink.publish(events[:30])
    sink.publish(events)  # a watcher restarted before committing publishes the first 30 again
    assert (sink.published, sink.duplicates) == (80, 30)
    reader = StreamReader(subject=f"{PREFIX}.>", stream=STREAM)
    try:
        received = list(reader.read(idle_s=1.0))
    finally:
        reader.close()
    assert [e["id"] for e in received] == [e.id for e in events]
    first = received[0]
    assert first["specversion"] == "1.0" and first["type"] == "legacy.orders.created"
    assert first["data"]["new"] == {"order_no": "0000000001", "total_cents": 100}


def test_an_unreachable_broker_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with (
        pytest.raises(Unavailable, match="NATS"),
        contextlib.closing(
            JetStreamSink(f"nats://127.0.0.1:{port}", stream=STREAM, prefix=PREFIX, connect_timeout_s=1)
        ),
    ):
        pass
