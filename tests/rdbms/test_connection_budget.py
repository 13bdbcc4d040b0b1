"""Connection pools of two processes sharing one budget through real Redis, against PostgreSQL:
the server never sees more of their connections than the budget, a caller finding it spent
gets 503 with Retry-After, and a connection goes back to the budget when another process waits."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridges.core.errors import Unavailable
from bridges.core.leases import LeaseStore
from fixtures.orders import connect_postgres
from rdbms import RdbmsSettings, open_connection
from tests.conftest import real_part_missing

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

REDIS = "redis://127.0.0.1:6379"
BUDGET = 2


def _server_count(app: str) -> int:
    """Connections PostgreSQL holds for ``app`` right now (as the server counts them)."""
    with connect_postgres() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (app,)).fetchone()[0]


@pytest.fixture
def two_processes(postgresql_target):
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    tag = f"lb-{uuid.uuid4().hex[:8]}"
    options = {k: v for k, v in postgresql_target.options.items() if k != "db_schema"}
    options["connection"] += f";pqopt={{application_name={tag}}}"  # so the server's count is these tests' own
    settings = RdbmsSettings(**options, pool_size=BUDGET, pool_timeout_s=1.0, extra_functions=["pg_sleep"])
    stores, dbs = [], []
    for n in range(2):
        store = LeaseStore.from_url(REDIS, ttl_s=5)
        store.prefix = f"lb-test:{tag}"
        store.holder += f"-{n}"  # as in another process
        budget = store.budget("orders", limit=BUDGET)
        dbs.append(open_connection(settings, system="orders", secrets=postgresql_target.secrets, budget=budget))
        stores.append(store)
    yield dbs, tag
    for db in dbs:
        db.close()
    for store in stores:
        store.close()


def test_two_pools_never_hold_more_connections_than_the_budget(two_processes):
    dbs, tag = two_processes
    peak, outcomes, stop = [0], [], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _server_count(tag))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def call(n: int) -> None:
        try:
            dbs[n % 2].query("SELECT pg_sleep(0.01), 1 AS ok")
            outcomes.append("ok")
        except Unavailable as exc:
            outcomes.append("503" if exc.retry_after else exc.detail)  # the budget or the pool spent: a 503

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(call, range(200)))
    finally:
        stop.set()
        sampler.join(10)
    assert peak[0] <= BUDGET, f"PostgreSQL saw {peak[0]} connections for a budget of {BUDGET}"
    assert set(outcomes) <= {"ok", "503"} and outcomes.count("ok") >= 150, outcomes
    assert {db.status()["budget"]["in_use"] for db in dbs} <= set(range(BUDGET + 1))


def test_the_budget_spent_by_one_process_is_503_then_freed_for_the_other(two_processes):
    dbs, tag = two_processes
    first, second = dbs
    held = [first._pool.connect() for _ in range(BUDGET)]  # process 1 holds every connection
    try:
        with pytest.raises(Unavailable) as spent:
            second.query("SELECT 1 AS ok")
        assert spent.value.context.get("budget_spent") and spent.value.retry_after
    finally:
        for fairy in held:
            fairy.close()  # back to process 1's pool: idle, still leased
    first.query("SELECT 1 AS ok")  # checked in while process 2 was turned away moments ago: given back
    assert second.query("SELECT 1 AS ok").rows and _server_count(tag) <= BUDGET
