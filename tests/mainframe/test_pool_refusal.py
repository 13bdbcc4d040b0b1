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
    """Counts sign-ons; refuses them while ``password_ok`` is False. Each sign-on takes a while;
    with ``hold`` set, sign-ons after a successful one wait until it is set (``in_flight`` counts them)."""

    def __init__(self) -> None:
        self.attempts = 0
        self.password_ok = False
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.hold: threading.Event | None = None
        self.in_flight = 0
        self.most_in_flight = 0
        self.signed_on = 0

    def open_session(self, lu_name):
        with self.lock:
            self.attempts += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            held = self.hold is not None and self.signed_on > 0
        try:
            self.gate.wait(0.05)  # a sign-on is not instant: callers overlap with it
            if held:
                assert self.hold.wait(10), "the test never let the sign-ons finish"
            if not self.password_ok:
                raise LoginRefused("host says: wrong password", host_message="CM001E WRONG PASSWORD")
            with self.lock:
                self.signed_on += 1
            return _Terminal()
        finally:
            with self.lock:
                self.in_flight -= 1


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


def test_every_caller_gets_the_refusal_as_the_host_gave_it_and_the_status_says_so():
    host = _Host()
    pool = _pool(host, min_size=0, max_size=2, lu_names=["LU01", "LU02"])
    try:
        errors = []
        for _ in range(3):
            with pytest.raises(LoginRefused) as err, deadline_scope(Deadline(5)), pool.session():
                pass
            errors.append(err.value)
        assert host.attempts == 1 and len({id(e) for e in errors}) == 3  # a fresh error for each caller …
        assert {e.detail for e in errors} == {errors[0].detail}  # … saying the same
        assert all(e.context["host_message"] == "CM001E WRONG PASSWORD" for e in errors)
        status = pool.status()
        assert status["sign_on"] == "refused" and status["sign_on_refused"] == status["open_failures"] == 1
        assert status["last_error"] == "host says: wrong password" and status["lu_free"] == 2  # its LU name went back
    finally:
        pool.close()


def test_a_reset_signs_on_once_more_then_in_parallel_only_after_a_success(caplog):
    host = _Host()
    pool = _pool(host, min_size=0, max_size=4, acquire_timeout_s=5)

    def call():
        try:
            with deadline_scope(Deadline(5)), pool.session():
                return "ok"
        except LoginRefused as exc:
            return exc

    assert isinstance(call(), LoginRefused)
    pool.reset()  # the password is still wrong: one more attempt, however many callers
    assert "t-sessions: reset; signing on again" in caplog.text
    with ThreadPoolExecutor(4) as workers:
        results = list(workers.map(lambda _: call(), range(8)))
    assert host.attempts == 2 and all(isinstance(r, LoginRefused) for r in results)
    assert "last_error" in pool.status()

    host.password_ok = True
    pool.reset()
    assert "last_error" not in pool.status() and "sign_on" not in pool.status()
    host.hold = threading.Event()  # sign-ons after the first wait: do they overlap?
    holding = threading.Barrier(4)

    def hold_a_session():
        with deadline_scope(Deadline(10)), pool.session():
            holding.wait(10)  # every caller holds its session until all four have one

    with ThreadPoolExecutor(4) as workers:
        futures = [workers.submit(hold_a_session) for _ in range(4)]
        try:
            # one sign-on succeeded: the other three open side by side
            assert wait_until(lambda: host.in_flight == 3, timeout=10), host.most_in_flight
        finally:
            host.hold.set()
        for future in futures:
            future.result()
    assert host.attempts == 6 and pool.status()["opened"] == 4
    pool.close()


class _Bare:
    """A terminal that says nothing of a granted LU name (the pool falls back to the one it asked for)."""

    broken = False
    last = HOME

    def close(self) -> None:
        pass


class _Scripted:
    """Answers each sign-on with the next outcome: an exception to raise or a terminal; notes the LU names asked."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.asked: list[str | None] = []

    def open_session(self, lu_name):
        self.asked.append(lu_name)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def _try(pool):
    with deadline_scope(Deadline(5)), pool.session():
        pass


def test_failed_sign_ons_give_their_lu_name_back_and_are_counted_with_what_went_wrong():
    granted = _Terminal()
    granted.granted_lu_name = "LU07"  # the host chose another LU than the one asked for
    host = _Scripted(ConnectionResetError(), Unavailable("host down"), LoginRefused("wrong password"),
                     LoginRefused("wrong password"), granted)
    pool = SessionPool(host.open_session, PoolSettings(min_size=0, max_size=1, lu_names=["LU01"]),
                       is_home=lambda s: s is HOME, name="t-sessions", background=False)
    try:
        with pytest.raises(ConnectionResetError):
            _try(pool)
        assert pool.status()["last_error"] == "ConnectionResetError"  # not a bridge error: its type
        with pytest.raises(Unavailable):
            _try(pool)
        assert pool.status()["last_error"] == "host down" and pool.status()["open_failures"] == 2
        for _ in range(2):
            with pytest.raises(LoginRefused) as err:
                _try(pool)
            assert err.value.detail.endswith(
                "t-sessions signs on no more until its configuration changes or an operator resets the bridge")
            pool.reset()
        _try(pool)
        status = pool.status()
        assert host.asked == ["LU01"] * 5  # each failure gave the one LU name back
        assert status["open_failures"] == 4 and status["sign_on_refused"] == 2 and status["opened"] == 1
        assert status["lu_names"] == ["LU07"] and "last_error" not in status
    finally:
        pool.close()


def test_sessions_report_their_lu_name_and_a_discarded_one_gives_it_back():
    host = _Scripted(_Bare(), _Bare())
    pool = SessionPool(host.open_session, PoolSettings(min_size=0, max_size=2, lu_names=["LU01", "LU02"]),
                       is_home=lambda s: s is HOME, name="t-sessions", background=False)
    try:
        with deadline_scope(Deadline(5)), pool.session(), pool.session():
            assert pool.status()["lu_names"] == ["LU01", "LU02"] and pool.status()["lu_free"] == 0
        with pytest.raises(ConnectionResetError), deadline_scope(Deadline(5)), pool.session():
            raise ConnectionResetError  # the call broke the session: it is closed, its LU name free again
        assert pool.status()["lu_free"] == 1 and pool.status()["discarded"] == 1
    finally:
        pool.close()
