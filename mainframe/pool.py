"""A pool of signed-on terminal sessions parked on a home screen.

Opening a session (spawn the emulator, connect, sign on) costs tens of milliseconds
and a host session; a lookup on a warm session costs one or two screens. The pool
keeps ``min_size``…``max_size`` sessions signed on and checks each one back in only
if it is home again; a session that broke, timed out, stayed busy past
``max_busy_s`` or idle past ``max_idle_s`` is closed and never handed out again, and
a maintenance thread tops the pool back up to ``min_size``.

A refused sign-on (:class:`~bridges.core.errors.LoginRefused`: wrong password, revoked
user) stops the pool's sign-ons: neither the maintenance thread nor a caller opens
another session — every call gets the refusal at once — until :meth:`SessionPool.reset`
(an operator's reset) or a new pool (a changed configuration). Until one sign-on has
succeeded, sessions open one at a time, so a wrong password costs exactly one attempt.

With a shared ``budget`` (a :class:`~bridges.core.leases.Budget` several processes lease
from), every session holds a lease for as long as it is open — on its LU name when
``lu_names`` are configured — so all the processes together never open more sessions than
the budget, nor two sessions on one LU name; a session whose lease was lost is closed. When
another process was turned away, a session nobody here is waiting for is closed on check-in
(and idle ones at the next upkeep) rather than kept idle, so no process starves the others.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from bridges.core.deadline import Deadline, current_deadline, deadline_scope
from bridges.core.errors import BridgeError, ConfigError, InvalidInput, LoginRefused, NotFound, Unavailable
from bridges.core.leases import Budget, Lease
from mainframe.port import Terminal
from mainframe.settings import LuName
from mainframe.snapshot import Screen

__all__ = ["PoolSettings", "Session", "SessionPool"]

log = logging.getLogger("legacy_bridges.mainframe.pool")

# Errors that are answers about the request, not about the session's health.
_ANSWERS = (InvalidInput, NotFound)
_LEASE_POLL_S = 0.02  # how often a caller waiting for a shared budget looks again (it has no waiting list)


class PoolSettings(BaseModel):
    """Sizes and time limits of a :class:`SessionPool`, checked when loaded: LU names
    must be valid, distinct and at least ``max_size`` of them; ``min_size`` at most ``max_size``."""

    model_config = {"extra": "forbid"}

    min_size: int = Field(1, ge=0, le=256, description="Sessions kept signed on even when idle.")
    max_size: int = Field(4, ge=1, le=256, description="Sessions at most (host sessions are scarce).")
    acquire_timeout_s: float = Field(2.0, ge=0, description="Wait for a free session before 503.")
    max_idle_s: float = Field(300.0, gt=0, description="An idle session older than this is replaced.")
    max_busy_s: float = Field(60.0, gt=0, description="A session held longer than this is killed.")
    open_timeout_s: float = Field(10.0, gt=0, description="Deadline of a background sign-on.")
    retry_after_s: float = Field(1.0, ge=0, description="Retry-After of a 503 when the pool is exhausted.")
    lu_names: list[LuName] = Field(default_factory=list, description="TN3270E LU names to claim, one per session.")

    @field_validator("lu_names")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        seen: set[str] = set()
        for name in names:
            if name.upper() in seen:
                raise ValueError(f"LU name {name} is listed twice")
            seen.add(name.upper())
        return names

    @model_validator(mode="after")
    def _sizes(self) -> PoolSettings:
        problem = self.problem()
        if problem:
            raise ValueError(problem)
        return self

    def problem(self) -> str | None:
        """What is inconsistent between the settings (None when nothing is)."""
        if self.min_size > self.max_size:
            return f"min_size ({self.min_size}) exceeds max_size ({self.max_size})"
        if self.lu_names and len(self.lu_names) < self.max_size:
            return (f"lu_names lists {len(self.lu_names)} LU names for max_size {self.max_size} sessions "
                    "(one per session)")
        return None


@dataclass(eq=False)
class Session:
    """One pooled terminal and its bookkeeping."""

    terminal: Terminal
    id: int
    lu_name: str | None = None
    granted_lu_name: str | None = None
    """The LU name the host granted (the requested one, or the host's choice)."""
    created: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    busy_since: float | None = None
    uses: int = 0
    killed: bool = False
    lease: Lease | None = None
    """The session's lease on a shared budget (None when the budget is this process's)."""


class SessionPool:
    """Hands out signed-on terminals, one caller at a time each.

    ``open_session(lu_name)`` returns a connected terminal already on the home screen
    (it runs the sign-on flow); ``is_home(screen)`` tells whether a returned session may
    be reused; ``sign_off(terminal)``, if given, ends a healthy session politely when the
    pool closes. With ``background=False`` no thread is started: sessions open on demand,
    in the caller's thread (what strict cassette replay needs).
    """

    def __init__(
        self,
        open_session: Callable[[str | None], Terminal],
        settings: PoolSettings,
        *,
        is_home: Callable[[Screen], bool],
        sign_off: Callable[[Terminal], object] | None = None,
        name: str = "pool",
        background: bool = True,
        budget: Budget | None = None,
    ) -> None:
        problem = settings.problem()
        if problem:
            raise ConfigError(f"{name}: {problem}")
        self.settings = settings
        self.name = name
        self._open_session = open_session
        self._is_home = is_home
        self._sign_off = sign_off
        self._cond = threading.Condition()
        self._idle: list[Session] = []
        self._busy: set[Session] = set()
        self._opening = 0
        self._free_lus = list(settings.lu_names)
        self._ids = itertools.count(1)
        self._budget = budget
        self._waiting = 0  # callers waiting for a session of this pool
        self._closed = False
        self.counters = {"opened": 0, "discarded": 0, "open_failures": 0, "exhausted": 0, "sign_on_refused": 0,
                         "maintenance_ticks": 0, "budget_spent": 0, "leases_lost": 0}
        self.last_error: str | None = None
        self._refused: LoginRefused | None = None
        self._verified = False  # one sign-on succeeded: sessions may open in parallel
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._maintain, name=f"{name}-maintenance", daemon=True)
            self._thread.start()

    # -- using a session ----------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Terminal]:
        """A signed-on terminal on the home screen, returned to the pool afterwards.

        An error other than an answer (not found, invalid input) discards the session.
        """
        session = self._acquire()
        healthy = False
        try:
            yield session.terminal
            healthy = True
        except _ANSWERS:
            healthy = True
            raise
        finally:
            self._release(session, healthy)

    def _acquire(self) -> Session:
        deadline = current_deadline()
        wait_until = time.monotonic() + min(self.settings.acquire_timeout_s, deadline.remaining())
        lu_name: str | None = None
        lease: Lease | None = None
        with self._cond:
            while True:
                budget_spent = False
                if self._closed:
                    raise Unavailable(f"{self.name} is closed", retry_after=self.settings.retry_after_s)
                self._raise_if_refused_locked()
                while self._idle:
                    session = self._idle.pop()  # the most recently used: warmest
                    if time.monotonic() - session.last_used > self.settings.max_idle_s:
                        self._discard_locked(session, "idle too long")
                        continue
                    if session.lease is not None and session.lease.lost:
                        self._discard_locked(session, "its lease was lost")
                        continue
                    session.busy_since = time.monotonic()
                    self._busy.add(session)
                    return session
                if self._size_locked() < self.settings.max_size and self._may_open_locked():
                    self._opening += 1
                    if self._budget is None:
                        lu_name = self._free_lus.pop(0) if self._free_lus else None
                        break
                    try:
                        lease = self._lease_unlocked()
                    except BaseException:  # the store does not answer: 503, and the reservation goes
                        self._opening -= 1
                        self._cond.notify_all()
                        raise
                    if lease is not None:
                        lu_name = lease.slot if self.settings.lu_names else None
                        break
                    self._opening -= 1
                    budget_spent = True
                left = wait_until - time.monotonic()
                if left <= 0:
                    self.counters["exhausted"] += 1
                    if budget_spent:
                        self.counters["budget_spent"] += 1
                        raise Unavailable(
                            f"{self.name}: the shared budget of {self._budget.limit} sessions is spent "  # type: ignore[union-attr]
                            "(other processes hold them)", retry_after=self.settings.retry_after_s, budget_spent=True)
                    if not self._verified and self._opening:
                        raise Unavailable(f"{self.name}: waiting for the first sign-on",
                                          retry_after=self.settings.retry_after_s)
                    raise Unavailable(
                        f"{self.name}: all {self.settings.max_size} sessions are busy",
                        retry_after=self.settings.retry_after_s,
                    )
                self._waiting += 1
                try:
                    self._cond.wait(min(left, _LEASE_POLL_S) if budget_spent else left)
                finally:
                    self._waiting -= 1
        session = self._open(lu_name, lease)
        with self._cond:
            session.busy_since = time.monotonic()
            self._busy.add(session)
        return session

    def _lease_unlocked(self, want: bool = True) -> Lease | None:
        """Try for a lease on the shared budget, with the pool's lock let go for the round trip."""
        assert self._budget is not None
        self._cond.release()
        try:
            return self._budget.try_acquire(want=want)
        finally:
            self._cond.acquire()

    def _may_open_locked(self) -> bool:
        """Whether a new sign-on may start now: never after a refusal; one at a time until
        one has succeeded (a wrong password then costs one attempt, not one per caller)."""
        return self._refused is None and (self._verified or self._opening == 0)

    def _raise_if_refused_locked(self) -> None:
        """After a refused sign-on every caller gets the refusal at once (a fresh copy of it)."""
        if self._refused is not None:
            raise LoginRefused(self._refused.detail, **self._refused.context)

    def _open(self, lu_name: str | None, lease: Lease | None = None) -> Session:
        """Open one session (counted in ``_opening`` by the caller) under ``lease``, if any."""
        try:
            terminal = self._open_session(lu_name)
        except BaseException as exc:
            if lease is not None:
                self._budget.release(lease)  # type: ignore[union-attr]
                lu_name = None  # the name went back with the lease
            with self._cond:
                self._opening -= 1
                self.counters["open_failures"] += 1
                self.last_error = exc.detail if isinstance(exc, BridgeError) else type(exc).__name__
                if lu_name is not None:
                    self._free_lus.append(lu_name)
                if isinstance(exc, LoginRefused):
                    self.counters["sign_on_refused"] += 1
                    exc.detail = (f"{exc.detail}; {self.name} signs on no more until its configuration changes "
                                  "or an operator resets the bridge")
                    self._refused = exc
                    log.error("%s: %s", self.name, exc.detail)
                self._cond.notify_all()
            raise
        with self._cond:
            self._opening -= 1
            self.counters["opened"] += 1
            self.last_error = None
            self._verified = True
            self._cond.notify_all()  # callers waiting for the first sign-on may open theirs
            granted = getattr(terminal, "granted_lu_name", None) or lu_name
            return Session(terminal=terminal, id=next(self._ids), lu_name=None if lease else lu_name,
                           granted_lu_name=granted, lease=lease)

    def _release(self, session: Session, healthy: bool) -> None:
        call_ended = getattr(session.terminal, "call_ended", None)
        if call_ended is not None:  # a recording terminal: was the call it recorded a success?
            call_ended(healthy)
        reason = None
        if not healthy:
            reason = "the call failed"
        elif session.lease is not None and session.lease.lost:
            reason = "its lease was lost"
        elif session.killed or session.terminal.broken:
            reason = "broken"
        else:
            try:
                # The screen the host last sent: it changes only when the session sends input.
                screen = session.terminal.last or session.terminal.screen()
                if not self._is_home(screen):
                    reason = "not on the home screen"
            except BridgeError:
                reason = "home check failed"
        if reason is None and self._budget is not None and not self._waiting and self._budget.wanted():
            reason = "another process wants its lease"
        with self._cond:
            self._busy.discard(session)
            session.busy_since = None
            session.last_used = time.monotonic()
            session.uses += 1
            if reason is None and not self._closed:
                self._idle.append(session)
            else:
                self._discard_locked(session, reason or "pool closed")
            self._cond.notify()

    def _discard_locked(self, session: Session, reason: str) -> None:
        log.info("%s: discarding session %d (%s)", self.name, session.id, reason)
        self.counters["discarded"] += 1
        if session.lu_name is not None:
            self._free_lus.append(session.lu_name)
        try:
            session.terminal.close()
        except Exception:  # closing must never fail a release
            log.exception("%s: closing session %d failed", self.name, session.id)
        if session.lease is not None:
            if session.lease.lost:
                self.counters["leases_lost"] += 1
            self._budget.release(session.lease)  # type: ignore[union-attr]  # after the close: the host saw it end
        self._wake.set()

    def _size_locked(self) -> int:
        return len(self._idle) + len(self._busy) + self._opening

    # -- upkeep -----------------------------------------------------------------------------

    def _maintain(self) -> None:
        """Kill sessions busy too long, drop stale idle ones, top up to ``min_size``."""
        failures = 0
        while not self._closed:
            # A tick a second; after failed sign-ons back off (0.4 s … 6.4 s) so a down host is not hammered.
            self._wake.wait(1.0 if failures == 0 else 0.2 * 2**failures)
            self._wake.clear()
            if self._closed:
                return
            self.counters["maintenance_ticks"] += 1
            now = time.monotonic()
            with self._cond:
                for session in list(self._busy):
                    held = now - (session.busy_since or now)
                    if held > self.settings.max_busy_s and not session.killed:
                        log.warning("%s: session %d busy for over %gs; killing it",
                                    self.name, session.id, self.settings.max_busy_s)
                        session.killed = True
                        session.terminal.abort()
            # Asked outside the lock: another process turned away wants this process's idle sessions,
            # and no top-up either until it has had its turn (or this pool would win every race for the lease).
            wanted = self._budget is not None and self._budget.wanted()
            with self._cond:
                for session in list(self._idle):
                    lost = session.lease is not None and session.lease.lost
                    if lost or wanted or now - session.last_used > self.settings.max_idle_s:
                        self._idle.remove(session)
                        self._discard_locked(session, "its lease was lost" if lost else "another process wants its "
                                             "lease" if wanted else "idle too long")
                missing = self.settings.min_size - self._size_locked()
                if wanted:
                    missing = 0  # topped up again once nobody else is waiting
                if not self._may_open_locked():
                    missing = 0  # refused: never again on its own; or the first sign-on is under way
                lu_name = None
                lease = None
                if missing > 0:
                    self._opening += 1
                    if self._budget is None:
                        lu_name = self._free_lus.pop(0) if self._free_lus else None
                    else:
                        lease = self._lease_unlocked_quietly()
                        if lease is None:  # the budget is spent elsewhere: not a failure, try next tick
                            self._opening -= 1
                            missing = 0
                        elif self.settings.lu_names:
                            lu_name = lease.slot
            if missing <= 0:
                failures = 0
                continue
            try:
                with deadline_scope(Deadline(self.settings.open_timeout_s)):
                    session = self._open(lu_name, lease)
            except Exception as exc:
                failures = min(failures + 1, 5)
                log.warning("%s: could not open a session: %s", self.name, getattr(exc, "detail", exc))
                continue
            failures = 0
            with self._cond:
                if self._closed:
                    session.terminal.close()
                    return
                self._idle.append(session)
                self._cond.notify()
            self._wake.set()

    def _lease_unlocked_quietly(self) -> Lease | None:
        """:meth:`_lease_unlocked` for a top-up (which takes no other process's idle session), a
        store that does not answer counting as no lease."""
        try:
            return self._lease_unlocked(want=False)
        except Unavailable as exc:
            self.last_error = exc.detail
            return None

    @property
    def refused(self) -> LoginRefused | None:
        """The sign-on refusal that stopped the pool, if any."""
        return self._refused

    def reset(self) -> None:
        """An operator's reset: forget a refused sign-on, so the pool signs on again (once,
        then more only if that one succeeds)."""
        with self._cond:
            if self._refused is not None:
                log.warning("%s: reset; signing on again", self.name)
            self._refused = None
            self._verified = False
            self.last_error = None
            self._cond.notify_all()
        self._wake.set()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Block until ``min_size`` sessions are open (tests, warm-up); False on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._cond:
                if len(self._idle) + len(self._busy) >= self.settings.min_size:
                    return True
            time.sleep(0.01)
        return False

    def status(self) -> dict[str, Any]:
        """Pool state for ``/readyz``."""
        with self._cond:
            data: dict[str, Any] = {
                "size": len(self._idle) + len(self._busy),
                "idle": len(self._idle),
                "busy": len(self._busy),
                "opening": self._opening,
                "waiting": self._waiting,
                "min_size": self.settings.min_size,
                "max_size": self.settings.max_size,
                **self.counters,
            }
            if self.settings.lu_names and self._budget is None:
                data["lu_free"] = len(self._free_lus)
            granted = sorted(s.granted_lu_name for s in (*self._idle, *self._busy) if s.granted_lu_name)
            if granted:
                data["lu_names"] = granted
            if self.last_error:
                data["last_error"] = self.last_error
            if self._refused is not None:
                data["sign_on"] = "refused"
        if self._budget is not None:
            data["budget"] = self._budget.status()  # a store round trip: outside the pool's lock
        return data

    def close(self) -> None:
        """Close every session; busy ones are closed when they come back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for session in idle:
            if self._sign_off is not None and not session.terminal.broken:
                try:
                    with deadline_scope(Deadline(1.0)):
                        self._sign_off(session.terminal)
                except Exception as exc:  # best effort: the connection closes anyway
                    log.info("%s: sign-off of session %d failed: %s", self.name, session.id, exc)
            with self._cond:
                self._discard_locked(session, "pool closed")
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
