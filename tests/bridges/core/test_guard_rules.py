"""The guard's rules at their edges, on a clock moved by hand: the breaker's trial at exactly
``reset_s``, its wait, a fresh count after a success, a released trial, no retry once the
breaker is open, and what 503s and the status say."""

from __future__ import annotations

import types

import pytest

from bridges.core.errors import LegacyError, Unavailable
from bridges.core.guard import CircuitBreaker, Guard, GuardSettings
from tests.bridges.core.kit_guard import READ

pytestmark = pytest.mark.unit


@pytest.fixture
def clock(monkeypatch):
    """The guard module's clock and sleep: ``clock.now`` is set by hand, sleeps are counted."""
    from bridges.core import guard as guard_module

    state = types.SimpleNamespace(now=1000.0, sleeps=[])
    fake = types.SimpleNamespace(monotonic=lambda: state.now, sleep=state.sleeps.append)
    monkeypatch.setattr(guard_module, "time", fake)
    return state


def test_the_trial_is_admitted_at_exactly_reset_s_and_the_wait_counts_down(clock):
    breaker = CircuitBreaker(fail_max=1, reset_s=10.0)
    breaker.failed()
    clock.now += 3.0
    assert breaker.admit() == 7.0
    clock.now += 7.0
    assert breaker.state == "half-open" and breaker.admit() is None


def test_a_success_starts_the_count_of_faults_again(clock):
    breaker = CircuitBreaker(fail_max=2, reset_s=10.0)
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert breaker.state == "closed"
    breaker.failed()
    assert breaker.state == "open"


def test_a_released_trial_lets_the_next_call_try_again(clock):
    breaker = CircuitBreaker(fail_max=1, reset_s=1.0)
    breaker.failed()
    clock.now += 1.0
    assert breaker.admit() is None  # the trial
    assert breaker.admit() is not None  # others wait for it
    breaker.released()  # it said nothing about the system (a refused login)
    assert breaker.admit() is None  # so the next call is the trial


def test_after_a_successful_trial_the_next_outage_gets_its_own_trial(clock):
    breaker = CircuitBreaker(fail_max=1, reset_s=1.0)
    for _ in range(2):
        breaker.failed()
        assert breaker.admit() == 1.0
        clock.now += 1.0
        assert breaker.admit() is None
        breaker.succeeded()
        assert breaker.state == "closed"


def test_the_open_breaker_says_which_bridge_and_when_to_come_back(clock):
    guard = Guard(GuardSettings(breaker_fail_max=1, breaker_reset_s=0.4, read_retries=0), name="orders")

    def broken():
        raise LegacyError("bad screen")

    with pytest.raises(LegacyError):
        guard.run(READ, broken)
    with pytest.raises(Unavailable) as err:
        guard.run(READ, lambda: "never")
    assert err.value.detail == "orders: circuit breaker open after repeated failures"
    assert err.value.retry_after == 1  # at least a second, even when the trial is sooner
    slow = Guard(GuardSettings(breaker_fail_max=1, breaker_reset_s=30, read_retries=0))
    with pytest.raises(LegacyError):
        slow.run(READ, broken)
    with pytest.raises(Unavailable) as err:
        slow.run(READ, lambda: "never")
    assert err.value.retry_after == 30 and err.value.detail.startswith(": circuit breaker open")


def test_no_retry_once_the_breaker_has_opened(clock):
    guard = Guard(GuardSettings(breaker_fail_max=1, read_retries=3, retry_backoff_s=0.01))
    calls = []

    def broken():
        calls.append(1)
        raise LegacyError("bad screen")

    with pytest.raises(Unavailable) as err:
        guard.run(READ, broken)
    assert err.value.context["breaker_open"] and calls == [1]
    assert clock.sleeps == [0.01]  # one pause before the retry that met the open breaker, no more


def test_busy_slots_say_which_bridge_and_how_many():
    guard = Guard(GuardSettings(max_concurrency=1, queue_timeout_s=0), name="custmast")
    inner = []

    def nested():
        with pytest.raises(Unavailable) as err:
            guard.run(READ, lambda: "second")
        inner.append(err.value)
        return "first"

    assert guard.run(READ, nested) == "first"
    assert inner[0].detail == "custmast: all 1 call slots are busy" and inner[0].retry_after == 1


