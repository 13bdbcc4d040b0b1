"""A warm pool of browser contexts per credential, with stored session state.

Used only on the browser's owner thread, so it needs no locks. A context is checked out
for one flow and checked back in afterwards (kept warm, logged in, its page open); a
context that timed out or saw an unknown state is discarded, never reused. After a login
the context's storage state (cookies) is kept, so a new context for the same user starts
logged in.

With a shared ``budget`` (a :class:`~bridges.core.leases.Budget`), every open context — a
browser login on the application — holds a lease until it closes, so all the processes
serving the application together never keep more contexts than the budget; a context goes
back to the budget instead of the pool when another process was turned away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridges.core import leases
from bridges.core.deadline import current_deadline
from bridges.core.errors import Unavailable

__all__ = ["ContextPool", "Lease"]

log = logging.getLogger("legacy_bridges.web_scrape")


@dataclass
class Lease:
    """A checked-out context and its page."""

    context: Any
    page: Any
    key: str
    generation: int
    uses: int = 0
    logged_in: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    slot: leases.Lease | None = None
    """The context's lease on a shared budget (None when the budget is this process's)."""


class ContextPool:
    """Idle contexts by credential key, at most ``size`` kept per key."""

    def __init__(self, size: int, make_context: Callable[[Any, dict[str, Any] | None], Any],
                 states: dict[str, dict[str, Any]] | None = None, budget: leases.Budget | None = None,
                 wait_s: float = 2.0) -> None:
        self.size = size
        self.budget = budget
        self.wait_s = wait_s
        self.make_context = make_context
        # Stored sessions by key; pools of several browsers may share one dict.
        self.states: dict[str, dict[str, Any]] = states if states is not None else {}
        self._idle: dict[str, list[Lease]] = {}
        self.generation = 0
        self.created = 0
        self.reused = 0
        self.discarded = 0

    def checkout(self, browser: Any, key: str) -> Lease:
        """A warm context for ``key``, or a new one (starting from the stored session)."""
        idle = self._idle.get(key, [])
        while idle:
            lease = idle.pop()
            if lease.generation == self.generation and not lease.page.is_closed():
                lease.uses += 1
                self.reused += 1
                return lease
            self.discard(lease)
        slot = self._lease()
        try:
            state = self.states.get(key)
            context = self.make_context(browser, state)
            page = context.new_page()
        except BaseException:
            if slot is not None:
                self.budget.release(slot)  # type: ignore[union-attr]
            raise
        self.created += 1
        return Lease(context, page, key, self.generation, uses=1, logged_in=state is not None, slot=slot)

    def _lease(self) -> leases.Lease | None:
        """A lease for one more context (None without a budget), or 503 when the budget stays spent."""
        if self.budget is None:
            return None
        slot = self.budget.acquire(current_deadline().bound(self.wait_s))
        if slot is None:
            raise Unavailable(f"the shared budget of {self.budget.limit} browser logins is spent "
                              "(other processes hold them)", retry_after=1, budget_spent=True)
        return slot

    def checkin(self, lease: Lease) -> None:
        """Keep ``lease`` warm for the next call, or close it if the pool is full."""
        idle = self._idle.setdefault(lease.key, [])
        wanted = self.budget is not None and self.budget.wanted()  # by another process: give the login back
        if lease.generation == self.generation and len(idle) < self.size and not wanted:
            idle.append(lease)
        else:
            self.discard(lease)

    def discard(self, lease: Lease) -> None:
        """Close ``lease``'s context; it is never reused."""
        self.discarded += 1
        try:
            lease.context.close()
        except Exception:  # a context of a dead browser cannot be closed, and need not be
            log.debug("context of %s already gone", lease.key)
        self._give_back(lease)

    def _give_back(self, lease: Lease) -> None:
        if lease.slot is not None and self.budget is not None:
            self.budget.release(lease.slot)
            lease.slot = None

    def remember_session(self, lease: Lease) -> None:
        """Keep ``lease``'s cookies so new contexts for its user start logged in."""
        self.states[lease.key] = lease.context.storage_state()
        lease.logged_in = True

    def forget_session(self, key: str) -> None:
        """Drop the stored session of ``key`` (it expired on the server)."""
        self.states.pop(key, None)

    def browser_restarted(self) -> None:
        """Every context belonged to a browser that is gone: drop them (sessions stay)."""
        self.generation += 1
        for idle in self._idle.values():
            for lease in idle:
                self._give_back(lease)  # its context went with the browser
        self._idle.clear()

    def release_idle(self) -> int:
        """Close every idle context (another process wants the budget); how many were closed."""
        idle = [lease for leases_of_key in self._idle.values() for lease in leases_of_key]
        self._idle.clear()
        for lease in idle:
            self.discard(lease)
        return len(idle)

    def close(self) -> None:
        """Close every idle context."""
        for idle in self._idle.values():
            for lease in idle:
                self.discard(lease)
        self._idle.clear()

    def status(self) -> dict[str, Any]:
        """Sizes and counters for readiness reports."""
        status = {"idle": sum(len(v) for v in self._idle.values()), "created": self.created,
                  "reused": self.reused, "discarded": self.discarded, "sessions": len(self.states)}
        if self.budget is not None:
            status["budget"] = self.budget.status()
        return status
