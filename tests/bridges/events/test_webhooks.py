"""Webhooks from JetStream: signed as Standard Webhooks and verified by the receiver, retried while the
receiver is down until every event is in, dead-lettered when the receiver never accepts them."""

from __future__ import annotations

import base64
import os
import random
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bridges.events.changes import ChangeEvent, version_of
from bridges.events.jetstream import JetStreamSink, StreamReader
from bridges.events.metrics_http import serve_metrics
from bridges.events.webhooks import WebhookForwarder, dead_letter_after_s, retry_delay
from tests.bridges.events.test_jetstream import need_nats

pytestmark = pytest.mark.live

STREAM = f"HOOKS_T{os.getpid()}"
PREFIX = f"hookst{os.getpid()}"
SECRET = "whsec_" + base64.b64encode(b"a receiver's shared secret, 32 b").decode()


class Receiver:
    """A webhook receiver on a fixed loopback port that verifies each request; it can be taken down."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.ids: list[str] = []
        self.header_ids: list[str] = []
        self.events: list[dict] = []
        self.refused = 0
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.refused += 1
                    self.send_response(401)
                else:
                    receiver.ids.append(event["id"])
                    receiver.header_ids.append(self.headers["webhook-id"])
                    receiver.events.append(event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink():
    need_nats()
    s = JetStreamSink(stream=STREAM, prefix=PREFIX)
    yield s
    for stream in (STREAM, f"{STREAM}_DEADLETTER"):
        s._loop.run(s._loop.js.delete_stream(stream), 5)
    s.close()


def _events(first: int, count: int) -> list[ChangeEvent]:
    rows = [{"order_no": f"{n:010d}"} for n in range(first, first + count)]
    return [ChangeEvent("orders", "created", f'["{r["order_no"]}"]', r, None, version_of(r), None, "") for r in rows]


def _forward(forwarder: WebhookForwarder):
    stop = threading.Event()
    thread = threading.Thread(target=forwarder.run, args=(stop,))
    thread.start()
    return stop, thread


def _until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)  # not synchronisation: polling what another thread delivered over HTTP
    return predicate()


def test_a_receiver_down_for_a_minute_gets_every_event_in_order_once_it_is_back(sink):
    receiver = Receiver(SECRET)
    receiver.up()
    forwarder = WebhookForwarder(  # the default retry schedule: a one-minute outage must not dead-letter
        f"http://127.0.0.1:{receiver.port}/hook",
        SECRET,
        name="crm",
        subject=f"{PREFIX}.>",
        stream=STREAM,
        prefix=PREFIX,
    )
    assert dead_letter_after_s(forwarder.max_attempts, forwarder.backoff_s, forwarder.max_backoff_s)[0] > 90
    stop, thread = _forward(forwarder)
    published: list[ChangeEvent] = []
    try:
        published += _events(1, 5)
        sink.publish(published)
        assert _until(lambda: len(receiver.ids) == 5)
        port = receiver.port
        receiver.down()
        down_at = time.monotonic()
        for batch in range(12):  # events keep coming while the receiver is down: 5 every 5 s
            published += _events(6 + 5 * batch, 5)
            sink.publish(published[-5:])
            time.sleep(5)  # not synchronisation: the outage lasts a minute, the watcher publishing meanwhile
        outage = time.monotonic() - down_at
        assert outage >= 60 and len(receiver.ids) == 5 and forwarder.dead_letters == 0
        retried = forwarder.retries
        receiver.up()
        assert receiver.port == port
        back_at = time.monotonic()
        assert _until(lambda: len(receiver.ids) == len(published), timeout=forwarder.max_backoff_s + 20)
        caught_up = time.monotonic() - back_at
    finally:
        stop.set()
        thread.join()
        forwarder.close()
        receiver.down()
    print(f"down {outage:.0f} s, {retried} retries, caught up {caught_up:.1f} s after the receiver came back")
    assert receiver.ids == [e.id for e in published]  # every event, once, in order
    assert receiver.header_ids == receiver.ids and receiver.refused == 0  # each signature verified
    assert forwarder.dead_letters == 0 and forwarder.delivered == 65 and retried >= 8


def test_the_retry_schedule_doubles_to_its_cap_with_jitter_and_outlives_a_minute():
    rng = random.Random(7)
    for retry in range(1, 40):
        scheduled = min(10.0, 0.5 * 2 ** (retry - 1))
        assert 0.75 * scheduled <= retry_delay(retry, 0.5, 10.0, rng) <= scheduled
    least, most = dead_letter_after_s(20, 0.5, 10.0)  # the defaults
    assert (least, most) == (116.625, 155.5)
    assert least <= sum(retry_delay(n, 0.5, 10.0, rng) for n in range(1, 20)) <= most


def test_a_receiver_that_never_accepts_ends_in_the_dead_letter_queue(sink):
    receiver = Receiver(SECRET)
    receiver.up()
    wrong = "whsec_" + base64.b64encode(b"not the receiver's secret at all").decode()
    forwarder = WebhookForwarder(
        f"http://127.0.0.1:{receiver.port}/hook",
        wrong,
        name="erp",
        subject=f"{PREFIX}.>",
        stream=STREAM,
        prefix=PREFIX,
        backoff_s=0.01,
        max_attempts=3,
    )
    server = serve_metrics("127.0.0.1", 0, forwarder.metrics, forwarder.health)  # as --metrics-port serves them
    scrape = f"http://127.0.0.1:{server.server_address[1]}/metrics"
    before = urllib.request.urlopen(scrape, timeout=5).read().decode()
    stop, thread = _forward(forwarder)
    events = _events(1, 4)
    try:
        sink.publish(events)
        assert _until(lambda: forwarder.dead_letters == 4)
        after = urllib.request.urlopen(scrape, timeout=5).read().decode()
    finally:
        stop.set()
        thread.join()
        forwarder.close()
        receiver.down()
        server.shutdown()
    assert receiver.ids == [] and receiver.refused == 12  # the receiver refused every forged signature
    assert 'webhook_dead_letters_total{webhook="erp"} 0.0' in before
    assert (
        'webhook_dead_letters_total{webhook="erp"} 4.0' in after and 'webhook_retries_total{webhook="erp"} 8.0' in after
    )
    reader = StreamReader(subject=f"{PREFIX}_deadletter.>", stream=f"{STREAM}_DEADLETTER")
    try:
        dead = list(reader.read(idle_s=1.0))
    finally:
        reader.close()
    assert [e["id"] for e in dead] == [e.id for e in events]
