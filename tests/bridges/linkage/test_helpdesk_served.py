"""HELPDESK's accounts read through its bridge in Chromium, with no crosswalk lookup: what the app shows
per account is its number, the customer's name and, in its tickets' descriptions, the requester's
contact phone when it is on file — exactly what :func:`fixtures.linkage.helpdesk_records` holds for the
linkage tests and benchmark."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest

from bridges.core.config import parse_config
from bridges.core.registry import build_runtime
from bridges.helpdesk.flows import SearchFlow
from bridges.helpdesk.models import GetTicket, SearchTickets
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from fixtures.linkage import helpdesk_records
from fixtures.world import CROSSWALK_PATH
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live

_CONTACT = re.compile(r"tel\. (.+)\.$")
SAMPLE = 30
"""Ticket pages opened; the results list is read for the last half-year's tickets (all 3,841 would be 154
pages of 25, over half a minute in Chromium: the same pages, more of them)."""


def test_the_accounts_names_and_phones_helpdesk_shows_are_what_the_records_hold():
    need_chromium()
    records = {r.id: r for r in helpdesk_records()}
    with start_app(port=0) as app:
        entry = {
            "options": {"base_url": app.entry_url, "max_pages": 200},
            "guard": {"deadline_s": 60},
            "secrets": {"password": {"env": "UNSET_HELPDESK_PW", "default": DEMO_PASSWORD}},
        }
        # The bridge needs a crosswalk to be built; the search below never consults it.
        runtime = build_runtime(parse_config({"crosswalk": str(CROSSWALK_PATH), "bridges": {"helpdesk": entry}}))
        try:
            bridge = runtime.bridges["helpdesk"].bridge
            # A search with no account lists every customer's tickets: the account and the name on each row.
            flow = SearchFlow("", lambda _account: None, max_pages=200)
            half_year = {"opened_from": dt.date(2005, 7, 1), "opened_to": dt.date(2005, 12, 31)}
            listed = bridge.run(flow, SearchTickets(customer="C-00001", all_pages=True, **half_year))
            names: dict[str, set[str]] = defaultdict(set)
            for row in listed.tickets:
                names[row.account].add(row.customer_name)
            assert not listed.truncated and listed.total == len(listed.tickets)
            assert len(names) > 100 and all(shown == {records[account].name} for account, shown in names.items())
            phones: dict[str, set[str]] = defaultdict(set)
            for row in listed.tickets[:SAMPLE]:
                ticket = bridge.get_ticket(GetTicket(ticket_no=row.ticket_no))
                assert ticket.customer_name == records[ticket.account].name
                for line in ticket.description.splitlines():
                    if found := _CONTACT.search(line):
                        phones[ticket.account].add(found.group(1))
            assert phones and all(seen <= set(records[a].phones) for a, seen in phones.items())
        finally:
            runtime.close()
