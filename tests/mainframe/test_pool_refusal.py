"""The pool's sign-on safety, with in-memory terminals: a refused sign-on is one attempt."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import ConfigError, LoginRefused, Unavailable
from bridges.core.testing import wait_until
from mainframe import PoolSettings, Screen, SessionPool

pytestmark = pytest.mark.unit

HOME = Screen(rows=24, cols=80, lines=tuple("HOME".ljust(80) if r == 0 else " " * 80 for r in range(24)))


class _Terminal:
    broken = False
    granted_lu_name = None

    def __init__(self) -> None:
        self.last = HOME

    def screen(self) -> Screen:
        return HOME

    def close(self) -> None:
        pass

    def abort(self) -> None:
        self.broken = True


class _Host:
    """Counts sign-ons; refuses them while ``password_ok`` is False. Each sign-on takes a while."""

    def __init__(self) -> None:
        self.attempts = 0
        self.password_ok = False
        self.lock = threading.Lock()
        self.gate = threading.Event()

    def open_session(self, lu_name):
        with self.lock:
            self.attempts += 1
        self.gate.wait(0.05)  # a sign-on is not instant: callers overlap with it
        if not self.password_ok:
            raise LoginRefused("host says: wrong password")
        return _Terminal()


def _pool(host, background=False, **settings):
    return SessionPool(host.open_session, PoolSettings(**settings), is_home=lambda s: s is HOME, name="t-sessions",
                       background=background)


def test_concurrent_callers_cost_one_refused_sign_on_then_get_the_refusal_at_once():
    host = _Host()
    pool = _pool(host, min_size=0, max_size=8, acquire_timeout_s=2)

    def call():
        try:
            with deadline_scope(Deadline(5)), pool.session():
                return "ok"
        except (LoginRefused, Unavailable) as exc:
            return exc

    with ThreadPoolExecutor(8) as workers:
        results = list(workers.map(lambda _: call(), range(32)))
    assert host.attempts == 1
    assert all(isinstance(r, LoginRefused) for r in results), results
    assert "signs on no more" in results[-1].detail
    assert pool.status()["sign_on"] == "refused" and pool.refused is not None
    pool.close()


def test_the_maintenance_thread_does_not_retry_a_refused_sign_on_and_a_reset_does_once():
    host = _Host()
    pool = _pool(host, background=True, min_size=2, max_size=2)
    try:
        assert wait_until(lambda: pool.status()["sign_on_refused"] == 1, timeout=5)
        ticks = pool.status()["maintenance_ticks"]
        assert wait_until(lambda: pool.status()["maintenance_ticks"] >= ticks + 3, timeout=10)
        assert host.attempts == 1
        host.password_ok = True  # the operator fixed the account and resets the bridge
        pool.reset()
        assert wait_until(lambda: pool.status()["idle"] == 2, timeout=10), pool.status()
        assert host.attempts == 3 and "sign_on" not in pool.status()
    finally:
        pool.close()


def test_inconsistent_pool_settings_are_a_config_error_naming_them():
    with pytest.raises(ConfigError, match="t-sessions: min_size"):
        SessionPool(_Host().open_session, PoolSettings.model_construct(min_size=3, max_size=1, lu_names=[]),
                    is_home=lambda s: True, name="t-sessions", background=False)


@pytest.mark.parametrize(("settings", "message"), [
    ({"lu_names": ["LU01", "lu01", "LU02", "LU03", "LU04"]}, "listed twice"),
    ({"lu_names": ["LU01"], "max_size": 2}, "1 LU names for max_size 2"),
    ({"lu_names": ["LU 01"] * 4}, "not an LU name"),
    ({"min_size": 5, "max_size": 2}, "exceeds max_size"),
])
def test_pool_settings_are_checked_when_loaded(settings, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        PoolSettings.model_validate(settings)
