"""A warm pool of browser contexts per credential, with stored session state.

Used only on the browser's owner thread, so it needs no locks. A context is checked out
for one flow and checked back in afterwards (kept warm, logged in, its page open); a
context that timed out or saw an unknown state is discarded, never reused. After a login
the context's storage state (cookies) is kept, so a new context for the same user starts
logged in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


class ContextPool:
    """Idle contexts by credential key, at most ``size`` kept per key."""

    def __init__(self, size: int, make_context: Callable[[Any, dict[str, Any] | None], Any],
                 states: dict[str, dict[str, Any]] | None = None) -> None:
        self.size = size
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
        state = self.states.get(key)
        context = self.make_context(browser, state)
        page = context.new_page()
        self.created += 1
        return Lease(context, page, key, self.generation, uses=1, logged_in=state is not None)

    def checkin(self, lease: Lease) -> None:
        """Keep ``lease`` warm for the next call, or close it if the pool is full."""
        idle = self._idle.setdefault(lease.key, [])
        if lease.generation == self.generation and len(idle) < self.size:
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
        self._idle.clear()

    def close(self) -> None:
        """Close every idle context."""
        for idle in self._idle.values():
            for lease in idle:
                self.discard(lease)
        self._idle.clear()

    def status(self) -> dict[str, Any]:
        """Sizes and counters for readiness reports."""
        return {"idle": sum(len(v) for v in self._idle.values()), "created": self.created,
                "reused": self.reused, "discarded": self.discarded, "sessions": len(self.states)}
