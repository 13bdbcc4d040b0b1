"""A bridge written on :class:`web_scrape.WebBridge` gets the transport's login safety and cassettes for free."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridges.core import registry
from bridges.core.config import parse_config
from bridges.core.errors import LoginRefused
from fixtures.helpdesk import DEMO_PASSWORD, start_app
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

KIT = Path(__file__).with_name("kit_web.py")
TICKET = "HD-2005-003811"


@pytest.fixture(autouse=True)
def tickets(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "tickets", "tests.web_scrape.kit_web:TicketsBridge")


@pytest.fixture(scope="module")
def app():
    with start_app(port=0) as running:
        yield running


@pytest.fixture
def make_runtime(tmp_path):
    need_chromium()
    built = []

    def build(config):
        built.append(registry.build_runtime(config))
        return built[-1]

    yield build
    for runtime in built:
        runtime.close()


def _config(base_url, tmp_path, password=DEMO_PASSWORD, **entry):
    data = {"bridges": {"tickets": {
        "secrets": {"password": {"env": "TICKETS_TEST_PW", "default": password}},
        "options": {"base_url": base_url, "user": "agent2", "artifacts_dir": str(tmp_path / "artifacts")},
        "guard": {"read_retries": 2}, **entry}}}
    return parse_config(data, base_dir=tmp_path)


def test_a_new_web_bridge_is_only_declarations_and_records_and_replays(app, make_runtime, tmp_path):
    text = KIT.read_text(encoding="utf-8")
    assert "BrowserPort" not in text and "Cassette" not in text and "Credential" not in text
    live = make_runtime(_config(app.entry_url, tmp_path))
    subject = live.call("tickets", "subject", {"ticket_no": TICKET}).subject
    assert subject

    tape = tmp_path / "tickets.yaml"
    recording = make_runtime(_config(app.entry_url, tmp_path, cassette={"path": str(tape), "mode": "once"}))
    assert recording.call("tickets", "subject", {"ticket_no": TICKET}).subject == subject
    recording.close()
    assert tape.exists() and DEMO_PASSWORD not in tape.read_text(encoding="utf-8")
    replay = make_runtime(_config("http://tickets.invalid/helpdesk/", tmp_path,
                                  cassette={"path": str(tape), "mode": "none"}))
    assert replay.call("tickets", "subject", {"ticket_no": TICKET}).subject == subject


def test_its_wrong_password_costs_one_login(app, make_runtime, tmp_path):
    before = app.login_attempts("agent2")
    runtime = make_runtime(_config(app.entry_url, tmp_path, password="nope-nope"))
    for _ in range(10):
        with pytest.raises(LoginRefused) as err:
            runtime.call("tickets", "subject", {"ticket_no": TICKET})
    assert app.login_attempts("agent2") == before + 1 and err.value.context["bridge"] == "tickets"
