"""Browser ports of two processes sharing one login budget through real Redis, in real Chromium:
a port holding the only login gives it back when the other is turned away, and neither ever
holds more contexts than the budget together."""

from __future__ import annotations

import uuid

import pytest

from bridges.core.leases import LeaseStore
from tests.conftest import real_part_missing
from tests.web_scrape.conftest import TOY_LOGIN
from web_scrape import BrowserPort, PortSettings

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def two_ports(toy_app, artifacts_root, toy):
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        real_part_missing(f"Redis at {REDIS} ({type(exc).__name__})")
    prefix = f"lb-test:{uuid.uuid4().hex[:8]}"
    stores, ports = [], []
    for n in range(2):
        store = LeaseStore.from_url(REDIS, ttl_s=5)
        store.prefix = prefix
        store.holder += f"-{n}"  # as in another process
        budget = store.budget("toy", limit=1)
        settings = PortSettings(base_url=toy_app.url, artifacts_dir=artifacts_root / "toy", pool_size=1)
        ports.append(
            BrowserPort(settings, system="toy", login=TOY_LOGIN, secrets={"password": toy.PASSWORD}, budget=budget)
        )
        stores.append(store)
    yield ports, stores
    for port in ports:
        port.close()
    for store in stores:
        store.close()


def test_the_only_login_moves_to_the_process_that_waits_for_it(two_ports, toy):
    (first, second), (store, _) = two_ports
    assert toy.run(first, toy.ReadCount()).count >= 0
    assert first.status()["pool"]["budget"]["in_use"] == 1 and first.status()["pool"]["idle"] == 1
    # The second port waits (polling, up to 2 s) while the first, told the budget is wanted,
    # closes its idle context within a second.
    assert toy.run(second, toy.ReadCount()).count >= 0
    assert first.status()["pool"]["idle"] == 0 and first.status()["pool"]["discarded"] == 1
    assert second.status()["pool"]["budget"]["in_use"] == 1 and store.count("toy") == 0
