"""Budgets of a legacy system held as one, however many processes and hosts serve it.

A legacy system allows so many sessions, connections or logins (4 LU names, 10 database
connections…), not so many *per worker*. A :class:`LeaseStore` on Redis hands out leases
on a named budget: at most ``limit`` at once across every process that shares the store,
each on a distinct slot (an LU name, or a numbered slot when the budget has no names).

    store = LeaseStore.from_url("redis://127.0.0.1:6379", ttl_s=15)
    budget = store.budget("custmast", slots=["LU0001", "LU0002"], limit=2)
    lease = budget.try_acquire()          # None when every slot is leased
    …                                     # open the session as lease.slot
    budget.release(lease)

A lease expires ``ttl_s`` after its last renewal; a thread of the store renews every
lease it holds each ``ttl_s / 3``, so a process that dies (``kill -9``) frees its leases
within ``ttl_s`` and a live one keeps them. A lease the store could not renew before it
expired is marked :attr:`Lease.lost`: another process may hold its slot now, so the
session or connection under it must be closed, never reused.

Acquiring is one Redis round trip (a Lua script counts the leased slots and takes a free
one atomically); a budget has no waiting list, so callers poll (:meth:`Budget.acquire`). A
caller turned away marks the budget *wanted* for a moment, so that holders keeping a slot
idle give it back (:meth:`Budget.wanted`) instead of starving the other processes.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bridges.core.errors import ConfigError, Unavailable

__all__ = ["Budget", "Lease", "LeaseStore", "RedisBreakerBoard"]

log = logging.getLogger("legacy_bridges.leases")

# KEYS: the budget's slot keys, then its "wanted" key; ARGV: token, ttl in ms, limit, first
# slot to try (1-based), how long a refusal marks the budget wanted (ms), by whom. Starting at a random
# slot spreads names out, so a name just given back (whose session the legacy host may not
# have seen closing yet) is seldom the next one taken.
_ACQUIRE = """
local held, free = 0, nil
local n = #KEYS - 1
local start = tonumber(ARGV[4])
for i = 0, n - 1 do
  local k = ((start - 1 + i) % n) + 1
  if redis.call('EXISTS', KEYS[k]) == 1 then held = held + 1 elseif free == nil then free = k end
end
if free == nil or held >= tonumber(ARGV[3]) then
  if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[n + 1], ARGV[6], 'PX', ARGV[5]) end
  return 0
end
redis.call('SET', KEYS[free], ARGV[1], 'PX', ARGV[2])
return free
"""
_WANTED_MS = 1000  # a turned-away caller polls far more often than this
# KEYS: slot keys held; ARGV: ttl in ms, then one token per key. Returns 1/0 per key.
_RENEW = """
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[i + 1] then
    redis.call('PEXPIRE', k, ARGV[1]); out[i] = 1
  else out[i] = 0 end
