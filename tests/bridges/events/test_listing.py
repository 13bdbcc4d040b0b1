"""Screens and web pages snapshot-diffed: the CUSTMAST browse on the demo TN3270 host and a HELPDESK
ticket search in the demo web app, read through each bridge's own pool and guard, become created,
updated and deleted events; an address changed on the green screen and a ticket changed by its agent
arrive at the next poll."""

from __future__ import annotations

import pytest

from bridges.events.listing import ListingCapture, operation_pages
from bridges.events.store import WatchStore
from fixtures.helpdesk.data import change_ticket, forget_ticket_changes, tickets
from tests.bridges.custmast.conftest import custmast_config
from tests.bridges.events.harness import Consumer
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live


@pytest.fixture
def store(tmp_path):
    s = WatchStore(f"sqlite:///{tmp_path / 'watch.db'}")
    yield s
    s.close()


def _browse(runtime, start_at: str, limit: int, max_pages: int = 1):
    return operation_pages(
        lambda query: runtime.call("custmast", "browse_customers", query),
        {"start_at": start_at, "limit": limit},
        "customers",
        max_pages,
        next_field="next_start_at",
        cursor_input="start_at",
    )


def test_a_change_on_the_green_screen_arrives_at_the_next_poll(host, make_runtime, store):
    runtime = make_runtime(custmast_config(host))
    consumer = Consumer()
    capture = ListingCapture("customers", _browse(runtime, "C-00020", 5), ["custmast_no"], store, consumer)
    capture.poll()
    assert [e.kind for e in consumer.events] == ["created"] * 5
    first = consumer.events[0].new
    capture.poll()
    assert len(consumer.events) == 5  # nothing changed, nothing published
    new = {"street": "Hafenstraße 7", "city": "Bremerhaven", "postcode": "27568", "country": "DE"}
    assert runtime.call("custmast", "change_address", {"customer": first["customer_id"], **new}).committed
    capture.poll()
    (updated,) = consumer.events[5:]
    assert updated.kind == "updated" and updated.key == consumer.events[0].key
    assert updated.old == first and updated.new["city"] == "Bremerhaven"


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


def test_a_ticket_changed_in_the_helpdesk_arrives_at_the_next_poll(
    helpdesk_app,
    helpdesk_config,
    make_runtime,
    store,
):
    need_chromium()
    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url))
    customer = tickets()[0].canonical_id
    fetch = operation_pages(
        lambda query: runtime.call("helpdesk", "search_tickets", query),
        {"customer": customer, "all_pages": True},
        "tickets",
    )
    consumer = Consumer()
    capture = ListingCapture("tickets", fetch, ["ticket_no"], store, consumer)
    capture.poll()
    seen = len(consumer.events)
    assert seen and {e.kind for e in consumer.events} == {"created"}
    target = consumer.events[0].new
    try:
        change_ticket(target["ticket_no"], status="C" if target["status"] != "closed" else "O", assigned_to="Q. Agent")
        capture.poll()
    finally:
        forget_ticket_changes()
    (updated,) = consumer.events[seen:]
    assert updated.kind == "updated" and updated.old == target and updated.new["status"] != target["status"]
