"""The browser port against a real app in real Chromium: login, warm pool, re-login,
deadlines, error pages, selector fallback, and a crashed browser."""

from __future__ import annotations

import threading

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded, LayoutChanged, LegacyError, Unavailable
from web_scrape import BrowserOwner, Target, by_css, by_label, by_name
from web_scrape.testing import browser_processes, need_chromium

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]


def test_login_once_then_warm_contexts_are_reused(toy_app, make_port, toy):
    port = make_port(toy_app.url)
    start = toy.run(port, toy.ReadCount()).count
    assert toy.run(port, toy.Bump()).count == start + 1
    assert toy.run(port, toy.ReadCount()).count == start + 1
    status = port.status()
    assert status["pool"]["created"] == 1 and status["pool"]["reused"] == 2
    assert status["browser"]["launches"] == 1


@pytest.mark.fault
def test_an_expired_session_logs_in_again_transparently(toy_app, make_port, toy):
    port = make_port(toy_app.url)
    toy.run(port, toy.ReadCount())
    toy_app.expire_sessions()
    assert toy.run(port, toy.Bump()).count >= 1  # the bump went through after re-login
    assert port.status()["pool"]["created"] == 1


@pytest.mark.fault
def test_a_page_slower_than_the_deadline_is_a_504_and_the_context_is_discarded(toy_app, make_port, toy):
    port = make_port(toy_app.url)
    toy.run(port, toy.ReadCount())
    with pytest.raises(DeadlineExceeded) as err:
        toy.run(port, toy.ReadCount(), deadline_s=1.0, path="slow")
    assert "read_count.open" in err.value.detail
    assert port.status()["pool"]["discarded"] == 1
    assert toy.run(port, toy.ReadCount()).count >= 0  # the next call gets a fresh context


@pytest.mark.fault
def test_an_error_page_is_a_legacy_error_with_a_redacted_artifact(toy_app, make_port, toy, artifacts_root):
    port = make_port(toy_app.url)
    with pytest.raises(LegacyError) as err:
        toy.run(port, toy.ReadCount(), path="boom")
    reference = err.value.context["artifact"]
    assert reference in err.value.detail and "500" in err.value.detail
    files = sorted(p.name for p in (artifacts_root / "toy").glob(f"{reference}*"))
    assert files == [f"{reference}.html", f"{reference}.png", f"{reference}.trace.zip"]


@pytest.mark.fault
def test_a_killed_browser_is_restarted_and_the_next_call_succeeds(toy_app, make_port, toy):
    port = make_port(toy_app.url)
    toy.run(port, toy.ReadCount())
    victims = browser_processes()
    assert victims, "no Chromium process found under this test"
    for process in victims:
        process.kill()
    try:
        toy.run(port, toy.ReadCount())  # may fail clearly (the browser it used died) …
    except Unavailable as exc:
        assert "restarted" in exc.detail
    assert toy.run(port, toy.ReadCount()).count >= 0  # … the next one succeeds
    assert port.status()["browser"]["launches"] == 2


def test_selectors_fall_back_in_order_and_fail_naming_every_selector_tried():
    need_chromium()
    owner = BrowserOwner(name="selectors")
    good = Target("user field", by_label("Nickname"), by_name("user"))
    bad = Target("account field", by_label("Account"), by_css("#acct"))

    def job(browser):
        page = browser.new_page()
        try:
            page.set_content("<form><input name=user></form>")
            found = good.resolve(page).get_attribute("name")
            try:
                bad.resolve(page)
            except LayoutChanged as exc:
                return found, exc.detail
            return found, None
        finally:
            page.close()

    try:
        with deadline_scope(Deadline(20)):
            found, problem = owner.call(job)
    finally:
        owner.close()
    assert found == "user"
    assert problem == "layout changed: account field not found (tried label=Account, css=#acct)"


def test_callers_on_many_threads_share_one_owner_thread():
    need_chromium()
    owner = BrowserOwner(name="threads")
    results, errors = [], []

    def call():
        try:
            with deadline_scope(Deadline(30)):
                results.append(owner.call(lambda browser: (threading.current_thread().name, browser.version)))
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        owner.close()
    assert not errors
    assert {name for name, _ in results} == {"threads-owner"} and len(results) == 6