end
return out
"""
# KEYS: the slot; ARGV: token, grace in ms. The slot frees after the grace, not at once: the
# legacy system sees a closed session or connection end a moment after the client closed it
# (a PostgreSQL backend still counts for a few milliseconds), and the next holder must not
# open its own before that.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE_GRACE_MS = 100


@dataclass(eq=False)
class Lease:
    """One slot of a budget, held by this process until released (or lost)."""

    budget: str
    slot: str
    token: str
    key: str = field(repr=False)
    renewed: float = field(default_factory=time.monotonic, repr=False)
    lost: bool = False
    """True once the lease expired in the store before it could be renewed: another process
    may hold the slot, so whatever runs under it must be closed."""


class Budget:
    """One named budget of a :class:`LeaseStore`: ``limit`` leases at most, on ``slots``."""

    def __init__(self, store: LeaseStore, name: str, slots: list[str], limit: int) -> None:
        self.store = store
        self.name = name
        self.slots = list(slots)
        self.limit = limit
        self._keys = [store.key(name, slot) for slot in self.slots]
        self._wanted = store.key(name, "?wanted")  # no LU name holds a "?"

    def try_acquire(self, *, want: bool = True) -> Lease | None:
        """A lease on a free slot now, or None when ``limit`` leases are out (or no slot is free);
        then, if ``want``, the budget is marked wanted (``want=False``: a caller that can do
        without, such as a pool topping itself up).

        Raises :class:`Unavailable` when the store cannot be reached."""
        token = f"{self.store.holder}:{uuid.uuid4().hex[:12]}"
        start = random.randint(1, len(self._keys))  # spreading names out, not security
        index = self.store.run(
            self.store.acquire_script,
            [*self._keys, self._wanted],
            token,
            self.store.ttl_ms,
            self.limit,
            start,
            _WANTED_MS if want else 0,
            self.store.holder,
        )
        if not index:
            return None
        lease = Lease(self.name, self.slots[int(index) - 1], token, self._keys[int(index) - 1])
        self.store.held(lease)
        return lease

    def acquire(self, wait_s: float, poll_s: float = 0.02) -> Lease | None:
        """A lease, polling up to ``wait_s`` seconds for one; None if none came free."""
        end = time.monotonic() + wait_s
        while True:
            lease = self.try_acquire()
            if lease is not None or time.monotonic() >= end:
                return lease
            time.sleep(min(poll_s, max(0.0, end - time.monotonic())))  # no waiting list: poll

    def release(self, lease: Lease) -> None:
        """Give ``lease`` back (nothing happens if it was lost to expiry); never raises."""
        self.store.forget(lease)
        if lease.lost:
            return
        try:
            self.store.run(self.store.release_script, [lease.key], lease.token, _RELEASE_GRACE_MS)
        except Unavailable as exc:  # it expires on its own within the TTL
            log.warning("%s: could not give back the lease on %s: %s", self.name, lease.slot, exc.detail)

    def wanted(self) -> bool:
        """Whether a caller of another process was turned away within the last second (False
        when the store cannot be reached): a holder with an idle slot should give it back."""
        try:
            by = self.store.run_command("get", self._wanted)
        except Unavailable:
            return False
        return by is not None and by.decode() != self.store.holder

    def in_use(self) -> int | None:
        """Leases out right now across every process (None when the store cannot be reached)."""
        try:
            return int(self.store.run_command("exists", *self._keys))
        except Unavailable:
            return None

    def status(self) -> dict[str, Any]:
        """The budget as operators see it: limit, leases out everywhere, leases held here."""
        return {
            "limit": self.limit,
            "in_use": self.in_use(),
            "held_here": self.store.count(self.name),
            "store": "redis",
        }


class LeaseStore:
    """Leases on named budgets in Redis, renewed by one thread while held."""

    def __init__(self, client: Any, *, ttl_s: float = 15.0, prefix: str = "legacy-bridges:lease") -> None:
        if ttl_s < 1:
            raise ConfigError("facade.budget_lease_ttl_s must be at least 1 second")
        self.client = client
        self.ttl_s = ttl_s
        self.ttl_ms = int(ttl_s * 1000)
        self.prefix = prefix
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.acquire_script = client.register_script(_ACQUIRE)
        self.renew_script = client.register_script(_RENEW)
        self.release_script = client.register_script(_RELEASE)
        self._held: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_url(cls, url: str, *, ttl_s: float = 15.0) -> LeaseStore:
        """A store on the Redis at ``url`` (``redis://host:port/db``); fails naming the key."""
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("facade.budget_store: not a Redis URL (redis://host:port)")
        import redis

        # Short socket timeouts: a budget check runs inside a caller's deadline.
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return cls(client, ttl_s=ttl_s)

    def key(self, budget: str, slot: str) -> str:
        """The Redis key of one slot (one hash tag per budget, so a Redis Cluster keeps it on one node)."""
        return f"{self.prefix}:{{{budget}}}:{slot}"

    def budget(self, name: str, *, limit: int, slots: list[str] | None = None) -> Budget:
        """The budget ``name``: ``limit`` leases at most, on the named ``slots`` (or ``#1`` … ``#limit``)."""
        names = list(slots) if slots else [f"#{i}" for i in range(1, limit + 1)]
        return Budget(self, name, names, min(limit, len(names)))

    # -- plumbing for budgets ---------------------------------------------------------------

    def run(self, script: Any, keys: list[str], *args: Any) -> Any:
        """Run a registered script, a store failure as :class:`Unavailable`."""
        import redis

        try:
            return script(keys=keys, args=list(args))
        except redis.RedisError as exc:
            raise Unavailable(f"the budget store does not answer ({type(exc).__name__})", retry_after=2) from None

    def run_command(self, name: str, *args: Any) -> Any:
        """Run one Redis command, a store failure as :class:`Unavailable`."""
        import redis

        try:
            return self.client.execute_command(name.upper(), *args)
        except redis.RedisError as exc:
            raise Unavailable(f"the budget store does not answer ({type(exc).__name__})", retry_after=2) from None

    def held(self, lease: Lease) -> None:
        """Start renewing ``lease``."""
        with self._lock:
            self._held[lease.token] = lease
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._renew_loop, name="lease-renewal", daemon=True)
                self._thread.start()

    def forget(self, lease: Lease) -> None:
        """Stop renewing ``lease``."""
        with self._lock:
            self._held.pop(lease.token, None)

    def count(self, budget: str) -> int:
        """Leases of ``budget`` this process holds."""
        with self._lock:
            return sum(1 for lease in self._held.values() if lease.budget == budget)

    def renew(self) -> None:
        """Renew every held lease once; a lease not renewed within its TTL is marked lost."""
        with self._lock:
            leases = list(self._held.values())
        if not leases:
            return
        now = time.monotonic()
        try:
            answers = self.run(
                self.renew_script, [lease.key for lease in leases], self.ttl_ms, *(lease.token for lease in leases)
            )
        except Unavailable as exc:
            answers = [None] * len(leases)
            log.warning("lease renewal failed: %s", exc.detail)
        for lease, renewed in zip(leases, answers, strict=True):
            if renewed == 1:
                lease.renewed = now
            elif renewed == 0 or now - lease.renewed >= self.ttl_s:
                # Taken over, or expired while the store was out of reach: the slot may be someone else's.
                lease.lost = True
                self.forget(lease)
                log.warning("lease on %s %s lost", lease.budget, lease.slot)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            self.renew()

    def breaker_board(self, name: str) -> RedisBreakerBoard:
        """Where the circuit breakers of bridge ``name`` in every process tell each other they opened."""
        return RedisBreakerBoard(self, name)

    def close(self) -> None:
        """Stop renewing (leases still held expire within the TTL; budgets release their own)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


class RedisBreakerBoard:
    """A :class:`~bridges.core.guard.BreakerBoard` in the lease store's Redis: one key per bridge
    that lives as long as the breaker that set it stays open. A store that does not answer is
    no news (each process's own breaker still works)."""

    def __init__(self, store: LeaseStore, name: str) -> None:
        self.store = store
        self.key = f"{store.prefix}:breaker:{{{name}}}"

    def publish(self, open_for_s: float) -> None:
        """This process's breaker opened for ``open_for_s`` seconds."""
        try:
            self.store.run_command("set", self.key, "open", "PX", max(1, int(open_for_s * 1000)))
        except Unavailable as exc:
            log.warning("could not share the open breaker of %s: %s", self.key, exc.detail)

    def open_for(self) -> float:
        """Seconds another process's breaker stays open (0 when none is, or the store is out of reach)."""
        try:
            left = int(self.store.run_command("pttl", self.key))
        except Unavailable:
            return 0.0
        return left / 1000 if left > 0 else 0.0

    def clear(self) -> None:
        """A trial call succeeded: the breakers need not stay open for this process's sake."""
        try:
            self.store.run_command("del", self.key)
        except Unavailable as exc:  # it expires on its own
            log.info("could not clear the shared breaker %s: %s", self.key, exc.detail)
