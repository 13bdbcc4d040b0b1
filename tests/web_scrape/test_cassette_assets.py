"""Web cassettes of a page with static assets and background requests: each asset is stored
once per cassette; a background XHR the flow does not need, once declared ignored (and
analytics stubbed), makes no difference to replay — 10 replays of 6 pages on one browser, 0 failures;
undeclared, it is a cassette miss reported at once, never a 30 s wait."""

from __future__ import annotations

import pytest

from bridges.core.cassette import CassetteSettings, load_envelope
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import CassetteMiss
from tests.web_scrape.asset_app import ASSET_RULES, AssetApp, PageNo, ReadHeading
from web_scrape import BrowserPort, Credential, PortSettings
from web_scrape.testing import need_chromium

pytestmark = [pytest.mark.timeout(240)]

PAGES = 6
REPLAY_URL = "http://assets.invalid/"
NOBODY = Credential("nobody", "")


@pytest.fixture(scope="module")
def asset_app():
    app = AssetApp()
    yield app
    app.stop()


def _port(url: str, tape, mode: str, artifacts, rules=ASSET_RULES) -> BrowserPort:
    need_chromium()
    return BrowserPort(PortSettings(base_url=url, artifacts_dir=artifacts, trace="off"), system="assets",
                       cassette=CassetteSettings(path=tape, mode=mode), requests=rules)


def _read_pages(port: BrowserPort) -> list[str]:
    headings = []
    for number in range(1, PAGES + 1):
        with deadline_scope(Deadline(30)):
            headings.append(port.run(ReadHeading(), PageNo(number=number), NOBODY).heading)
    return headings


@pytest.fixture(scope="module")
def recorded(asset_app, tmp_path_factory, artifacts_root):
    tape = tmp_path_factory.mktemp("assets") / "assets.yaml"
    port = _port(asset_app.url, tape, "all", artifacts_root / "assets")
    try:
        headings = _read_pages(port)
        skipped = port.recorder.static_skipped
    finally:
        port.close()
    return tape, headings, skipped


@pytest.mark.live
def test_each_static_asset_is_stored_once(recorded, asset_app):
    tape, headings, skipped = recorded
    assert headings == [f"Page {n}" for n in range(1, PAGES + 1)]
    assert asset_app.hits["/static/app.js"] >= PAGES  # the browser fetched it for every page …
    urls = [i.request["url"] for i in load_envelope(tape).interactions]
    for asset in ("app.js", "app.css", "logo.png"):
        assert urls.count(f"<<ORIGIN>>/static/{asset}") == 1  # … the cassette holds it once
    assert skipped >= 3 * (PAGES - 1)
    assert not any("/poll" in url or "/stats" in url for url in urls)  # declared: never recorded
    assert "/stats" not in asset_app.hits  # stubbed while recording: analytics never reached


@pytest.mark.replay
def test_a_declared_background_xhr_replays_deterministically(recorded, tmp_path_factory, artifacts_root):
    tape, headings, _ = recorded
    port = _port(REPLAY_URL, tape, "none", artifacts_root / "assets")
    failures = []
    try:
        for _round in range(10):  # one browser; each round a fresh replay from the first interaction
            port.rewind()
            try:
                assert _read_pages(port) == headings
                assert port.status()["cassette_remaining"] == 0
            except Exception as exc:  # counted, so the figure says how many rounds failed
                failures.append(repr(exc)[:200])
        assert port.status()["browser"]["launches"] == 1
    finally:
        port.close()
    assert failures == []


@pytest.mark.replay
def test_an_undeclared_background_xhr_is_a_miss_at_once(recorded, artifacts_root):
    tape, _, _ = recorded
    port = _port(REPLAY_URL, tape, "none", artifacts_root / "assets", rules=())
    try:
        with deadline_scope(Deadline(30)), pytest.raises(CassetteMiss) as err:
            port.run(ReadHeading(), PageNo(number=1), NOBODY)
    finally:
        port.close()
    assert "http://assets.invalid/poll" in err.value.detail or "http://assets.invalid/stats" in err.value.detail
