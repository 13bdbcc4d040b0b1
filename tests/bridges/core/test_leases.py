"""Budgets leased through real Redis: one limit across stores, distinct slots, expiry of a dead
holder's leases, renewal of a live one's, and a lease lost to another holder."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bridges.core.errors import ConfigError, Unavailable
from bridges.core.leases import LeaseStore
from bridges.core.testing import wait_until
from tests.conftest import real_part_missing

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

REDIS = "redis://127.0.0.1:6379"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stores():
    """A factory of stores on the real Redis, each as another process would have; one
    key prefix per test, so leases of earlier runs never count."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    prefix = f"lb-test:{uuid.uuid4().hex[:8]}"
    made: list[LeaseStore] = []

    def make(ttl_s: float = 15.0) -> LeaseStore:
        store = LeaseStore.from_url(REDIS, ttl_s=ttl_s)
        store.prefix = prefix
        made.append(store)
        return store

    make.prefix = prefix
    yield make
    for store in made:
        store.close()


def test_two_stores_share_one_limit_on_distinct_slots(stores):
    slots = ["LU0001", "LU0002", "LU0003"]
    a = stores().budget("custmast", limit=2, slots=slots)
    b = stores().budget("custmast", limit=2, slots=slots)
    first, second = a.try_acquire(), b.try_acquire()
    assert first is not None and second is not None and first.slot != second.slot
    assert a.try_acquire() is None and b.try_acquire() is None  # 2 out: the limit, though a slot is free
    assert a.in_use() == 2 and a.status()["held_here"] == 1
    a.release(first)
    assert b.try_acquire() is None  # given back, the slot stays out a moment: the legacy side sees the close late
    third = b.acquire(wait_s=1)
    assert third is not None and third.slot != second.slot
    assert b.acquire(wait_s=0.1) is None  # polls, then gives up


def test_a_budget_without_names_has_numbered_slots(stores):
    budget = stores().budget("orders", limit=3)
    leases = [budget.try_acquire() for _ in range(4)]
    assert sorted(lease.slot for lease in leases[:3]) == ["#1", "#2", "#3"] and leases[3] is None


def test_a_caller_turned_away_marks_the_budget_wanted_by_the_others_unless_it_can_do_without(stores):
    holder, other = stores(), stores()
    other.holder += "-other"  # as another process's store
    held, turned_away = holder.budget("custmast", limit=1), other.budget("custmast", limit=1)
    assert held.try_acquire() is not None and not held.wanted()
    assert turned_away.try_acquire(want=False) is None and not held.wanted()  # a pool topping itself up
    assert turned_away.try_acquire() is None and held.wanted()  # a caller: holders should give idle slots back
    assert not turned_away.wanted()  # … but not the process that wants one


_HOLDER = """
import sys
from bridges.core.leases import LeaseStore
store = LeaseStore.from_url("redis://127.0.0.1:6379", ttl_s=2)
store.prefix = sys.argv[1]
budget = store.budget("custmast", limit=2, slots=["LU0001", "LU0002"])
print(budget.try_acquire().slot, budget.try_acquire().slot, flush=True)
sys.stdin.read()  # hold (and renew) until killed
"""


def test_the_leases_of_a_killed_process_expire_within_the_ttl_and_a_live_holder_keeps_its_own(stores):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, stores.prefix],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    try:
        assert sorted(holder.stdout.readline().split()) == ["LU0001", "LU0002"]
        budget = stores(ttl_s=2).budget("custmast", limit=2, slots=["LU0001", "LU0002"])
        # not synchronisation: time must pass (more than the TTL) for renewal to be what keeps the leases
        time.sleep(3)
        assert budget.try_acquire() is None, "a live holder's leases expired"
        holder.kill()  # SIGKILL: no clean-up runs
        holder.wait(10)
        # freed within the TTL (2 s; the bound adds one poll of slack), with nobody giving them back
        assert wait_until(lambda: budget.in_use() == 0, timeout=2.5)
        assert budget.try_acquire() is not None
    finally:
        holder.kill()
        holder.wait(10)


def test_a_lease_taken_over_in_the_store_is_marked_lost_at_the_next_renewal(stores):
    store = stores()
    budget = store.budget("custmast", limit=1, slots=["LU0001"])
    lease = budget.try_acquire()
    store.client.set(lease.key, "another-holder")  # as after an expiry and another process's claim
    store.renew()
    assert lease.lost and store.count("custmast") == 0
    budget.release(lease)  # a lost lease is not given back: it is someone else's now
    assert store.client.get(lease.key) == b"another-holder"


def test_a_store_that_does_not_answer_is_503_and_a_bad_url_names_the_key():
    store = LeaseStore.from_url("redis://127.0.0.1:1", ttl_s=5)
    with pytest.raises(Unavailable) as caught:
        store.budget("custmast", limit=1).try_acquire()
    assert "budget store" in caught.value.detail and caught.value.retry_after
    with pytest.raises(ConfigError, match=r"facade\.budget_store"):
        LeaseStore.from_url("memory://")
