"""A refused login (the form or HTTP Digest) costs the app one attempt per port; input the helpdesk refuses
is the caller's 422."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridges.core.errors import InvalidInput, LoginRefused
from bridges.core.testing import wait_until
from fixtures.helpdesk import DEMO_PASSWORD, start_app

pytestmark = [pytest.mark.fault, pytest.mark.live, pytest.mark.timeout(120)]

USER = "agent1"
WRONG = "Wr0ng-Pass'\"<>"


@pytest.fixture
def app():
    with start_app(port=0, users={USER: DEMO_PASSWORD}) as running:
        yield running


@pytest.mark.parametrize(("login", "refusal"), [("form", "refused the login of agent1"), ("digest", "HTTP 401")])
def test_a_wrong_password_is_one_login_attempt_and_a_502_naming_the_bridge(login, refusal, helpdesk_config,
                                                                           make_runtime, monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_PASSWORD", WRONG)
    with start_app(auth=login) as app:
        attempts = app.login_attempts if login == "form" else app.auth_failures  # form posts, or wrong answers
        runtime = make_runtime(helpdesk_config(app.entry_url, login=login, browsers=2,
                                               guard={"read_retries": 2, "breaker_fail_max": 2}))
        stop = threading.Event()
        errors: list[LoginRefused] = []

        def caller(customer: str) -> None:
            while not stop.is_set():
                with pytest.raises(LoginRefused) as err:
                    runtime.call("helpdesk", "search_tickets", {"customer": customer})
                errors.append(err.value)
                stop.wait(0.02)  # pacing, not synchronisation

        with ThreadPoolExecutor(4) as workers:  # two browsers, four callers at once
            futures = [workers.submit(caller, f"C-0000{n}") for n in range(1, 5)]
            assert wait_until(lambda: len(errors) >= 60, timeout=60)
            stop.set()
            for future in futures:
                future.result()
        assert attempts(USER) == 1
        problem = errors[-1].to_problem()
        assert problem["status"] == 502 and problem["type"] == "/problems/login-refused"
        assert problem["bridge"] == "helpdesk" and refusal in problem["detail"]
        assert "Wr0ng" not in str(problem) and "cannot be reached" not in problem["detail"]
        assert runtime.readiness()["helpdesk"]["guard"]["breaker"] == "closed"

        runtime.reset("helpdesk")  # an operator's reset: one more attempt
        for _ in range(3):
            with pytest.raises(LoginRefused):
                runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-2005-003811"})
        assert attempts(USER) == 2


def test_dates_the_helpdesk_refuses_are_the_callers_422_and_never_open_the_breaker(app, helpdesk_config,
                                                                                   make_runtime, monkeypatch):
    from bridges.helpdesk import flows

    # Every schema-valid date now goes out as a DD/MM/YYYY the helpdesk takes (see the next test), so the
    # form is made to carry one it refuses, as a helpdesk with stricter rules would.
    monkeypatch.setattr(flows, "_day_month_year", lambda day: "31/02/2005" if day else "")
    runtime = make_runtime(helpdesk_config(app.entry_url, guard={"breaker_fail_max": 2}))
    for _ in range(5):  # one key sends dates the helpdesk cannot take …
        with pytest.raises(InvalidInput) as err:
            runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "opened_from": "2005-01-01"})
        assert err.value.status == 422 and {e["field"] for e in err.value.context["errors"]} >= {"opened_from"}
    assert runtime.readiness()["helpdesk"]["guard"]["breaker"] == "closed"
    # … and every other caller is still served.
    assert runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"}).total > 0


def test_a_year_before_1000_goes_out_with_four_digits_and_is_searched(app, helpdesk_config, make_runtime):
    """Schema-valid dates are not refused: strftime writes year 999 as ``999``, the form wants ``0999``."""
    runtime = make_runtime(helpdesk_config(app.entry_url))
    page = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "opened_to": "0999-01-01"})
    assert page.total == 0 and page.tickets == []
