"""The replay tier: real Chromium answering from the committed HAR cassette, no app running.

Re-record against the live app with ``HELPDESK_RECORD=1`` (the same test then records,
checks the live answers, and writes ``fixtures/cassettes/helpdesk/session.yaml``).
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import date

import pytest

from bridges.core.errors import LegacyError, NotFound
from fixtures.helpdesk import search_tickets
from tests.bridges.helpdesk.conftest import CASSETTES, REPLAY_BASE_URL

pytestmark = [pytest.mark.timeout(180)]

CASSETTE = CASSETTES / "session.yaml"
RECORDING = os.environ.get("HELPDESK_RECORD") == "1"


def _numbers(page) -> list[str]:
    return [t.ticket_no for t in page.tickets]


def _scenario(runtime, break_app=nullcontext) -> None:
    """One recorded session: searches, pages, a ticket, an unknown ticket, an error page."""
    expected = search_tickets("ACC/E-10007")
    first = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
    assert first.total == len(expected) and _numbers(first) == [t.number for t in expected[:25]]
    assert first.tickets[0].customer_id == "C-00001"
    second = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2})
    assert _numbers(second) == [t.number for t in expected[25:50]]
    resolved = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "status": "resolved",
                                                           "opened_from": "2004-01-01"})
    assert resolved.total == len(search_tickets("ACC/E-10007", "R", date(2004, 1, 1)))
    ticket = runtime.call("helpdesk", "get_ticket", {"ticket_no": expected[0].number})
    assert ticket.ticket_no == expected[0].number and ticket.customer_name == expected[0].customer_name
    with pytest.raises(NotFound):
        runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-1999-000001"})
    with break_app(), pytest.raises(LegacyError) as err:
        runtime.call("helpdesk", "get_ticket", {"ticket_no": expected[1].number})
    assert err.value.status == 502 and err.value.context["artifact"]
    again = runtime.call("helpdesk", "get_ticket", {"ticket_no": expected[1].number})
    assert again.ticket_no == expected[1].number


def _record(request, helpdesk_config, make_runtime) -> None:
    helpdesk_app = request.getfixturevalue("helpdesk_app")
    faults = request.getfixturevalue("faults")

    class _Broken:
        def __enter__(self):
            faults.error_every = 1

        def __exit__(self, *exc):
            faults.error_every = 0

    runtime = make_runtime(helpdesk_config(helpdesk_app.entry_url, cassette={"path": str(CASSETTE), "mode": "all"}))
    _scenario(runtime, _Broken)
    runtime.close()  # writes the cassette


@pytest.mark.replay
def test_replay_the_session_with_no_app(request, helpdesk_config, make_runtime):
    if RECORDING:
        _record(request, helpdesk_config, make_runtime)
    runtime = make_runtime(helpdesk_config(REPLAY_BASE_URL, cassette={"path": str(CASSETTE), "mode": "none"}))
    assert runtime.readiness()["helpdesk"]["mode"] == "replay"
    _scenario(runtime)
    assert runtime.readiness()["helpdesk"]["cassette_remaining"] == 0
