"""CUSTMAST behind the real facade over HTTP: typed JSON, problem+json errors, 50 concurrent calls."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from facade_app import create_app
from facade_app.server import make_dev_server
from fixtures.world import customers
from tests.bridges.custmast.conftest import custmast_config

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

KEY = "custmast-test-key"
WORLD = customers()


@pytest.fixture(scope="module")
def base_url(host):
    config = custmast_config(
        host,
        guard={"max_concurrency": 8, "queue_timeout_s": 2.0},
        pool={"min_size": 4, "max_size": 4, "acquire_timeout_s": 2.0},
        api_keys=[{"name": "t", "key": {"env": "CUSTMAST_TEST_KEY", "default": KEY},
                   "scopes": ["custmast:*", "ops"]}],  # ops: readiness details
    )
    app = create_app(config)
    runtime = app.extensions["legacy_bridges"]["runtime"]
    assert runtime.bridges["custmast"].bridge.pool.wait_ready(10)
    server = make_dev_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    runtime.close()


def _client(base_url):
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)


def test_get_customer_over_http(base_url):
    with _client(base_url) as http:
        response = http.get("/v1/custmast/get_customer", params={"customer": "C-00001"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["customer_id"] == "C-00001" and body["name"] == WORLD[0].name
        missing = http.get("/v1/custmast/get_customer", params={"customer": "12345674"})
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        bad = http.get("/v1/custmast/get_customer", params={"customer": 'x") Quit()'})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "customer"


def test_change_address_is_a_post_and_too_long_is_422(base_url):
    with _client(base_url) as http:
        body = {"customer": "C-00030", "street": "Avenue Foch 3", "city": "Lyon", "postcode": "69002",
                "country": "FR", "dry_run": True}
        response = http.post("/v1/custmast/change_address", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["dry_run"] is True and response.json()["committed"] is False
        too_long = http.post("/v1/custmast/change_address", json={**body, "street": "x" * 41})
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "street"


def _details(base_url):
    """``/readyz`` as an operator sees it (the test key holds ``ops``)."""
    return httpx.get(f"{base_url}/readyz", headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()


def test_readyz_shows_the_pool(base_url):
    report = _details(base_url)["bridges"]["custmast"]
    assert report["status"] == "ok" and report["pool"]["max_size"] == 4 and report["mode"] == "live"


def test_fifty_concurrent_calls_over_a_pool_of_four(base_url):
    asked = random.Random(7).sample(WORLD, 50)

    def call(customer):
        with _client(base_url) as http:
            return customer, http.get("/v1/custmast/get_customer", params={"customer": customer.canonical_id})

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(call, asked))
    ok = 0
    for customer, response in results:
        if response.status_code == 503:  # documented: pool or call slots exhausted
            assert response.headers.get("Retry-After"), response.text
            continue
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["customer_id"], body["custmast_no"], body["name"]) == (
            customer.canonical_id, customer.custmast_no, customer.name)
        ok += 1
    print(f"{ok} of 50 answered 200, {50 - ok} answered 503")
    assert ok >= 1
    report = _details(base_url)["bridges"]["custmast"]["pool"]
    assert report["discarded"] == 0 and report["size"] <= 4


@pytest.mark.fault
def test_faults_over_http_are_504_and_503_with_retry_after():
    from mainframe.testing import demo_host

    with demo_host(codepage="cp1140") as faulty:
        config = custmast_config(
            faulty, guard={"deadline_s": 1.0}, pool={"min_size": 1, "max_size": 1},
            api_keys=[{"name": "t", "key": {"env": "CUSTMAST_TEST_KEY", "default": KEY}, "scopes": ["custmast:*"]}],
        )
        app = create_app(config)
        runtime = app.extensions["legacy_bridges"]["runtime"]
        try:
            assert runtime.bridges["custmast"].bridge.pool.wait_ready(10)
            client = app.test_client()
            headers = {"Authorization": f"Bearer {KEY}"}
            started = time.monotonic()
            assert client.get("/v1/custmast/get_customer?customer=C-00002", headers=headers).status_code == 200
            healthy_s = time.monotonic() - started
            faulty.faults.keyboard_lock = "no-restore"
            started = time.monotonic()
            locked = client.get("/v1/custmast/get_customer?customer=C-00001", headers=headers)
            elapsed = time.monotonic() - started
            faulty.faults.keyboard_lock = None
            assert locked.status_code == 504 and locked.json["type"].endswith("/timeout")
            # at the 1 s deadline, give or take 1.5 s and three healthy calls measured here
            assert 0.95 <= elapsed <= 1.0 + 1.5 + 3 * healthy_s, (elapsed, healthy_s)
            faulty.faults.max_sessions = 0  # every new connection gets CMBUSY
            busy = client.get("/v1/custmast/get_customer?customer=C-00001", headers=headers)
            assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
            assert "Dem0-Pass" not in busy.get_data(as_text=True)
        finally:
            runtime.close()
