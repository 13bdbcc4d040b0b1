"""Rate limits shared across worker processes through real Redis."""

import uuid

import pytest

from tests.conftest import real_part_missing
from tests.facade_app.conftest import READONLY_KEY, auth, make_app, make_config

pytestmark = pytest.mark.live

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    return REDIS


def test_two_workers_share_one_budget_through_redis(redis_url):
    config = make_config(rate_limit_storage=redis_url)
    # A fresh key name per run, so counters left in Redis by earlier runs do not count.
    config.api_keys[1] = config.api_keys[1].model_copy(update={"name": "ro-" + uuid.uuid4().hex[:8]})
    worker_a, _ = make_app(config)
    worker_b, _ = make_app(config)
    a, b = worker_a.test_client(), worker_b.test_client()
    statuses = [c.get("/v1/shop/get_item?item_no=0001", headers=auth(READONLY_KEY)).status_code
                for c in (a, b, a, b)]
    assert statuses == [200, 200, 200, 429]  # the key's 3/minute is spent across both workers
