"""Circuit breakers of several processes sharing what they saw through real Redis: one opens,
the others stop calling too; a successful trial clears the board."""

from __future__ import annotations

import uuid

import pytest

from bridges.core.errors import LegacyError, Unavailable
from bridges.core.guard import Guard, GuardSettings
from bridges.core.leases import LeaseStore
from bridges.core.testing import wait_until
from tests.bridges.core.kit_guard import READ
from tests.conftest import real_part_missing

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def two_guards():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    prefix = f"lb-test:{uuid.uuid4().hex[:8]}"
    stores, guards = [], []
    for _ in range(2):
        store = LeaseStore.from_url(REDIS)
        store.prefix = prefix
        settings = GuardSettings(breaker_fail_max=2, breaker_reset_s=1.0, read_retries=0)
        guards.append(Guard(settings, name="custmast", board=store.breaker_board("custmast")))
        stores.append(store)
    yield guards, stores[0]
    for store in stores:
        store.close()


def test_a_breaker_opened_in_one_process_stops_the_others_calls_until_a_trial_succeeds(two_guards):
    (first, second), store = two_guards
    calls = []

    def broken():
        calls.append("first")
        raise LegacyError("host answers garbage")

    for _ in range(2):
        with pytest.raises(LegacyError):
            first.run(READ, broken)
    assert first.breaker.state == "open" and store.breaker_board("custmast").open_for() > 0

    def healthy():
        calls.append("second")
        return "ok"

    with pytest.raises(Unavailable) as refused:
        second.run(READ, healthy)
    assert refused.value.context["breaker_open"] and calls == ["first", "first"]  # the second never called
    assert second.breaker.state == "open"
    # once the reset time is up, the second process tries one trial call itself, and it succeeds
    assert wait_until(lambda: second.breaker.state == "half-open", timeout=3)
    assert second.run(READ, healthy) == "ok" and second.breaker.state == "closed"
    assert store.breaker_board("custmast").open_for() == 0  # cleared for everyone


def test_a_board_out_of_reach_is_no_news():
    store = LeaseStore.from_url("redis://127.0.0.1:1")
    guard = Guard(GuardSettings(read_retries=0), name="custmast", board=store.breaker_board("custmast"))
    assert guard.run(READ, lambda: "ok") == "ok"
