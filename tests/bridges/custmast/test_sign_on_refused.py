"""A refused sign-on costs the host one attempt per pool, whatever the pool and the callers do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridges.core.errors import LoginRefused
from bridges.core.testing import wait_until
from facade_app import create_app
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE, PASSWORD, custmast_config

pytestmark = [pytest.mark.fault, pytest.mark.live, pytest.mark.timeout(90)]

USER = "LOCKTEST"
TICKS = 5  # the maintenance thread wakes once a second: five chances to sign on again in the background


@pytest.fixture
def host():
    need_s3270()
    with demo_host(codepage=CODE_PAGE) as running:
        yield running


def _drive(runtime, pool, ticks: int) -> list[LoginRefused]:
    """Call from 4 threads (reads, with guard retries on) until the pool's maintenance thread has
    woken ``ticks`` more times; every call must be refused."""
    stop = threading.Event()
    errors: list[LoginRefused] = []

    def caller() -> None:
        while not stop.is_set():
            with pytest.raises(LoginRefused) as err:
                runtime.call("custmast", "get_customer", {"customer": "C-00001"})
            errors.append(err.value)
            stop.wait(0.02)  # pacing, not synchronisation

    start = pool.status()["maintenance_ticks"]
    with ThreadPoolExecutor(4) as workers:
        futures = [workers.submit(caller) for _ in range(4)]
        assert wait_until(lambda: pool.status()["maintenance_ticks"] >= start + ticks, timeout=30)
        stop.set()
        for future in futures:
            future.result()
    return errors


def test_a_wrong_password_is_one_sign_on_attempt_per_pool_and_a_502_naming_the_bridge(host, make_runtime,
                                                                                       monkeypatch):
    monkeypatch.setenv("CUSTMAST_TEST_PASSWORD", "wrong-pass")
    config = custmast_config(host, user=USER, guard={"read_retries": 2, "breaker_fail_max": 2},
                             pool={"min_size": 2, "max_size": 3})
    runtime = make_runtime(config)
    pool = runtime.bridges["custmast"].bridge.pool
    assert wait_until(lambda: pool.status()["sign_on_refused"] == 1, timeout=10)

    errors = _drive(runtime, pool, TICKS)
    assert len(errors) > 20
    assert host.sign_on_attempts(USER) == 1  # not per caller, not per retry, not per maintenance tick
    assert not host.server.directory.is_revoked(USER)
    problem = errors[-1].to_problem()
    assert problem["status"] == 502 and problem["type"] == "/problems/login-refused"
    assert problem["bridge"] == "custmast" and "bridge custmast" in problem["detail"]
    assert "refused the sign-on" in problem["detail"] and "wrong-pass" not in str(problem)
    report = runtime.readiness()["custmast"]
    assert report["guard"]["breaker"] == "closed"  # a refused login is no system fault
    assert report["pool"]["sign_on"] == "refused" and report["pool"]["opened"] == 0


def test_the_caller_over_http_gets_problem_json_and_a_reset_tries_once_more(host, monkeypatch):
    monkeypatch.setenv("CUSTMAST_TEST_PASSWORD", "wrong-pass")
    config = custmast_config(host, user=USER, pool={"min_size": 1, "max_size": 2},
                             api_keys=[{"name": "t", "key": {"env": "CUSTMAST_TEST_KEY", "default": "k-test"},
                                        "scopes": ["custmast:*"]}])
    app = create_app(config)
    runtime = app.extensions["legacy_bridges"]["runtime"]
    try:
        pool = runtime.bridges["custmast"].bridge.pool
        client = app.test_client()
        for _ in range(5):
            response = client.get("/v1/custmast/get_customer", query_string={"customer": "C-00001"},
                                  headers={"Authorization": "Bearer k-test"})
            assert response.status_code == 502 and response.mimetype == "application/problem+json"
            body = response.get_json()
            assert body["type"] == "/problems/login-refused" and "custmast" in body["detail"]
        assert client.get("/problems/login-refused").status_code == 200
        assert host.sign_on_attempts(USER) == 1

        runtime.reset("custmast")  # an operator's reset: one more attempt, then stopped again
        assert wait_until(lambda: pool.status()["sign_on_refused"] == 2, timeout=10)
        assert host.sign_on_attempts(USER) == 2
        assert client.get("/v1/custmast/get_customer", query_string={"customer": "C-00001"},
                          headers={"Authorization": "Bearer k-test"}).status_code == 502
        assert host.sign_on_attempts(USER) == 2
    finally:
        runtime.close()
        host.unlock(USER)


def test_a_changed_configuration_signs_on_again(host, make_runtime, monkeypatch):
    monkeypatch.setenv("CUSTMAST_TEST_PASSWORD", "wrong-pass")
    refused = make_runtime(custmast_config(host, user=USER, pool={"min_size": 0, "max_size": 1}))
    with pytest.raises(LoginRefused):
        refused.call("custmast", "get_customer", {"customer": "C-00001"})
    monkeypatch.setenv("CUSTMAST_TEST_PASSWORD", PASSWORD)
    fixed = make_runtime(custmast_config(host, user=USER, pool={"min_size": 0, "max_size": 1}))
    assert fixed.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"
    assert host.sign_on_attempts(USER) == 2


def test_an_operator_resets_the_bridge_over_http_once_the_host_account_is_fixed(host):
    config = custmast_config(host, user=USER, pool={"min_size": 0, "max_size": 1},
                             api_keys=[{"name": "t", "key": {"env": "CUSTMAST_TEST_KEY", "default": "k-test"},
                                        "scopes": ["custmast:*"]},
                                       {"name": "op", "key": {"env": "CUSTMAST_OPS_KEY", "default": "k-ops"},
                                        "scopes": ["ops"]}])
    app = create_app(config)
    runtime = app.extensions["legacy_bridges"]["runtime"]
    client = app.test_client()
    caller, operator = {"Authorization": "Bearer k-test"}, {"Authorization": "Bearer k-ops"}

    def get_customer() -> int:
        return client.get("/v1/custmast/get_customer", query_string={"customer": "C-00001"},
                          headers=caller).status_code

    try:
        host.revoke(USER)  # the host's administrator revoked the bridge's user
        assert [get_customer() for _ in range(3)] == [502, 502, 502]
        assert host.sign_on_attempts(USER) == 1
        assert client.post("/v1/bridges/custmast/reset", headers=caller).status_code == 403
        host.unlock(USER)  # the account is fixed on the host; the bridge still does not try
        assert get_customer() == 502 and host.sign_on_attempts(USER) == 1
        reset = client.post("/v1/bridges/custmast/reset", headers=operator)
        assert reset.status_code == 200 and reset.get_json()["state"]["pool"].get("sign_on") != "refused"
        assert get_customer() == 200 and host.sign_on_attempts(USER) == 2
    finally:
        runtime.close()
        host.unlock(USER)
