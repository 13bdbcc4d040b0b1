"""One session budget for every gunicorn worker: CUSTMAST served by 4 real workers whose pools
lease their sessions and LU names through real Redis, against a demo host that enforces LU
ownership (a session naming no LU, or an LU another holds, is refused)."""

from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import redis
import tomli_w

from bridges.core.testing import wait_until
from fixtures.world import customers
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE, PASSWORD
from tests.conftest import real_part_missing
from tests.facade_app.gunicorn_run import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[3]
REDIS = "redis://127.0.0.1:6379"
KEY = "budget-test-key-0001"
BUDGET, TTL_S = 4, 3
LUS = [f"LU{n:04d}" for n in range(1, 7)]  # more names than the budget: any 4 of them at once


@pytest.fixture
def served(tmp_path):
    need_s3270()
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    bridge = f"cm_{uuid.uuid4().hex[:8]}"  # its own budget (and rate-limit keys) in the shared Redis
    with demo_host(codepage=CODE_PAGE, lu_names=LUS, named_lus_only=True, busy_linger=0.1) as host:
        config = {
            "crosswalk": str(ROOT / "fixtures/crosswalk-v1.csv"),
            "facade": {
                "rate_limit": "100000/minute",
                "rate_limit_storage": REDIS,
                "budget_store": REDIS,
                "budget_lease_ttl_s": TTL_S,
                "state_dir": str(tmp_path),
                "readiness_ttl_s": 1.0,
            },
            "api_keys": [
                {
                    "name": f"k-{bridge}",
                    "key": {"env": "BUDGET_TEST_KEY", "default": KEY},
                    "scopes": [f"{bridge}:*", "ops"],
                }
            ],
            "bridges": {
                bridge: {
                    "kind": "custmast",
                    "secrets": {"password": {"env": "CUSTMAST_TEST_PASSWORD", "default": PASSWORD}},
                    "options": {
                        "host": host.host,
                        "port": host.port,
                        "code_page": CODE_PAGE,
                        "pool": {"min_size": 1, "max_size": BUDGET, "acquire_timeout_s": 3.0, "lu_names": LUS},
                    },
                    "guard": {"deadline_s": 10, "max_concurrency": 8, "queue_timeout_s": 5, "read_retries": 0},
                }
            },
        }
        path = tmp_path / "bridges.toml"
        path.write_text(tomli_w.dumps(config), encoding="utf-8")
        with gunicorn("facade_app.wsgi", 4, {"LEGACY_BRIDGES_CONFIG": str(path)}) as http:
            http.headers["Authorization"] = f"Bearer {KEY}"
            yield http, host, bridge


def _holders(bridge: str) -> dict[str, int]:
    """LU name → pid of the process holding its lease, as the store has them now."""
    client = redis.Redis.from_url(REDIS)
    found = {}
    for key in client.scan_iter(match=f"legacy-bridges:lease:{{{bridge}}}:*"):
        token = client.get(key)
        if token is not None and not key.endswith(b"?wanted"):
            found[key.decode().rsplit(":", 1)[1]] = int(token.decode().split(":")[1])
    return found


def test_four_workers_hold_one_budget_of_distinct_lus_and_a_killed_worker_frees_its_leases(served):
    http, host, bridge = served
    numbers = [c.custmast_no for c in customers()][:20]

    def call(n: int) -> tuple[int, str | None]:
        r = http.get(f"/v1/{bridge}/get_customer", params={"customer": numbers[n % len(numbers)]})
        return r.status_code, r.headers.get("Retry-After")

    with ThreadPoolExecutor(200) as pool:
        results = list(pool.map(call, range(200)))
    statuses = [status for status, _ in results]
    assert host.peak_sessions <= BUDGET, f"{host.peak_sessions} sessions at once for a budget of {BUDGET}"
    assert host.refused_sessions == 0, "a worker claimed an LU another held (or named none)"
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 150, statuses
    assert all(retry for status, retry in results if status == 503)
    held = _holders(bridge)
    assert len(held) <= BUDGET and set(held) <= set(LUS)
    workers = {p.pid for p in psutil.Process(http.master_pid).children()}
    assert set(held.values()) <= workers, "a lease held by a process that is not a worker"

    ready = [http.get("/readyz") for _ in range(20)]
    assert [r.status_code for r in ready] == [200] * 20, [r.text for r in ready if r.status_code != 200][:1]

    victim = next(iter(held.values()))
    os.kill(victim, signal.SIGKILL)
    # within the TTL (plus one renewal tick of slack), with nobody giving them back
    assert wait_until(lambda: victim not in _holders(bridge).values(), timeout=TTL_S + 1)
    after = [call(n)[0] for n in range(20)]
    assert after.count(200) >= 15 and host.refused_sessions == 0, after
    assert host.peak_sessions <= BUDGET
