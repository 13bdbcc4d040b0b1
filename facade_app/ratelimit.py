"""Per-key request budgets on the ``limits`` library (the engine under flask-limiter).

One fixed-window count per call, in memory (per process) or in Redis (shared by every
worker); a spent budget raises :class:`RateLimited` with the seconds to wait. Used
directly rather than through flask-limiter, whose per-request machinery (two limit
evaluations, URL rebuilding, header injection on every response) was most of the
facade's overhead.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import storage_from_string

from bridges.core.errors import ConfigError, RateLimited

__all__ = ["Budget", "RateLimits"]


class Budget(tuple):
    """``(limit, remaining)`` of one key after a hit, for response headers."""

    __slots__ = ()

    @property
    def headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers."""
        limit, remaining = self
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}


class RateLimits:
    """Budgets such as ``600/minute`` per key, kept in ``storage_uri``."""

    def __init__(self, storage_uri: str, prefix: str = "legacy-bridges") -> None:
        try:
            self.storage = storage_from_string(storage_uri)
        except Exception as exc:  # the library raises several types for a bad URI
            raise ConfigError(f"facade.rate_limit_storage: {type(exc).__name__}") from None
        self.prefix = prefix

    @staticmethod
    @lru_cache(maxsize=64)
    def _item(limit: str) -> RateLimitItem:
        try:
            return parse(limit)
        except ValueError:
            raise ConfigError(f"not a rate limit: {limit!r} (try '600/minute')") from None

    def validate(self, limit: str) -> None:
        """Raise :class:`ConfigError` unless ``limit`` is a rate limit (``600/minute``)."""
        self._item(limit)

    def hit(self, key: str, limit: str) -> Budget:
        """Spend one request of ``key``'s budget, or raise :class:`RateLimited`."""
        item = self._item(limit)
        # The fixed-window strategy's own hit, keeping the count its storage returns:
        # one storage round trip per request (Redis included) instead of two.
        window = item.key_for(self.prefix, key)
        used = self.storage.incr(window, item.get_expiry())
        if used > item.amount:
            retry = max(1, math.ceil(self.storage.get_expiry(window) - time.time()))
            raise RateLimited(f"rate limit {limit} exceeded", retry_after=retry)
        return Budget((item.amount, item.amount - used))
