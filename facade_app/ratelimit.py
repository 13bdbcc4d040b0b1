"""Per-key request budgets on the ``limits`` library (the engine under flask-limiter).

One fixed-window hit per call, in memory (per process) or in Redis (shared by every
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
from limits.strategies import FixedWindowRateLimiter

from bridges.core.errors import ConfigError, RateLimited

__all__ = ["Budget", "RateLimits"]


class Budget(tuple):
    """``(limit, remaining, reset_epoch)`` of one key after a hit, for response headers."""

    __slots__ = ()

    @property
    def headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers."""
        limit, remaining, reset = self
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(reset))}


class RateLimits:
    """Budgets such as ``600/minute`` per key, kept in ``storage_uri``."""

    def __init__(self, storage_uri: str, prefix: str = "legacy-bridges") -> None:
        try:
            self.storage = storage_from_string(storage_uri)
        except Exception as exc:  # the library raises several types for a bad URI
            raise ConfigError(f"facade.rate_limit_storage: {type(exc).__name__}") from None
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.prefix = prefix

    @staticmethod
    @lru_cache(maxsize=64)
    def _item(limit: str) -> RateLimitItem:
        try:
            return parse(limit)
        except ValueError:
            raise ConfigError(f"not a rate limit: {limit!r} (try '600/minute')") from None

    def hit(self, key: str, limit: str) -> Budget:
        """Spend one request of ``key``'s budget, or raise :class:`RateLimited`."""
        item = self._item(limit)
        allowed = self.strategy.hit(item, self.prefix, key)
        stats = self.strategy.get_window_stats(item, self.prefix, key)
        if not allowed:
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(f"rate limit {limit} exceeded", retry_after=retry)
        return Budget((item.amount, stats.remaining, stats.reset_time))
