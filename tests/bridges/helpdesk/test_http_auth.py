"""HELPDESK behind HTTP Digest (and Basic): the ``login`` option selects the declared login;
the bridge works live, a wrong password is one attempt and a 502 naming the bridge (with many
callers at once: tests/bridges/helpdesk/test_login_refused.py), and a recording replays with the
app stopped. No Authorization value reaches the cassette."""

from __future__ import annotations

import pytest

from bridges.core.cassette import load_envelope
from bridges.core.errors import LoginRefused, NotFound
from fixtures.helpdesk import DEMO_PASSWORD, search_tickets, start_app

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

USER = "agent1"
WRONG = "Wr0ng-Digest'\"<>"


def _session(runtime) -> list[object]:
    expected = search_tickets("ACC/E-10007")
    first = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
    assert first.total == len(expected) and [t.ticket_no for t in first.tickets] == [t.number for t in expected[:25]]
    second = runtime.call("helpdesk", "search_tickets", {"customer": "C-00001", "page": 2})
    ticket = runtime.call("helpdesk", "get_ticket", {"ticket_no": expected[0].number})
    assert ticket.customer_name == expected[0].customer_name
    with pytest.raises(NotFound):
        runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-1999-000001"})
    return [first, second, ticket]


@pytest.mark.parametrize("scheme", ["digest", "basic"])
def test_live_behind_http_authentication(scheme, helpdesk_config, make_runtime):
    with start_app(auth=scheme) as app:
        runtime = make_runtime(helpdesk_config(app.entry_url, login=scheme))
        _session(runtime)
        assert app.auth_failures(USER) == 0 and app.login_attempts(USER) == 0  # no form was posted


@pytest.mark.parametrize("mode", ["live", "record"])
def test_a_wrong_basic_password_is_refused_once(mode, helpdesk_config, make_runtime, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_TEST_PASSWORD", WRONG)
    cassette = {"path": str(tmp_path / "basic.yaml"), "mode": "once"} if mode == "record" else None
    with start_app(auth="basic") as app:
        runtime = make_runtime(helpdesk_config(app.entry_url, login="basic", cassette=cassette))
        for _ in range(5):
            with pytest.raises(LoginRefused) as err:
                runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-2005-003811"})
        assert app.auth_failures(USER) == 1 and err.value.status == 502
    runtime.close()
    assert not (tmp_path / "basic.yaml").exists()  # a recording of refusals is never the cassette


def test_digest_records_and_replays_with_the_app_stopped(helpdesk_config, make_runtime, tmp_path):
    tape = tmp_path / "digest.yaml"
    with start_app(auth="digest") as app:
        recording = make_runtime(helpdesk_config(app.entry_url, login="digest",
                                                 cassette={"path": str(tape), "mode": "once"}))
        recorded = _session(recording)
        recording.close()
        url = app.entry_url
        assert app.auth_failures(USER) == 0
    # the app is stopped: its URL answers nothing, so only the cassette can
    replay = make_runtime(helpdesk_config(url, login="digest", cassette={"path": str(tape), "mode": "none"}))
    assert _session(replay) == recorded
    assert replay.readiness()["helpdesk"]["cassette_remaining"] == 0
    text = tape.read_text(encoding="utf-8")
    interactions = load_envelope(tape).interactions
    challenges = [h["value"] for i in interactions for h in i.response["headers"] if h["name"] == "WWW-Authenticate"]
    assert challenges and all(c.startswith('Digest realm="HelpDesk 2005"') for c in challenges)
    assert sum(1 for i in interactions if i.request.get("_auth") == "digest") >= 4
    assert "authorization:" not in text.lower().replace("www-authenticate", "") and "response=" not in text
    assert DEMO_PASSWORD not in text


def test_a_password_changed_while_serving_is_refused_and_latched(helpdesk_config, make_runtime):
    with start_app(auth="digest") as app:
        runtime = make_runtime(helpdesk_config(app.entry_url, login="digest", guard={"read_retries": 2}))
        runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-2005-003811"})
        app._server.app.config["HTTP_GATE"].users[USER] = "changed-by-the-admins"
        with pytest.raises(LoginRefused) as err:
            runtime.call("helpdesk", "get_ticket", {"ticket_no": "HD-2005-003811"})
        assert err.value.status == 502 and "HTTP 401" in err.value.detail
        seen = app.auth_failures(USER)
        assert 1 <= seen <= 2  # the browser's remembered answer, then at most one fresh one: no retry
        for _ in range(5):
            with pytest.raises(LoginRefused):
                runtime.call("helpdesk", "search_tickets", {"customer": "C-00001"})
        assert app.auth_failures(USER) == seen
        assert runtime.readiness()["helpdesk"]["guard"]["breaker"] == "closed"
