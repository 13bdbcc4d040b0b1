"""Faults of the real app and the real browser: expired sessions, the 500 page, a killed
browser, a page slower than the deadline."""

from __future__ import annotations

import time

import pytest

from bridges.core.errors import DeadlineExceeded, LegacyError, Unavailable
from web_scrape.testing import browser_processes

pytestmark = [pytest.mark.fault, pytest.mark.live, pytest.mark.timeout(180)]


SHORT_DEADLINE_S = 2.0  # for the one call meant to overrun; the others keep the bridge's 10 s


@pytest.fixture
def runtime(helpdesk_app, helpdesk_config, make_runtime):
    return make_runtime(helpdesk_config(helpdesk_app.entry_url))


def _search(runtime, customer="C-00001"):
    return runtime.call("helpdesk", "search_tickets", {"customer": customer})


def test_an_expired_session_is_renewed_transparently(runtime, helpdesk_app, faults):
    before = _search(runtime)
    helpdesk_app.expire_sessions()
    assert _search(runtime) == before
    # Every session expires between calls from now on. The TTL must outlast one login (its form's
    # anonymous session must live from GET to POST, or the app answers 403, a refused login) even on
    # a loaded runner, so it is seconds, not a fraction of one.
    faults.session_ttl = 3.0
    time.sleep(3.3)  # not synchronisation: lets the TTL pass (the app checks it on the next request)
    assert runtime.call("helpdesk", "get_ticket", {"ticket_no": before.tickets[0].ticket_no}).customer_id == "C-00001"
    status = runtime.readiness()["helpdesk"]
    assert status["pool"]["created"] == 1 and status["pool"]["discarded"] == 0


def test_the_500_page_is_a_502_with_a_redacted_artifact(runtime, faults, artifacts_dir):
    _search(runtime)
    faults.error_every = 1
    with pytest.raises(LegacyError) as err:
        _search(runtime)
    problem = err.value.to_problem()
    assert problem["status"] == 502 and "HTTP 500" in problem["detail"]
    reference = problem["artifact"]
    assert (artifacts_dir / f"{reference}.png").exists() and (artifacts_dir / f"{reference}.trace.zip").exists()
    html = (artifacts_dir / f"{reference}.html").read_text(encoding="utf-8")
    assert "mysql_connect" in html
    faults.error_every = 0
    assert _search(runtime).total > 0  # the next call is fine


def test_a_killed_browser_is_replaced_and_the_next_call_succeeds(runtime):
    first = _search(runtime)
    for process in browser_processes():
        process.kill()
    try:
        _search(runtime)
    except Unavailable as exc:  # the call that met the dead browser fails clearly …
        assert exc.status == 503 and "restarted" in exc.detail
    assert _search(runtime) == first  # … and the next one succeeds


def test_a_page_slower_than_the_deadline_is_a_504(runtime, faults):
    _search(runtime)
    faults.latency = 2 * SHORT_DEADLINE_S
    with pytest.raises(DeadlineExceeded) as err:
        runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"}, deadline_s=SHORT_DEADLINE_S)
    assert err.value.status == 504
    faults.latency = 0.0
    assert _search(runtime).total > 0
    assert runtime.readiness()["helpdesk"]["pool"]["discarded"] >= 1  # the timed-out context was not reused


def test_a_helpdesk_that_is_down_is_a_503(helpdesk_config, make_runtime):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runtime = make_runtime(helpdesk_config(f"http://127.0.0.1:{port}/helpdesk/"))
    with pytest.raises(Unavailable) as err:
        _search(runtime)
    assert err.value.status == 503 and "cannot be reached" in err.value.detail
    assert runtime.readiness()["helpdesk"]["status"] == "failing"
