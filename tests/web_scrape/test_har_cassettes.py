"""HAR cassettes: recorded through Playwright with secrets as placeholders, replayed in
order per request (a page that changes after a POST replays right), a miss fails at once."""

from __future__ import annotations

import pytest

from bridges.core.cassette import CassetteSettings, load_envelope
from bridges.core.errors import CassetteMiss

pytestmark = [pytest.mark.timeout(120)]

REPLAY_URL = "http://toy.invalid/"  # nothing answers there: only the cassette can


def _session(port, toy) -> list[int]:
    return [toy.run(port, toy.ReadCount()).count, toy.run(port, toy.Bump()).count,
            toy.run(port, toy.Bump()).count, toy.run(port, toy.ReadCount()).count]


@pytest.fixture(scope="module")
def recorded(toy_app, make_module_port, tmp_path_factory, toy):
    path = tmp_path_factory.mktemp("har") / "toy.yaml"
    port = make_module_port(toy_app.url, cassette=CassetteSettings(path=path, mode="all"))
    counts = _session(port, toy)
    port.close()
    return path, counts


@pytest.mark.live
def test_a_recording_holds_no_password_cookie_or_token(recorded, toy_app, toy):
    path, counts = recorded
    assert counts[1] == counts[0] + 1 and counts[3] == counts[2] == counts[0] + 2
    text = path.read_text(encoding="utf-8")
    envelope = load_envelope(path)
    assert envelope.transport == "browser" and envelope.system == "toy"
    methods = [(i.request["method"], i.request["url"]) for i in envelope.interactions]
    assert ("POST", "<<ORIGIN>>/login") in methods and ("POST", "<<ORIGIN>>/bump") in methods
    assert toy.PASSWORD not in text and "s3cr%26t" not in text
    leaked = [value for value in toy_app.issued if value in text]
    assert not leaked, "cookie values or CSRF tokens in clear"
    assert "<<PASSWORD>>" in text and "<<COOKIE_1>>" in text and "<<CSRF_1>>" in text


@pytest.mark.replay
def test_replay_answers_in_order_with_no_app(recorded, make_port, toy):
    path, counts = recorded
    port = make_port(REPLAY_URL, cassette=CassetteSettings(path=path, mode="none"))
    assert port.mode == "replay"
    assert _session(port, toy) == counts
    assert port.status()["cassette_remaining"] == 0


@pytest.mark.replay
def test_a_request_missing_from_the_cassette_fails_at_once_naming_it(recorded, make_port, toy):
    path, _ = recorded
    port = make_port(REPLAY_URL, cassette=CassetteSettings(path=path, mode="none"))
    toy.run(port, toy.ReadCount())
    with pytest.raises(CassetteMiss) as err:
        toy.run(port, toy.ReadCount(), deadline_s=20, path="not-recorded")
    assert "GET http://toy.invalid/not-recorded" in err.value.detail
