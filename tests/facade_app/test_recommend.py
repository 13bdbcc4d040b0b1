"""The guide's middleware example end to end: an order placed in the ORDERS SQLite file is captured by the
watcher onto NATS JetStream, the recommendation consumer asks the facade (over HTTP) for the customer's
CUSTMAST record and HELPDESK tickets and publishes a recommendation, and the webhook forwarder delivers it,
signed, to a receiver that verifies it."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest

from bridges.core.config import parse_config
from bridges.customer360.demo import warm_up
from bridges.events.config import load_watch_config
from bridges.events.jetstream import JetStreamSink
from bridges.events.watcher import build_watcher
from bridges.events.webhooks import WebhookForwarder
from facade_app import create_app
from facade_app.client import FacadeClient
from facade_app.demo import DEFAULT_DEMO_KEY, demo_config, demo_world
from facade_app.recommend import RecommendationConsumer
from facade_app.server import make_dev_server
from fixtures.orders.place import place_order
from tests.bridges.events.test_jetstream import need_nats
from tests.bridges.events.test_webhooks import SECRET, Receiver

pytestmark = pytest.mark.live

STREAM = f"RECOMMEND_T{os.getpid()}"
PREFIX = f"recommendt{os.getpid()}"


def _watch_files(workdir, orders_db):
    (workdir / "watch-bridges.toml").write_text(
        f"""[bridges.orders]
kind = "orders"
[bridges.orders.options]
connection = "Driver=SQLite3;Database={orders_db}"
dialect = "sqlite"
""",
        encoding="utf-8",
    )
    watch = workdir / "watch.toml"
    watch.write_text(
        f"""bridges_config = "watch-bridges.toml"
store = "sqlite:///{workdir / "watch.db"}"
stream = "{STREAM}"
prefix = "{PREFIX}"

[sources.orders]
bridge = "orders"
relation = "VORDHDR"
key = ["OHORNO"]
columns = ["OHORNO", "OHCUSN", "OHSTAT", "OHTOTL", "OHORDT", "OHORTM"]
change_date = "OHORDT"
change_time = "OHORTM"
settle_s = 1
overlap_s = 5
page_rows = 5000
""",
        encoding="utf-8",
    )
    return watch


def test_an_order_placed_ends_in_a_signed_recommendation_webhook(tmp_path):
    from web_scrape.testing import need_chromium

    need_nats()
    need_chromium()
    workdir = tmp_path / "demo"
    stop = threading.Event()
    receiver = Receiver(SECRET)
    with demo_world(workdir) as world:
        app = create_app(parse_config(demo_config(world), base_dir=workdir))
        runtime = app.extensions["legacy_bridges"]["runtime"]
        warm_up(runtime)  # as the demo does: the customer-360's parts answer by its deadline
        server = make_dev_server(app, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        watcher = build_watcher(load_watch_config(_watch_files(workdir, world["orders_db"])), owner="test")
        consumer = forwarder = None
        try:
            for state in watcher.sources.values():
                watcher.poll_once(state)  # the orders already there are published before the consumer starts
            facade = FacadeClient(f"http://127.0.0.1:{server.server_port}", DEFAULT_DEMO_KEY)
            consumer = RecommendationConsumer(facade, stream=STREAM, prefix=PREFIX, new_only=True)
            consumer.start(stop)
            receiver.up()
            forwarder = WebhookForwarder(
                f"http://127.0.0.1:{receiver.port}/hook",
                SECRET,
                name="recommend",
                subject=f"{PREFIX}.recommendations.>",
                stream=STREAM,
                prefix=PREFIX,
            )
            forwarding = threading.Thread(target=forwarder.run, args=(stop,), daemon=True)
            forwarding.start()
            with sqlite3.connect(world["orders_db"]) as db:
                (customer,) = db.execute("SELECT TRIM(OHCUSN) FROM ORDHDR ORDER BY OHORNO LIMIT 1").fetchone()
            order_no = place_order(world["orders_db"], customer, 12_990)

            deadline = time.monotonic() + 90
            while not receiver.events and time.monotonic() < deadline:
                for state in watcher.sources.values():
                    watcher.poll_once(state)
                time.sleep(0.5)  # not synchronisation: the poll interval (the stamp must pass the settle window)
        finally:
            health = watcher.health()
            handled = consumer.handled if consumer else None
            stop.set()
            if forwarder is not None:
                forwarding.join(10)
            for part in (forwarder, consumer):
                if part is not None:
                    part.close()
            server.shutdown()
            runtime.close()
            cleanup = JetStreamSink(stream=STREAM, prefix=PREFIX)
            for stream in (STREAM, f"{STREAM}_DEADLETTER"):
                cleanup._loop.run(cleanup._loop.js.delete_stream(stream), 5)
            cleanup.close()
            watcher.close()
            receiver.down()

    assert receiver.refused == 0
    assert len(receiver.events) == 1, (health, handled, order_no, customer)
    event = receiver.events[0]
    assert event["type"] == "legacy.recommendation"
    recommendation = event["data"]
    assert recommendation["order_no"] == order_no
    assert recommendation["customer_name"]
    assert recommendation["action"] in {"call-before-shipping", "thank-you"}
    assert (recommendation["action"] == "call-before-shipping") == (recommendation["open_tickets"] > 0)
