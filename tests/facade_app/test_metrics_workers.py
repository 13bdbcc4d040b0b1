"""``/metrics`` under 4 real gunicorn workers (multiprocess mode): whichever worker answers,
the calls made equal the histogram's count and the outcome counter's sum."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import tomli_w
from prometheus_client.parser import text_string_to_metric_families

from tests.bridges.orders import helpers
from tests.facade_app.gunicorn_run import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

REDIS = "redis://127.0.0.1:6379"
OPS_KEY = "metrics-ops-key-0001"


def _counts(http) -> tuple[float, float]:
    """(histogram count, calls counter sum) of orders.get_order, as one worker reports all of them."""
    response = http.get("/metrics", headers={"Authorization": f"Bearer {OPS_KEY}"})
    assert response.status_code == 200, response.text
    count = total = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.labels.get("bridge") != "orders" or sample.labels.get("operation") != "get_order":
                continue
            if sample.name == "legacy_bridges_call_seconds_count":
                count += sample.value
            elif sample.name == "legacy_bridges_calls_total":
                total += sample.value
    return count, total


def test_metrics_add_up_across_four_workers(sqlite_target, tmp_path):
    tag = uuid.uuid4().hex[:8]
    config = {
        "crosswalk": str(helpers.CROSSWALK),
        "facade": {
            "rate_limit": "100000/minute",
            "rate_limit_storage": REDIS,
            "budget_store": f"redis://127.0.0.1:6379/{1 + int(tag, 16) % 15}",
            "state_dir": str(tmp_path),
        },
        "api_keys": [
            {
                "name": f"reader-{tag}",
                "key": {"env": "ORDERS_TEST_KEY", "default": helpers.KEY},
                "scopes": ["orders:read"],
            },
            {"name": f"ops-{tag}", "key": {"env": "METRICS_TEST_OPS_KEY", "default": OPS_KEY}, "scopes": ["ops"]},
        ],
        "bridges": {"orders": helpers.bridge_entry(sqlite_target)},
    }
    path = tmp_path / "bridges.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    with gunicorn("facade_app.wsgi", 4, {"LEGACY_BRIDGES_CONFIG": str(path)}) as http:
        auth = {"Authorization": f"Bearer {helpers.KEY}"}

        def call(n: int) -> int:
            number = "0000100001" if n % 4 else "0009999999"  # every fourth is a 404
            return http.get("/v1/orders/get_order", params={"order_no": number}, headers=auth).status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(call, range(200)))
        assert sorted(set(statuses)) == [200, 404]
        reports = [_counts(http) for _ in range(8)]  # several scrapes: different workers answer
    assert set(reports) == {(200.0, 200.0)}, reports
    assert len(list((tmp_path / "metrics").iterdir())) == 1  # one folder: this gunicorn master's
