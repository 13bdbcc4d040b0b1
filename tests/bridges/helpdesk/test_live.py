"""The helpdesk bridge live: real Chromium ↔ the HELPDESK app, checked against the app's data."""

from __future__ import annotations

import math
from datetime import date

import pytest

from bridges.core.conformance import assert_conformant
from bridges.core.errors import NotFound
from bridges.helpdesk import HelpdeskBridge
from fixtures.helpdesk import search_tickets, ticket_by_number

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

STATUS = {"O": "open", "P": "pending", "W": "waiting_on_customer", "R": "resolved", "C": "closed"}
PRIORITY = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
ACCOUNT_C1 = "ACC/E-10007"


def _expected_row(ticket) -> dict:
    return {"ticket_no": ticket.number, "opened": ticket.opened.date(), "customer_id": ticket.canonical_id,
            "account": ticket.account, "customer_name": ticket.customer_name, "subject": ticket.subject.strip(),
            "status": STATUS[ticket.status], "priority": PRIORITY[ticket.priority]}


def _rows(page) -> list[dict]:
    return [row.model_dump() for row in page.tickets]


def test_search_pages_match_the_apps_data(live):
    expected = search_tickets(ACCOUNT_C1)
    first = live.call("helpdesk", "search_tickets", {"customer": "C-00001"})
    assert first.total == len(expected) > 50
    assert first.pages == math.ceil(len(expected) / 25)
    assert _rows(first) == [_expected_row(t) for t in expected[:25]]
    second = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2})
    assert _rows(second) == [_expected_row(t) for t in expected[25:50]]
    past = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": first.pages + 1})
    assert past.tickets == [] and past.total == len(expected)


def test_every_customers_tickets_are_listed_a_few_pages_a_call(live):
    expected = search_tickets()
    pages = math.ceil(len(expected) / 25)
    second = live.call("helpdesk", "list_tickets", {"page": 3, "pages": 2})
    assert (second.total, second.pages, second.next_page) == (len(expected), pages, 5)
    assert _rows(second) == [_expected_row(t) for t in expected[50:100]]
    last = live.call("helpdesk", "list_tickets", {"page": pages, "pages": 3})
    assert last.next_page is None and _rows(last) == [_expected_row(t) for t in expected[(pages - 1) * 25 :]]


def test_filters_by_status_and_opened_dates(live):
    expected = search_tickets(ACCOUNT_C1, "R", date(2003, 1, 1), date(2005, 6, 30))
    page = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "status": "resolved",
                                                    "opened_from": "2003-01-01", "opened_to": "2005-06-30"})
    assert page.total == len(expected) and _rows(page) == [_expected_row(t) for t in expected[:25]]


def test_all_pages_walks_the_pagination_up_to_the_limit(live):
    expected = search_tickets(ACCOUNT_C1)
    everything = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "all_pages": True})
    assert not everything.truncated and _rows(everything) == [_expected_row(t) for t in expected]


def test_a_customer_without_tickets_and_one_without_an_account(live):
    from fixtures.world import customers

    with_none = next(c for c in customers() if not search_tickets(c.helpdesk_account))
    empty = live.call("helpdesk", "search_tickets", {"customer": with_none.canonical_id})
    assert empty.total == 0 and empty.tickets == [] and empty.pages == 1
    with pytest.raises(NotFound):
        live.call("helpdesk", "search_tickets", {"customer": "C-99999"})


def test_get_ticket_normalises_dates_enums_and_text(live):
    number = search_tickets(ACCOUNT_C1)[3].number
    ticket = ticket_by_number(number)
    got = live.call("helpdesk", "get_ticket", {"ticket_no": number})
    assert got.ticket_no == number and got.customer_id == "C-00001" and got.account == ACCOUNT_C1
    assert got.customer_name == ticket.customer_name and got.subject == ticket.subject.strip()
    assert got.status == STATUS[ticket.status] and got.priority == PRIORITY[ticket.priority]
    assert got.opened == ticket.opened.replace(second=0, microsecond=0)
    assert got.closed == (ticket.closed.replace(second=0, microsecond=0) if ticket.closed else None)
    assert got.assigned_to == ticket.assigned_to
    assert got.description == "\n".join(line.strip() for line in ticket.description)
    assert [(n.at, n.by, n.note) for n in got.history] == [
        (n.at.replace(second=0, microsecond=0), n.author, n.text.strip()) for n in ticket.notes]


def test_an_unknown_ticket_is_not_found(live):
    with pytest.raises(NotFound) as err:
        live.call("helpdesk", "get_ticket", {"ticket_no": "HD-1999-000001"})
    assert err.value.status == 404 and "HD-1999-000001" in err.value.detail


def test_all_pages_stops_at_the_page_limit_and_says_so(helpdesk_app, helpdesk_config, make_runtime):
    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url, max_pages=2))
    page = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "all_pages": True})
    assert page.truncated and len(page.tickets) == 50 and page.total > 50


def test_every_declared_example_runs_against_the_app(live):
    assert_conformant(HelpdeskBridge)
    for name, op in live.bridges["helpdesk"].operations.items():
        for example in op.examples:
            live.call("helpdesk", name, dict(example.input))


def test_two_browsers_serve_concurrent_calls(helpdesk_app, helpdesk_config, make_runtime):
    from concurrent.futures import ThreadPoolExecutor

    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url, browsers=2))
    customers = ["C-00001", "C-00002", "C-00003", "C-00004", "C-00005", "C-00006"]
    with ThreadPoolExecutor(6) as pool:
        pages = list(pool.map(lambda c: runtime.call("helpdesk", "search_tickets", {"customer": c}), customers))
    assert [p.customer_id for p in pages] == customers
    for page, customer in zip(pages, customers, strict=True):
        account = next(t.account for t in page.tickets) if page.tickets else None
        assert account is None or all(t.account == account and t.customer_id == customer for t in page.tickets)
    status = runtime.readiness()["helpdesk"]
    assert status["browser"]["launches"] == 2 and status["pool"]["sessions"] == 1
