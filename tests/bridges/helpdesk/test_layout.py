"""The changed-layout switch: the bridge extracts the same data through its fallbacks, or
fails naming what it looked for — never wrong data."""

from __future__ import annotations

import pytest

from bridges.core.errors import LayoutChanged
from bridges.helpdesk.pages import parse_results, parse_ticket
from web_scrape import parse_html

RESULTS_V3 = """<html><body><table><tr><td><font size="1">Tickets 1 to 1 of 1</font></td></tr><tr><td>
<table border="1"><tr><th>Nummer</th><th>Datum</th><th>Konto</th><th>Kunde</th><th>Betreff</th><th>Status</th>
<th>Pri</th></tr><tr><td>HD-2005-004711</td><td>27/12/2005</td><td>ACC/E-10007</td><td>X</td><td>Y</td>
<td>OPEN</td><td>2</td></tr></table></td></tr></table></body></html>"""
TICKET_V3 = """<html><body><table><tr><td><b>Nummer:</b></td><td>HD-2005-004711</td></tr></table></body></html>"""


@pytest.mark.live
@pytest.mark.timeout(180)
def test_the_v2_layout_gives_the_same_data(live, faults):
    classic_page = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2})
    number = classic_page.tickets[0].ticket_no
    classic_ticket = live.call("helpdesk", "get_ticket", {"ticket_no": number})
    faults.layout = "v2"
    assert live.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2}) == classic_page
    assert live.call("helpdesk", "get_ticket", {"ticket_no": number}) == classic_ticket
    everything = live.call("helpdesk", "search_tickets", {"customer": "C-00001", "all_pages": True})
    assert everything.total == len(everything.tickets) > 50


@pytest.mark.unit
def test_an_unknown_layout_fails_naming_the_selector():
    with pytest.raises(LayoutChanged) as err:
        parse_results(parse_html(RESULTS_V3))
    assert err.value.status == 502 and "results table" in err.value.detail and "'Ticket No.'" in err.value.detail
    with pytest.raises(LayoutChanged) as err:
        parse_ticket(parse_html(TICKET_V3), "HD-2005-004711")
    assert "'ticket no.'" in err.value.detail and err.value.context["selector"] == "label=ticket no."
