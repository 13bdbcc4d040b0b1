"""Logins answered within the caller's deadline.

A driver bounds a login by whole seconds at best: the ODBC login timeout is an integer,
and libpq (under psqlODBC) waits at least 2 s whatever it is given, so a request with
one second left would wait two. :func:`login_within` runs the login on a thread of its
own and waits only for what the deadline leaves; a login that finishes after its caller
has gone is handed to ``on_late`` (which closes it). The driver's own timeout, set to
the deadline rounded up, still ends a login that never finishes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from bridges.core.deadline import Deadline
from bridges.core.errors import DeadlineExceeded

__all__ = ["login_within"]

T = TypeVar("T")


class _Login(Generic[T]):
    __slots__ = ("abandoned", "done", "error", "finished", "lock", "on_late", "value")

    def __init__(self, on_late: Callable[[T | None], None]) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.on_late = on_late
        self.abandoned = False  # the caller has gone (decided under the lock, like finished)
        self.finished = False
        self.value: T | None = None
        self.error: BaseException | None = None

    def run(self, connect: Callable[[], T]) -> None:
        value: T | None = None
        try:
            value = connect()
        except BaseException as exc:  # handed to the caller, or dropped with a late login
            error: BaseException | None = exc
        else:
            error = None
        with self.lock:
            late = self.abandoned
            if not late:
                self.value, self.error, self.finished = value, error, True
        self.done.set()
        if late:
            self.on_late(value)


def login_within(connect: Callable[[], T], deadline: Deadline, on_late: Callable[[T | None], None],
                 doing: str = "logging in to the database") -> T:
    """``connect()`` on a thread of its own, waited for no longer than ``deadline``.

    Returns what it returns or raises what it raises; when the deadline passes first,
    raises :class:`DeadlineExceeded` and, once the login ends, calls ``on_late`` with its
    connection (None if it failed) — and only then, exactly once."""
    login: _Login[T] = _Login(on_late)
    threading.Thread(target=login.run, args=(connect,), name="rdbms-login", daemon=True).start()
    if not login.done.wait(deadline.remaining()):
        with login.lock:
            login.abandoned = not login.finished
        if login.abandoned:
            raise DeadlineExceeded(f"deadline of {deadline.seconds:g}s passed during {doing}")
    if login.error is not None:
        raise login.error
    return login.value  # type: ignore[return-value]
