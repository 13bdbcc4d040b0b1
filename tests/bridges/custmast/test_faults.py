"""Faults of the host: locked keyboard, dropped connection, session limit."""

from __future__ import annotations

import time

import pytest

from bridges.core.errors import DeadlineExceeded, LegacyError, Unavailable
from bridges.core.testing import wait_until
from mainframe.testing import demo_host, need_s3270
from tests.bridges.custmast.conftest import CODE_PAGE, custmast_config

pytestmark = [pytest.mark.fault, pytest.mark.timeout(60)]

# A 504 comes at the deadline, not after it: the wait that notices it is bounded by what is
# left, then the session is aborted. Allowed beyond the deadline: this margin plus three times
# a healthy call measured by the test (machine load). A deadline ignored (30 s) is far outside.
MARGIN_S = 1.5


def _timed(call):
    """``call()``'s result or exception, and the seconds it took."""
    started = time.monotonic()
    try:
        result = call()
    except Exception as exc:
        result = exc
    return result, time.monotonic() - started


@pytest.fixture
def host():
    need_s3270()
    with demo_host(codepage=CODE_PAGE) as running:
        yield running


def test_keyboard_never_unlocks_is_504_within_the_deadline_and_the_pool_refills(host, make_runtime):
    runtime = make_runtime(custmast_config(host, guard={"deadline_s": 1.0}, pool={"min_size": 2, "max_size": 2}))
    pool = runtime.bridges["custmast"].bridge.pool
    assert pool.wait_ready(10)
    healthy, healthy_s = _timed(lambda: runtime.call("custmast", "get_customer", {"customer": "C-00002"}))
    assert healthy.customer_id == "C-00002"
    host.faults.keyboard_lock = "no-restore"
    err, elapsed = _timed(lambda: runtime.call("custmast", "get_customer", {"customer": "C-00001"}))
    host.faults.keyboard_lock = None
    assert isinstance(err, DeadlineExceeded), err  # raised by the deadline-bounded wait, not a hang
    assert err.status == 504
    assert 0.95 <= elapsed <= 1.0 + MARGIN_S + 3 * healthy_s, (elapsed, healthy_s)
    assert pool.status()["discarded"] == 1
    assert wait_until(lambda: pool.status()["idle"] == 2, timeout=10.0), pool.status()
    assert runtime.call("custmast", "get_customer", {"customer": "C-00001"}).customer_id == "C-00001"


def test_no_answer_at_all_is_504_too(host, make_runtime):
    runtime = make_runtime(custmast_config(host, guard={"deadline_s": 0.8}, pool={"min_size": 1, "max_size": 1}))
    assert runtime.bridges["custmast"].bridge.pool.wait_ready(10)
    healthy, healthy_s = _timed(lambda: runtime.call("custmast", "browse_customers", {"limit": 5}))
    assert healthy.customers
    host.faults.keyboard_lock = "no-answer"
    try:
        err, elapsed = _timed(lambda: runtime.call("custmast", "browse_customers", {"limit": 5}))
    finally:
        host.faults.keyboard_lock = None
    assert isinstance(err, DeadlineExceeded), err
    assert 0.75 <= elapsed <= 0.8 + MARGIN_S + 3 * healthy_s, (elapsed, healthy_s)
    assert runtime.call("custmast", "browse_customers", {"limit": 5}).customers


def test_host_drop_mid_screen_is_502_or_503_and_the_pool_heals(host, make_runtime):
    runtime = make_runtime(custmast_config(host, pool={"min_size": 2, "max_size": 2}))
    pool = runtime.bridges["custmast"].bridge.pool
    assert pool.wait_ready(10)
    host.faults.drop_mid_screen = 1
    with pytest.raises((Unavailable, LegacyError)) as err:
        runtime.call("custmast", "get_customer", {"customer": "C-00003"})
    assert err.value.status in (502, 503)
    healed = wait_until(lambda: pool.status()["idle"] == 2 and pool.status()["discarded"] >= 1, timeout=10.0)
    assert healed, pool.status()
    assert runtime.call("custmast", "get_customer", {"customer": "C-00003"}).customer_id == "C-00003"


def test_a_read_is_retried_once_on_a_fresh_session_after_a_drop(host, make_runtime):
    runtime = make_runtime(custmast_config(host, guard={"read_retries": 1}, pool={"min_size": 2, "max_size": 2}))
    assert runtime.bridges["custmast"].bridge.pool.wait_ready(10)
    host.faults.drop_mid_screen = 1
    assert runtime.call("custmast", "get_customer", {"customer": "C-00004"}).customer_id == "C-00004"


def test_session_limit_is_503_with_retry_after(host, make_runtime):
    host.faults.max_sessions = 1
    first = make_runtime(custmast_config(host, pool={"min_size": 1, "max_size": 1}))
    assert first.bridges["custmast"].bridge.pool.wait_ready(10)
    second = make_runtime(custmast_config(host, pool={"min_size": 0, "max_size": 1}))
    with pytest.raises(Unavailable) as err:
        second.call("custmast", "get_customer", {"customer": "C-00005"})
    assert err.value.status == 503 and err.value.retry_after and err.value.retry_after > 0
    assert "session limit" in err.value.detail
    assert first.call("custmast", "get_customer", {"customer": "C-00005"}).customer_id == "C-00005"


def test_host_down_is_503_and_readyz_says_so(make_runtime):
    need_s3270()
    with demo_host() as gone:
        config = custmast_config(gone, pool={"min_size": 0, "max_size": 1})
    runtime = make_runtime(config)
    with pytest.raises(Unavailable):
        runtime.call("custmast", "get_customer", {"customer": "C-00001"})
    report = runtime.readiness()["custmast"]
    assert report["status"] == "failing" and report["pool"]["open_failures"] >= 1
