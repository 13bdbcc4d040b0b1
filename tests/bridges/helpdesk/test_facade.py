"""The helpdesk bridge behind the real facade over HTTP: typed JSON, problem+json errors."""

from __future__ import annotations

import threading

import httpx
import pytest

from facade_app import create_app
from facade_app.server import make_dev_server
from fixtures.helpdesk import search_tickets
from tests.bridges.helpdesk.conftest import API_KEY, REPLAY_BASE_URL

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]


def _serve(app):
    server = make_dev_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def base_url(helpdesk_app, helpdesk_config):
    from web_scrape.testing import need_chromium

    need_chromium()
    config = helpdesk_config(
        helpdesk_app.entry_url,
        api_keys=[{"name": "t", "key": {"env": "HELPDESK_TEST_KEY", "default": API_KEY}, "scopes": ["helpdesk:read"]}],
    )
    app = create_app(config)
    server = _serve(app)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    app.extensions["legacy_bridges"]["runtime"].close()


def _client(base_url):
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)


def test_search_and_ticket_over_http(base_url):
    expected = search_tickets("ACC/E-10007")
    with _client(base_url) as http:
        page = http.get("/v1/helpdesk/search_tickets", params={"customer": "C-00001", "status": "resolved"})
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["customer_id"] == "C-00001" and body["tickets"][0]["status"] == "resolved"
        assert body["tickets"][0]["opened"][4] == "-"  # ISO dates
        ticket = http.get("/v1/helpdesk/get_ticket", params={"ticket_no": expected[0].number})
        assert ticket.status_code == 200 and ticket.json()["customer_id"] == "C-00001"
        missing = http.get("/v1/helpdesk/get_ticket", params={"ticket_no": "HD-1999-000001"})
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        bad = http.get("/v1/helpdesk/search_tickets", params={"customer": "C-00001'\n--"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "customer"


def test_the_500_page_is_a_502_problem_with_an_artifact_reference(base_url, faults):
    faults.error_every = 1
    with _client(base_url) as http:
        response = http.get("/v1/helpdesk/search_tickets", params={"customer": "C-00002"})
    faults.error_every = 0
    assert response.status_code == 502 and response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/legacy-error") and problem["artifact"].startswith("helpdesk-")
    assert "hd-Pass" not in response.text and "PHPSESSID" not in response.text


def test_replay_mode_serves_the_same_api(helpdesk_config):
    from tests.bridges.helpdesk.conftest import CASSETTES
    from web_scrape.testing import need_chromium

    need_chromium()
    config = helpdesk_config(
        REPLAY_BASE_URL, cassette={"path": str(CASSETTES / "session.yaml"), "mode": "none"},
        api_keys=[{"name": "t", "key": {"env": "HELPDESK_TEST_KEY", "default": API_KEY},
                   "scopes": ["helpdesk:*", "ops"]}],
    )
    app = create_app(config)
    server = _serve(app)
    try:
        with _client(f"http://127.0.0.1:{server.server_port}") as http:
            page = http.get("/v1/helpdesk/search_tickets", params={"customer": "C-00001"})
            assert page.status_code == 200, page.text
            assert page.json()["total"] == len(search_tickets("ACC/E-10007"))
            ready = http.get("/readyz/helpdesk")  # the client sends the key: ops sees details
            assert ready.json()["status"] in ("ok", "failing") and "guard" in ready.json(), ready.text
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["legacy_bridges"]["runtime"].close()
