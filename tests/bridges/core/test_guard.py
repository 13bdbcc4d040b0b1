"""The guard: deadlines, the concurrency cap, the breaker and read-only retries."""

import threading
import time

import pytest

from bridges.core.deadline import current_deadline
from bridges.core.errors import DeadlineExceeded, LegacyError, NotFound, Unavailable
from bridges.core.guard import CircuitBreaker, Guard, GuardSettings
from tests.bridges.core.kit_guard import READ, WRITE

pytestmark = pytest.mark.unit


@pytest.fixture
def clock(monkeypatch):
    """The breaker's clock, moved by hand: ``clock(s)`` moves it ``s`` seconds on (no waiting)."""
    import types

    from bridges.core import guard as guard_module

    now = [1000.0]
    monkeypatch.setattr(guard_module, "time", types.SimpleNamespace(monotonic=lambda: now[0], sleep=time.sleep))

    def move(seconds: float) -> None:
        now[0] += seconds

    return move


def test_deadline_is_current_inside_the_call():
    guard = Guard(GuardSettings(deadline_s=2.5))
    seen = guard.run(READ, lambda: current_deadline().seconds)
    assert seen == 2.5


def test_caller_deadline_cannot_exceed_the_bridge_deadline():
    guard = Guard(GuardSettings(deadline_s=1))
    assert guard.run(READ, lambda: current_deadline().seconds, deadline_s=30) == 1


def test_reads_retry_once_writes_never():
    guard = Guard(GuardSettings(read_retries=1, retry_backoff_s=0))
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise Unavailable("blip")
        return "ok"

    assert guard.run(READ, flaky) == "ok" and len(calls) == 2
    calls.clear()
    with pytest.raises(Unavailable):
        guard.run(WRITE, flaky)
    assert len(calls) == 1


def test_answers_are_not_retried():
    guard = Guard(GuardSettings(read_retries=3, retry_backoff_s=0))
    calls = []

    def missing():
        calls.append(1)
        raise NotFound("no")

    with pytest.raises(NotFound):
        guard.run(READ, missing)
    assert len(calls) == 1


def test_breaker_opens_after_system_faults_and_recovers(clock):
    guard = Guard(GuardSettings(breaker_fail_max=2, breaker_reset_s=0.2, read_retries=0))

    def broken():
        raise LegacyError("bad screen")

    for _ in range(2):
        with pytest.raises(LegacyError):
            guard.run(READ, broken)
    with pytest.raises(Unavailable) as err:
        guard.run(READ, lambda: "never called")
    assert err.value.retry_after >= 1 and err.value.context["breaker_open"]
    clock(0.19)
    assert guard.breaker.state == "open"
    with pytest.raises(Unavailable):
        guard.run(READ, lambda: "still never called")
    clock(0.011)
    assert guard.breaker.state == "half-open"
    assert guard.run(READ, lambda: "ok") == "ok"
    assert guard.breaker.state == "closed"


def test_not_found_does_not_open_the_breaker():
    guard = Guard(GuardSettings(breaker_fail_max=1, read_retries=0))
    for _ in range(3):
        with pytest.raises(NotFound):
            guard.run(READ, lambda: (_ for _ in ()).throw(NotFound("no")))
    assert guard.breaker.state == "closed"


def test_half_open_admits_one_trial(clock):
    breaker = CircuitBreaker(fail_max=1, reset_s=0.05)
    breaker.failed()
    assert breaker.admit() == pytest.approx(0.05)
    clock(0.051)
    assert breaker.admit() is None  # the trial
    assert breaker.admit() is not None  # others wait for it
    breaker.failed()
    assert breaker.state == "open"


def test_concurrency_cap_answers_503_and_calls_run_in_parallel():
    guard = Guard(GuardSettings(max_concurrency=2, queue_timeout_s=0.1))
    release = threading.Event()
    started = threading.Barrier(3)

    def slow():
        started.wait(timeout=5)
        release.wait(timeout=5)
        return "done"

    threads = [threading.Thread(target=guard.run, args=(READ, slow)) for _ in range(2)]
    for t in threads:
        t.start()
    started.wait(timeout=5)  # both calls are inside at once: the guard does not serialise
    with pytest.raises(Unavailable) as err:
        guard.run(READ, lambda: "third")
    assert err.value.retry_after == 1
    release.set()
    for t in threads:
        t.join(timeout=5)
    assert guard.status()["in_flight"] == 0


def test_deadline_check_raises_timeout():
    guard = Guard(GuardSettings(deadline_s=0.05))

    def overrun():
        time.sleep(0.06)  # not synchronisation: the slow step itself, longer than the 0.05 s deadline
        current_deadline().check("a slow step")

    with pytest.raises(DeadlineExceeded, match="a slow step"):
        guard.run(READ, overrun)


def test_a_refused_login_is_never_retried_and_counts_for_nothing_in_the_breaker():
    from bridges.core.errors import LoginRefused

    guard = Guard(GuardSettings(read_retries=3, breaker_fail_max=1, retry_backoff_s=0))
    calls = []

    def refused():
        calls.append(1)
        raise LoginRefused("wrong password")

    for _ in range(4):
        with pytest.raises(LoginRefused):
            guard.run(READ, refused)
    assert len(calls) == 4 and guard.breaker.state == "closed"


def test_input_the_legacy_system_refuses_never_opens_the_breaker():
    from bridges.core.errors import InvalidInput

    guard = Guard(GuardSettings(read_retries=2, breaker_fail_max=1, retry_backoff_s=0))
    calls = []

    def refuses_input():
        calls.append(1)
        raise InvalidInput("the system refused the dates")

    for _ in range(5):
        with pytest.raises(InvalidInput):
            guard.run(READ, refuses_input)
    assert len(calls) == 5 and guard.breaker.state == "closed"
    assert guard.run(READ, lambda: "served") == "served"


def test_a_reset_closes_an_open_breaker():
    guard = Guard(GuardSettings(read_retries=0, breaker_fail_max=1, breaker_reset_s=60))
    with pytest.raises(Unavailable):
        guard.run(READ, lambda: (_ for _ in ()).throw(Unavailable("down")))
    assert guard.breaker.state == "open"
    guard.reset()
    assert guard.breaker.state == "closed"