def test_status_shows_the_breaker_calls_in_flight_and_the_cap():
    guard = Guard(GuardSettings(max_concurrency=3))
    assert guard.status() == {"breaker": "closed", "in_flight": 0, "max_concurrency": 3}
    assert guard.run(READ, lambda: guard.status()) == {"breaker": "closed", "in_flight": 1, "max_concurrency": 3}
    assert Guard(GuardSettings()).name == ""


class _Board:
    """The shared board as the breakers of other processes leave it: open for ``until - now`` seconds."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.until = 0.0
        self.reads = 0
        self.published: list[float] = []
        self.cleared = 0

    def open_for(self) -> float:
        self.reads += 1
        return max(0.0, self.until - self.clock.now)

    def publish(self, seconds: float) -> None:
        self.published.append(seconds)
        self.until = self.clock.now + seconds

    def clear(self) -> None:
        self.cleared += 1
        self.until = 0.0


def test_a_breaker_opens_while_the_board_says_another_process_opened_and_waits_out_its_time(clock):
    board = _Board(clock)
    breaker = CircuitBreaker(fail_max=3, reset_s=10.0, board=board)
    assert breaker.admit() is None and board.reads == 1  # nothing on the board: calls go ahead
    board.until = clock.now + 4.0  # another process opened its breaker 6 s ago
    clock.now += 0.25  # the board is read again at most every 0.25 s
    assert breaker.admit() == 3.75 and breaker.state == "open" and board.reads == 2
    clock.now += 0.125
    assert breaker.admit() == 3.625 and board.reads == 2  # read 0.125 s ago: not again
    clock.now += 3.625
    assert breaker.admit() is None  # its time is up: this process tries its own trial call
    assert breaker.admit() is not None  # and the others here wait for it


def test_a_breaker_open_on_its_own_longer_keeps_its_own_time(clock):
    board = _Board(clock)
    breaker = CircuitBreaker(fail_max=1, reset_s=10.0, board=board)
    breaker.failed()  # opened here: published for everyone
    assert board.published == [10.0]
    board.until = clock.now + 2.0  # the board now says less (another process's older news)
    clock.now += 1.0
    assert breaker.admit() == 9.0  # its own opening counts
    board.until = clock.now + 30.0  # and a board saying more than reset_s waits reset_s at most
    clock.now += 0.25
    assert breaker.admit() == 10.0


def test_a_successful_trial_clears_the_board_and_a_success_while_closed_does_not(clock):
    board = _Board(clock)
    breaker = CircuitBreaker(fail_max=2, reset_s=1.0, board=board)
    breaker.failed()
    assert board.published == []  # one fault: not open, nothing to say
    breaker.succeeded()
    assert board.cleared == 0  # closed all along: another process's news stays
    breaker.failed()
    breaker.failed()
    assert board.published == [1.0]
    clock.now += 1.0
    assert breaker.admit() is None  # the trial
    breaker.succeeded()
    assert board.cleared == 1 and breaker.state == "closed"
    board.until = clock.now + 1.0  # stale news read before the trial: forgotten, read afresh
    board.clear()
    assert breaker.admit() is None and breaker.state == "closed"


def test_the_guard_shares_its_breaker_through_the_board(clock):
    board = _Board(clock)
    guard = Guard(GuardSettings(breaker_fail_max=1, breaker_reset_s=5.0, read_retries=0), name="g", board=board)
    with pytest.raises(LegacyError):
        guard.run(READ, lambda: (_ for _ in ()).throw(LegacyError("garbage")))
    assert board.published == [5.0]


def test_even_a_short_time_left_on_the_board_opens_the_breaker(clock):
    board = _Board(clock)
    breaker = CircuitBreaker(fail_max=3, reset_s=10.0, board=board)
    board.until = clock.now + 0.5  # another process's breaker turns half-open in half a second
    assert breaker.admit() == 0.5 and breaker.state == "open"
