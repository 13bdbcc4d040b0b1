"""The session pool against the demo host: LU names, check-in, exhaustion, busy and idle limits."""

from __future__ import annotations

import time

import pytest

from bridges.core.errors import BridgeError, NotFound, Unavailable
from bridges.core.testing import wait_until
from mainframe import LiveTerminal, PoolSettings, SessionPool
from mainframe.testing import demo_host, need_s3270

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

LUS = [f"LU{n:04d}" for n in range(1, 9)]


@pytest.fixture(scope="module")
def host():
    need_s3270()
    with demo_host(lu_names=LUS) as running:
        yield running


def is_menu(screen):
    return screen.text(1, 2, 6) == "CMMENU"


@pytest.fixture
def make_pool(host):
    pools = []

    def make(background=True, **settings):
        def open_session(lu_name):
            terminal = LiveTerminal(host.host, host.port, lu_name=lu_name)
            terminal.connect()
            screen = terminal.send("Enter", {(8, 28): "DEMO02", (10, 28): "Dem0-Pass"})
            assert is_menu(screen)
            return terminal

        pool = SessionPool(open_session, PoolSettings(**settings), is_home=is_menu, background=background)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_sessions_claim_lu_names_from_the_pool(make_pool):
    pool = make_pool(min_size=2, max_size=2, lu_names=["LU0005", "LU0006"])
    assert pool.wait_ready(10)
    with pool.session() as a, pool.session() as b:
        names = {a.screen().text(2, 73, 6), b.screen().text(2, 73, 6)}
    assert names == {"LU0005", "LU0006"}
    assert pool.status()["lu_free"] == 0


def test_a_session_not_home_on_release_is_discarded_and_replaced(make_pool):
    pool = make_pool(min_size=1, max_size=1)
    assert pool.wait_ready(10)
    with pool.session() as terminal:
        terminal.send("Enter", {(10, 28): "2"})  # left on the browse screen
    assert pool.status()["discarded"] == 1
    assert wait_until(lambda: pool.status()["idle"] == 1, timeout=10.0)
    with pool.session() as terminal:
        assert is_menu(terminal.screen())


def test_an_answer_error_keeps_the_session(make_pool):
    pool = make_pool(min_size=1, max_size=1)
    assert pool.wait_ready(10)
    with pytest.raises(NotFound), pool.session():
        raise NotFound("no such customer")
    assert pool.status()["discarded"] == 0 and pool.status()["idle"] == 1


def test_exhausted_pool_is_503_with_retry_after(make_pool):
    pool = make_pool(min_size=1, max_size=1, acquire_timeout_s=0.2, retry_after_s=2)
    assert pool.wait_ready(10)
    with pool.session(), pytest.raises(Unavailable) as err, pool.session():
        pass
    assert err.value.status == 503 and err.value.retry_after == 2
    assert pool.status()["exhausted"] == 1


def test_a_session_held_too_long_is_killed_and_never_reused(make_pool):
    pool = make_pool(min_size=1, max_size=1, max_busy_s=0.3)
    assert pool.wait_ready(10)
    with pytest.raises(BridgeError), pool.session() as terminal:
        first = terminal
        assert wait_until(lambda: first._emulator.app.sp.poll() is not None, 5)  # the reaper killed s3270
        terminal.send("Enter", {(10, 28): "1"})
    assert pool.status()["discarded"] == 1
    with pool.session() as terminal:
        assert terminal is not first and is_menu(terminal.screen())


def test_idle_sessions_are_replaced_after_max_idle(make_pool):
    pool = make_pool(min_size=1, max_size=1, max_idle_s=0.2)
    assert pool.wait_ready(10)
    with pool.session() as terminal:
        first = terminal
    time.sleep(0.3)  # not synchronisation: lets the 0.2 s idle limit pass (checked when a session is handed out)
    with pool.session() as terminal:
        assert terminal is not first
    assert pool.status()["discarded"] >= 1


def test_on_demand_pool_opens_in_the_callers_thread(make_pool):
    pool = make_pool(background=False, min_size=0, max_size=1)
    assert pool.status()["size"] == 0
    with pool.session() as terminal:
        assert is_menu(terminal.screen())
    assert pool.status()["idle"] == 1
