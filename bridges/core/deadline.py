"""Deadlines that travel with a call.

The guard opens a :class:`Deadline` for each bridge call and makes it current; a
transport reads :func:`current_deadline` and bounds every wait by ``remaining()``, so a
stuck legacy system costs a caller at most its deadline — never a hung worker.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bridges.core.errors import DeadlineExceeded

__all__ = ["Deadline", "current_deadline", "deadline_scope"]

_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("legacy_bridges_deadline", default=None)


class Deadline:
    """A point in monotonic time by which a call must finish."""

    __slots__ = ("expires_at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.expires_at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self.expires_at

    def check(self, doing: str = "the call") -> None:
        """Raise :class:`DeadlineExceeded` if the deadline has passed."""
        if self.expired:
            raise DeadlineExceeded(f"deadline of {self.seconds:g}s passed during {doing}")

    def bound(self, seconds: float) -> float:
        """``seconds`` capped at the time remaining (for a single wait)."""
        return min(seconds, self.remaining())

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g}s, {self.remaining():.3f}s left)"


def current_deadline(default_seconds: float = 30.0) -> Deadline:
    """The deadline of the call in progress, or a fresh one of ``default_seconds``
    when the transport is used on its own outside a guard."""
    return _CURRENT.get() or Deadline(default_seconds)


@contextmanager
def deadline_scope(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` current for the enclosed code."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)
