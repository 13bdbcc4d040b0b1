"""Discovery against the HELPDESK app in real Chromium: behind its login form (CSRF) and behind
HTTP Digest, the login is found, the search form submitted once with its defaults, and its
results table planned as an operation; a refused login is one attempt and names the user."""

from __future__ import annotations

import pytest

from bridges.core.errors import LoginRefused
from fixtures.helpdesk import DEMO_PASSWORD, search_tickets, start_app, ticket_by_number
from web_scrape.discover_capture import DiscoverSettings, discover
from web_scrape.discover_source import bridge_source
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

HEADERS = ["Ticket No.", "Opened", "Account", "Customer", "Subject", "Status", "Pri"]


@pytest.fixture(scope="module")
def form_app():
    need_chromium()
    with start_app(port=0) as app:
        yield app


def _check_search(plan) -> None:
    (search,) = plan.searches
    assert (search.op, search.page_path, search.form.name, search.next_link) == (
        "search",
        "search.php",
        "searchform",
        "Next >>",
    )
    assert [c.header for c in search.columns] == HEADERS
    assert [i.attr for i in search.inputs] == ["account_no", "status", "opened_from", "opened_to"]
    (value,) = search.example.values()
    assert search_tickets(value), "the example is an account the helpdesk knows"
    assert plan.title == "HelpDesk 2005"
    (detail,) = plan.details  # the Ticket No. column links to ticket.php?id=…
    assert (detail.op, detail.path, detail.param, detail.attr) == ("get_ticket", "ticket.php", "id", "ticket_no")
    assert [label for _, label in detail.fields][:3] == ["ticket no.", "account", "customer"]
    assert ticket_by_number(detail.example) is not None


def test_behind_the_login_form_the_login_and_the_search_are_discovered(form_app):
    before = form_app.login_attempts("agent1")
    plan = discover(DiscoverSettings(base_url=form_app.entry_url, user="agent1"), DEMO_PASSWORD, name="desk")
    assert (plan.login.kind, plan.login.path) == ("form", "login.php")  # where index.php's form posts
    assert form_app.login_attempts("agent1") == before + 1
    _check_search(plan)
    assert {"login.php", "index.php", "nav.php", "search.php", "results.php"} <= set(plan.pages)
    assert DEMO_PASSWORD not in bridge_source(plan)


def test_a_refused_form_login_is_one_attempt_and_says_so(form_app):
    before = form_app.login_attempts("agent2")
    with pytest.raises(LoginRefused) as err:
        discover(DiscoverSettings(base_url=form_app.entry_url, user="agent2"), "Wr0ng-pass", name="desk")
    assert "refused the login of agent2" in err.value.detail and "Wr0ng" not in err.value.detail
    assert form_app.login_attempts("agent2") == before + 1


def test_without_submitting_no_operation_is_planned(form_app):
    settings = DiscoverSettings(base_url=form_app.entry_url, user="agent1", start=["search.php"], submit_searches=False)
    plan = discover(settings, DEMO_PASSWORD, name="desk")
    assert plan.searches == [] and "results.php" not in plan.pages


def test_behind_http_digest_the_scheme_is_found_and_no_form_is_posted():
    need_chromium()
    with start_app(auth="digest") as app:
        plan = discover(DiscoverSettings(base_url=app.entry_url, user="agent1"), DEMO_PASSWORD, name="desk")
        assert (plan.login.kind, plan.login.path) == ("digest", "")
        assert app.auth_failures("agent1") == 0 and app.login_attempts("agent1") == 0
        _check_search(plan)
        with pytest.raises(LoginRefused) as err:
            discover(DiscoverSettings(base_url=app.entry_url, user="agent3", login="digest"), "Wr0ng", name="d")
        assert "HTTP 401" in err.value.detail and "Wr0ng" not in err.value.detail
        assert app.auth_failures("agent3") == 1
