"""Screens and web pages snapshot-diffed: the CUSTMAST browse on the demo TN3270 host and a HELPDESK
ticket search in the demo web app, read through each bridge's own pool and guard, become created,
updated and deleted events; an address changed on the green screen and a ticket changed by its agent
arrive on NATS JetStream within two poll intervals of a running watcher (plus the list's read time)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bridges.events.jetstream import JetStreamSink, StreamReader
from bridges.events.listing import ListingCapture, operation_pages
from bridges.events.store import WatchStore
from bridges.events.watcher import SourceState, Watcher
from fixtures.helpdesk.data import change_ticket, forget_ticket_changes, tickets
from tests.bridges.custmast.conftest import custmast_config
from tests.bridges.events.harness import Consumer
from tests.bridges.events.test_jetstream import need_nats
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live

STREAM = f"LISTING_T{os.getpid()}"
PREFIX = f"listingt{os.getpid()}"


@pytest.fixture
def store(tmp_path):
    s = WatchStore(f"sqlite:///{tmp_path / 'watch.db'}")
    yield s
    s.close()


@pytest.fixture
def broker():
    """A private JetStream stream: the sink a watcher publishes into and a reader of it."""
    need_nats()
    sink = JetStreamSink(stream=STREAM, prefix=PREFIX)
    reader = StreamReader(subject=f"{PREFIX}.>", stream=STREAM)
    yield sink, reader
    reader.close()
    sink._loop.run(sink._loop.js.delete_stream(STREAM), 5)
    sink.close()


def _until(predicate: Callable[[], Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)  # not synchronisation: waiting for the watcher thread's first poll
    assert predicate()


def _arrives_within_two_polls(
    capture: ListingCapture, store: WatchStore, reader: StreamReader, interval_s: float, change: Callable[[dict], None]
) -> tuple[dict, dict]:
    """Run a watcher polling ``capture`` every ``interval_s``; once its first poll is on the stream, ``change`` the
    first row and time the row's updated event from the change to its arrival at ``reader``. Answers the first
    row's created event and the updated one, once the arrival is asserted within two poll intervals plus the
    longest read of the list among the polls since the change."""
    reads: list[tuple[float, float]] = []
    fetch = capture.fetch

    def timed_fetch() -> Any:
        started = time.monotonic()
        try:
            return fetch()
        finally:
            reads.append((started, time.monotonic()))

    capture.fetch = timed_fetch
    state = SourceState(capture.name, capture, interval_s)
    stop = threading.Event()
    thread = threading.Thread(target=Watcher({capture.name: state}, store).run, args=(stop,))
    thread.start()
    try:
        _until(lambda: state.last_poll is not None)
        created = list(reader.read(idle_s=10, limit=sum(n for _, n in state.recent)))
        changed_at = time.monotonic()  # the change commits at some point of the call: timed from its start
        change(created[0]["data"]["new"])
        change_s = time.monotonic() - changed_at
        updated = next(e for e in reader.read(idle_s=2 * interval_s + 30) if e["type"].endswith(".updated"))
        latency = time.monotonic() - changed_at
    finally:
        stop.set()
        thread.join()
    read_s = max(end - start for start, end in reads if end >= changed_at)  # the reads that could carry it
    bound = 2 * interval_s + read_s
    assert latency <= bound, (
        f"the change arrived {latency:.2f} s after it was made; two poll intervals of {interval_s} s and the "
        f"list's longest read since the change ({read_s:.2f} s) make {bound:.2f} s (timed from the start of the "
        f"fixture's change, which took {change_s:.2f} s)"
    )
    print(
        f"{capture.name}: arrived {latency:.2f} s after the change began (bound {bound:.2f} s, change {change_s:.2f} s)"
    )
    return created[0], updated


def _browse(runtime, start_at: str, limit: int, max_pages: int = 1):
    return operation_pages(
        lambda query: runtime.call("custmast", "browse_customers", query),
        {"start_at": start_at, "limit": limit},
        "customers",
        max_pages,
        next_field="next_start_at",
        cursor_input="start_at",
    )


def test_a_change_on_the_green_screen_arrives_within_two_poll_intervals(host, make_runtime, store, broker):
    runtime = make_runtime(custmast_config(host))
    sink, reader = broker
    capture = ListingCapture("customers", _browse(runtime, "C-00020", 5), ["custmast_no"], store, sink)
    new = {"street": "Hafenstraße 7", "city": "Bremerhaven", "postcode": "27568", "country": "DE"}

    def change(row: dict) -> None:
        assert runtime.call("custmast", "change_address", {"customer": row["customer_id"], **new}).committed

    first, updated = _arrives_within_two_polls(capture, store, reader, 3.0, change)
    assert first["type"].endswith(".created") and updated["subject"] == first["subject"]
    assert updated["data"]["old"] == first["data"]["new"] and updated["data"]["new"]["city"] == "Bremerhaven"


def test_a_list_cut_short_finds_no_deletes_and_a_whole_one_does(host, make_runtime, store):
    runtime = make_runtime(custmast_config(host))
    consumer = Consumer()
    ListingCapture("customers", _browse(runtime, "C-00030", 4), ["custmast_no"], store, consumer).poll()
    third = consumer.events[2].new["custmast_no"]
    ListingCapture("customers", _browse(runtime, third, 2), ["custmast_no"], store, consumer).poll()
    assert [e.kind for e in consumer.events] == ["created"] * 4  # the shorter page is not the whole list
    tail = _browse(runtime, "99", 50, max_pages=3)  # the numbers from 99… to the end of the list: a whole list
    rows, complete = tail()
    assert complete and rows
    ListingCapture("customers", tail, ["custmast_no"], store, consumer).poll()
    kinds = [e.kind for e in consumer.events[4:]]
    assert kinds.count("deleted") == 4 and kinds.count("created") == len(rows)


def test_a_ticket_changed_in_the_helpdesk_arrives_within_two_poll_intervals(
    helpdesk_app, helpdesk_config, make_runtime, store, broker
):
    need_chromium()
    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url))
    fetch = operation_pages(
        lambda query: runtime.call("helpdesk", "search_tickets", query),
        {"customer": tickets()[0].canonical_id, "all_pages": True},
        "tickets",
    )
    sink, reader = broker
    capture = ListingCapture("tickets", fetch, ["ticket_no"], store, sink)

    def change(row: dict) -> None:
        change_ticket(row["ticket_no"], status="C" if row["status"] != "closed" else "O", assigned_to="Q. Agent")

    try:
        first, updated = _arrives_within_two_polls(capture, store, reader, 3.0, change)
    finally:
        forget_ticket_changes()
    assert updated["subject"] == first["subject"] and updated["data"]["old"] == first["data"]["new"]
    assert updated["data"]["new"]["status"] != first["data"]["new"]["status"]
