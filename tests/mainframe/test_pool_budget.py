"""Session pools of two processes sharing one budget through real Redis, against a demo host that
enforces LU ownership: never more sessions than the budget, never one LU twice, no refused opens."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import LoginRefused, Unavailable
from bridges.core.leases import LeaseStore
from bridges.core.testing import wait_until
from mainframe import LiveTerminal, PoolSettings, SessionPool
from mainframe.testing import demo_host, need_s3270
from tests.conftest import real_part_missing

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

LUS = ["LU0001", "LU0002", "LU0003"]
REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def host():
    need_s3270()
    with demo_host(lu_names=LUS, named_lus_only=True, busy_linger=0.1) as running:
        yield running


@pytest.fixture
def prefix() -> str:
    """Where this test's leases live in the real Redis (a fresh prefix: no other test's leases)."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    return f"lb-test:{uuid.uuid4().hex[:8]}"


@pytest.fixture
def shared(host, prefix):
    """Two pools as two worker processes would build them: each its own lease store (own
    renewal, own holder name) on one Redis, one budget of 2 sessions on LU0001…LU0003."""
    stores, pools = [], []

    def open_session(lu_name):
        terminal = LiveTerminal(host.host, host.port, lu_name=lu_name)
        screen = terminal.connect()
        assert screen.text(1, 2, 6) == "CMSIGN", f"{lu_name} refused: {screen.text(24, 2, 60)}"
        assert terminal.send("Enter", {(8, 28): "DEMO03", (10, 28): "Dem0-Pass"}).text(1, 2, 6) == "CMMENU"
        return terminal

    for n in range(2):
        store = LeaseStore.from_url(REDIS, ttl_s=5)
        store.prefix = prefix
        store.holder += f"-{n}"  # as in another process
        settings = PoolSettings(min_size=1, max_size=2, acquire_timeout_s=3.0, lu_names=LUS)
        budget = store.budget("custmast", limit=2, slots=LUS)
        pools.append(SessionPool(open_session, settings, is_home=lambda s: s.text(1, 2, 6) == "CMMENU", budget=budget))
        stores.append(store)
    yield pools, stores
    for pool in pools:
        pool.close()
    for store in stores:
        store.close()


def test_two_pools_never_exceed_the_shared_budget_nor_claim_one_lu_twice(host, shared):
    pools, _ = shared
    seen: list[tuple[str, str]] = []  # (pool, LU shown on the screen) per call
    outcomes: list[str] = []

    def call(n: int) -> None:
        pool = pools[n % 2]
        try:
            with pool.session() as terminal:
                lu = terminal.screen().text(2, 73, 8).strip()
                seen.append((pool.name + str(n % 2), lu))
                assert sorted(host.lus_in_use()) == sorted(set(host.lus_in_use()))
            outcomes.append("ok")
        except Unavailable as exc:
            outcomes.append("budget" if exc.context.get("budget_spent") else exc.detail)

    with ThreadPoolExecutor(16) as executor:
        list(executor.map(call, range(120)))
    assert host.peak_sessions <= 2, "the two pools together opened more sessions than the budget"
    assert set(outcomes) <= {"ok", "budget"} and outcomes.count("ok") >= 60, outcomes
    assert {lu for _, lu in seen} <= set(LUS)
    for pool in pools:
        assert pool.status()["open_failures"] == 0, pool.status()  # no LU was ever refused by the host
    assert pools[0].status()["budget"]["in_use"] <= 2


def test_a_session_whose_lease_was_lost_is_closed_not_reused(host, shared):
    pools, stores = shared
    assert wait_until(lambda: all(p.status()["idle"] >= 1 for p in pools), timeout=20)
    with pools[0].session() as terminal:
        lease_keys = list(stores[0]._held.values())  # the lease of the session in hand (the only one held)
        assert len(lease_keys) == 1
        stores[0].client.set(lease_keys[0].key, "another-holder")  # taken over after an expiry
        stores[0].renew()
        terminal.screen()
    status = pools[0].status()
    assert status["leases_lost"] == 1 and status["discarded"] == 1


def test_an_idle_session_goes_back_to_the_budget_when_another_process_is_turned_away(host, shared):
    pools, _ = shared
    assert wait_until(lambda: all(p.status()["idle"] == 1 for p in pools), timeout=20)  # 1 + 1: budget spent
    with pools[0].session() as first, pools[0].session() as second:  # the second waits for pool 1's idle one
        lus = {first.screen().text(2, 73, 8).strip(), second.screen().text(2, 73, 8).strip()}
    assert len(lus) == 2 and pools[1].status()["discarded"] >= 1
    assert host.peak_sessions <= 2 and host.refused_sessions == 0


def test_a_refused_sign_on_gives_its_lease_back_to_the_budget(prefix):
    store = LeaseStore.from_url(REDIS, ttl_s=5)
    store.prefix = prefix
    budget = store.budget("custmast", limit=1, slots=LUS)
    asked: list[str | None] = []

    def refused(lu_name):
        asked.append(lu_name)
        raise LoginRefused("CUSTMAST refused the sign-on: wrong user id or password")

    pool = SessionPool(
        refused,
        PoolSettings(min_size=0, max_size=1, lu_names=LUS),
        is_home=lambda s: True,
        budget=budget,
        background=False,
    )
    try:
        with pytest.raises(LoginRefused), deadline_scope(Deadline(5)), pool.session():
            pass
        assert len(asked) == 1 and asked[0] in LUS  # it signed on under a lease on one LU name …
        # … and gave it back (free once the release grace of 0.1 s is over): another process may have it
        assert wait_until(lambda: budget.status()["in_use"] == 0, timeout=2)
    finally:
        pool.close()
        store.close()


def test_without_a_shared_budget_a_second_process_claiming_the_same_lus_is_refused_by_the_host(host):
    """The fault the shared budget removes: each process claims the same LU names for itself."""

    def open_session(lu_name):
        terminal = LiveTerminal(host.host, host.port, lu_name=lu_name)
        screen = terminal.connect()
        if screen.text(1, 2, 6) != "CMSIGN":
            terminal.close()
            raise Unavailable(f"{lu_name} refused: {screen.text(24, 2, 60).strip()}")
        terminal.send("Enter", {(8, 28): "DEMO03", (10, 28): "Dem0-Pass"})
        return terminal

    settings = PoolSettings(min_size=0, max_size=2, acquire_timeout_s=1.0, lu_names=LUS[:2])
    first, second = (
        SessionPool(open_session, settings, is_home=lambda s: s.text(1, 2, 6) == "CMMENU", background=False)
        for _ in range(2)
    )
    try:
        # the first process holds LU0001 and LU0002; the second asks the host for the same names
        with first.session(), first.session(), pytest.raises(Unavailable, match="NOT AVAILABLE"), second.session():
            pass
        assert host.refused_sessions >= 1 and second.status()["open_failures"] >= 1
    finally:
        first.close()
        second.close()
