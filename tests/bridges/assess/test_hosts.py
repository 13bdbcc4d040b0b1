"""Assessing the CUSTMAST demo host and the HELPDESK demo app: what they are, what the declared
walk or login shows, and proof that nothing but the declared sign-on and walk was typed and
nothing was written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridges.assess import HostTarget, WebTarget
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from mainframe import TN3270Settings
from mainframe.testing import demo_host, need_s3270
from web_scrape import WebSettings
from web_scrape.testing import need_chromium

pytestmark = pytest.mark.live

WALK = Path(__file__).resolve().parents[3] / "fixtures" / "custmast" / "discover-walk.txt"
HOST_PASSWORD = "Dem0-Pass"  # the demo host's published password


@pytest.fixture
def host() -> Iterator[Any]:
    need_s3270()
    with demo_host(codepage="cp037") as running:
        yield running


def _customer_file(host: Any) -> list[tuple[Any, int]]:
    files = host.server.files
    return [(c, files.get(c.custmast_no)[1]) for c in files.page(0, len(files))]


def test_a_host_is_signed_on_once_and_only_the_declared_fields_are_typed(host):
    before = _customer_file(host)
    settings = TN3270Settings(host=host.host, port=host.port, user="DEMO01")
    found = HostTarget.with_walk_file("custmast", settings, HOST_PASSWORD, WALK).assess()
    probe, walk = found["probe"], found["walk"]
    assert (probe["reachable"], probe["tls"], probe["tn3270e"]) == (True, False, True)
    assert walk["sign_on"] == "screen with a non-display password field"
    assert [s["name"] for s in walk["screens"]] == ["SignOn", "MainMenu", "CustomerInquiry"]
    assert walk["typed_fields"] == [
        "SignOn.user_id",
        "SignOn.password",
        "MainMenu.selection",
        "CustomerInquiry.customer_no",
    ]
    inquiry = next(s for s in walk["screens"] if s["name"] == "CustomerInquiry")
    customer_no = next(f for f in inquiry["fields"] if f["name"] == "customer_no")
    assert (customer_no["kind"], customer_no["length"]) == ("input", 8)
    assert walk["round_trips"] == 5 and set(walk["response_ms"]) == {"p50", "p95", "max"}
    personal = {(f["screen"], f["field"]) for f in found["personal_fields"]}
    assert {("CustomerInquiry", "name"), ("CustomerInquiry", "street"), ("CustomerInquiry", "city")} <= personal
    assert _customer_file(host) == before  # nothing written
    assert host.server.directory.attempts("DEMO01") == 1  # one sign-on, never retried
    assert HOST_PASSWORD not in str(found)


def test_a_host_at_its_session_limit_says_so_and_nothing_is_typed():
    need_s3270()
    with demo_host(codepage="cp037", max_sessions=0) as busy:
        settings = TN3270Settings(host=busy.host, port=busy.port, user="DEMO01")
        found = HostTarget.with_walk_file("custmast", settings, HOST_PASSWORD, WALK).assess()
        assert found["session_limit"] == "CM099E SYSTEM BUSY - MAXIMUM SESSIONS REACHED - TRY LATER"
        assert found["error"].endswith(f"(the host says: {found['session_limit']})") and "walk" not in found
        assert busy.server.directory.attempts("DEMO01") == 0  # no sign-on typed into the busy screen


def test_an_unreachable_host_or_app_is_reported():
    settings = TN3270Settings(host="127.0.0.1", port=1, user="DEMO01")
    found = HostTarget("custmast", settings, HOST_PASSWORD).assess()
    assert found["probe"]["reachable"] is False and "cannot connect" in found["error"]
    with start_app() as app:  # a web server where a TN3270 host was expected: said so, no sign-on tried
        settings = TN3270Settings(host=app.host, port=app.port, user="DEMO01")
        found = HostTarget("custmast", settings, HOST_PASSWORD).assess()
        assert found["probe"]["reachable"] is True and found["error"].endswith("is it a TN3270 host?")
    web = WebTarget("helpdesk", WebSettings(base_url="http://127.0.0.1:1/helpdesk/", user="agent1")).assess()
    assert web["probe"]["reachable"] is False and "does not answer" in web["error"]


def test_a_url_that_answers_404_is_an_error_before_any_login():
    with start_app() as app:
        settings = WebSettings(base_url=app.entry_url.replace("/helpdesk/", "/nothing/"), user="agent1")
        found = WebTarget("helpdesk", settings, DEMO_PASSWORD).assess()
        assert found["error"].endswith("/nothing/ answered HTTP 404: check the URL (and --start)")
        assert "pages" not in found and app.login_attempts("agent1") == 0  # no browser opened, no login tried


@pytest.mark.parametrize("auth", ["form", "digest"])
def test_a_web_app_is_logged_in_to_once_and_no_form_is_submitted(auth):
    from flask import request, request_started

    need_chromium()
    asked: list[tuple[str, str]] = []

    def seen(_sender: Any, **_: Any) -> None:
        asked.append((request.method, request.path.rsplit("/", 1)[-1]))

    with start_app(auth=auth) as app:
        settings = WebSettings(base_url=app.entry_url, user="agent1")
        request_started.connect(seen)
        try:
            found = WebTarget("helpdesk", settings, DEMO_PASSWORD).assess()
        finally:
            request_started.disconnect(seen)
        # Nothing written: every request a read, but the one login form post.
        posts = [(method, path) for method, path in asked if method not in {"GET", "HEAD"}]
        assert posts == ([("POST", "login.php")] if auth == "form" else []) and len(asked) > 5
        probe = found["probe"]
        assert probe["login"] == auth
        [start] = probe["pages"]
        assert start["encoding"] == "iso-8859-1" and start["layout_stable"] and not start["needs_javascript"]
        if auth == "form":
            assert probe["csrf_field"] == "csrf_token"
            assert probe["session_cookies"] == [{"name": "PHPSESSID", "httponly": True, "secure": False}]
            assert probe["session_kept"] is True  # the anonymous session survives the second fetch
            assert app.login_attempts("agent1") == 1
        else:
            assert app.auth_failures("agent1") == 0
        pages = [p["url"].rsplit("/", 1)[-1] for p in found["pages"]]
        assert pages == ["index.php", "nav.php", "search.php"]  # the start page's frames; no search submitted
        assert DEMO_PASSWORD not in str(found)
