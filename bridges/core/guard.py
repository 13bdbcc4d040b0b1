"""The one policy wrapper around every bridge call.

Deadline, concurrency cap, circuit breaker and retry-for-reads live here, not in the
bridges: a bridge states what it does; the guard decides how much it may cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import DeadlineExceeded, LegacyError, LoginRefused, Unavailable
from bridges.core.operation import Operation

__all__ = ["BreakerBoard", "CircuitBreaker", "Guard", "GuardSettings"]

T = TypeVar("T")

# Errors that say the legacy system is unwell; the rest (not found, bad input the
# system refused, refused) are answers, and must not open the breaker. A refused
# login is neither: a fault of the configuration, which the transport stops retrying.
_SYSTEM_FAULTS = (Unavailable, DeadlineExceeded, LegacyError)
_NEITHER = (LoginRefused,)


class GuardSettings(BaseModel):
    """Limits for one bridge (the ``guard`` table of its configuration)."""

    model_config = {"extra": "forbid"}

    deadline_s: float = Field(10.0, gt=0, le=600, description="Deadline of one call, seconds.")
    max_concurrency: int = Field(8, ge=1, le=1024, description="Calls in flight at once.")
    queue_timeout_s: float = Field(2.0, ge=0, description="How long a call waits for a slot before 503.")
    breaker_fail_max: int = Field(5, ge=1, description="Consecutive system faults that open the breaker.")
    breaker_reset_s: float = Field(15.0, gt=0, description="How long the breaker stays open.")
    read_retries: int = Field(1, ge=0, le=5, description="Retries of a retry-safe read after a system fault.")
    retry_backoff_s: float = Field(0.05, ge=0, description="Pause before a retry.")


class Guard:
    """Runs calls of one bridge under its :class:`GuardSettings`."""

    def __init__(self, settings: GuardSettings, name: str = "", board: BreakerBoard | None = None) -> None:
        self.settings = settings
        self.name = name
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._in_flight = 0
        self._lock = threading.Lock()
        self.breaker = CircuitBreaker(settings.breaker_fail_max, settings.breaker_reset_s, board=board)

    def run(self, operation: Operation, call: Callable[[], T], deadline_s: float | None = None) -> T:
        """Run ``call`` under a fresh deadline, a slot, the breaker and read retries."""
        deadline = Deadline(min(deadline_s or self.settings.deadline_s, self.settings.deadline_s))
        if not self._slots.acquire(timeout=deadline.bound(self.settings.queue_timeout_s)):
            raise Unavailable(
                f"{self.name}: all {self.settings.max_concurrency} call slots are busy", retry_after=1
            )
        with self._lock:
            self._in_flight += 1
        try:
            with deadline_scope(deadline):
                return self._with_retries(operation, call, deadline)
        finally:
            with self._lock:
                self._in_flight -= 1
            self._slots.release()

    def _with_retries(self, operation: Operation, call: Callable[[], T], deadline: Deadline) -> T:
        attempts = 1 + (self.settings.read_retries if operation.retry_safe else 0)
        for attempt in range(1, attempts + 1):
            try:
                return self._through_breaker(call)
            except LoginRefused:
                raise  # never retried: a second sign-on with a refused password can revoke the user
            except (Unavailable, LegacyError) as exc:
                retryable = attempt < attempts and not exc.context.get("breaker_open")
                if not retryable or deadline.remaining() <= self.settings.retry_backoff_s:
                    raise
                time.sleep(self.settings.retry_backoff_s)
        raise AssertionError("unreachable")  # pragma: no cover

    def _through_breaker(self, call: Callable[[], T]) -> T:
        wait = self.breaker.admit()
        if wait is not None:
            raise Unavailable(
                f"{self.name}: circuit breaker open after repeated failures",
                retry_after=max(1.0, round(wait)),
                breaker_open=True,
            )
        try:
            result = call()
        except _NEITHER:
            self.breaker.released()
            raise
        except _SYSTEM_FAULTS:
            self.breaker.failed()
            raise
        except BaseException:
            self.breaker.succeeded()  # an answer (not found, refused…) is a healthy system
            raise
        self.breaker.succeeded()
        return result

    def reset(self) -> None:
        """Close the breaker (an operator's reset of the bridge)."""
        self.breaker.succeeded()

    def status(self) -> dict[str, object]:
        """State shown by ``/readyz``."""
        return {
            "breaker": self.breaker.state,
            "in_flight": self._in_flight,
            "max_concurrency": self.settings.max_concurrency,
        }


class BreakerBoard(Protocol):
    """Where the breakers of one bridge in several processes tell each other they opened."""

    def publish(self, open_for_s: float) -> None:
        """This process's breaker opened for ``open_for_s`` seconds."""

    def open_for(self) -> float:
        """Seconds another process's breaker stays open (0 when none is; 0 when unknown)."""

    def clear(self) -> None:
        """This process's trial call succeeded: the system answers again."""


_BOARD_CACHE_S = 0.25  # a process looks at the shared board at most this often


class CircuitBreaker:
    """Closed → open after ``fail_max`` consecutive faults → half-open after
    ``reset_s`` (one trial call) → closed on success.

    With a ``board`` (shared by every process serving the bridge), a breaker that opens
    says so there, and the others open too at their next call — one process learns what
    another saw — each then trying its own trial call once the time is up.

    Written here rather than taken from pybreaker because pybreaker holds its lock for
    the whole protected call, which would serialise every call to a bridge; this one
    locks only its own bookkeeping.
    """

    def __init__(self, fail_max: int, reset_s: float, board: BreakerBoard | None = None) -> None:
        self.fail_max = fail_max
        self.reset_s = reset_s
        self.board = board
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._board_checked = -_BOARD_CACHE_S
        self._board_until = 0.0

    def _shared(self) -> None:
        """Open this breaker as long as another process's is (the board read at most every 0.25 s)."""
        now = time.monotonic()
        if self.board is None:
            return
        if now - self._board_checked >= _BOARD_CACHE_S:
            self._board_until = now + self.board.open_for()
            self._board_checked = now
        remaining = self._board_until - now
        if remaining <= 0:
            return
        opened_at = now - (self.reset_s - min(remaining, self.reset_s))
        with self._lock:
            if self._opened_at is None or opened_at > self._opened_at:
                self._opened_at = opened_at

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if time.monotonic() - self._opened_at < self.reset_s else "half-open"

    def admit(self) -> float | None:
        """None if a call may go ahead, else the seconds until the next trial."""
        self._shared()
        with self._lock:
            if self._opened_at is None:
                return None
            waited = time.monotonic() - self._opened_at
            if waited >= self.reset_s and not self._trial_running:
                self._trial_running = True
                return None
            return max(0.0, self.reset_s - waited)

    def succeeded(self) -> None:
        """Record a healthy answer: closes the breaker."""
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._trial_running = False
        if was_open and self.board is not None:
            self._board_until = 0.0  # forget what was read before the trial succeeded
            self.board.clear()

    def released(self) -> None:
        """Record a call that says nothing about the system's health (a refused login)."""
        with self._lock:
            self._trial_running = False

    def failed(self) -> None:
        """Record a system fault: may open (or re-open) the breaker."""
        with self._lock:
            self._failures += 1
            opened = self._trial_running or self._failures >= self.fail_max
            if opened:
                self._opened_at = time.monotonic()
            self._trial_running = False
        if opened and self.board is not None:
            self.board.publish(self.reset_s)
