"""``/metrics`` in Prometheus text format: operator keys only, every attempt counted once by
bridge, operation and outcome, rate-limit rejections and gauges; JSON logs carry the request."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from facade_app.logs import JsonFormatter
from tests.facade_app.conftest import KEY, OPS_KEY, READONLY_KEY, auth

pytestmark = pytest.mark.unit


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=auth(OPS_KEY))
    assert response.status_code == 200 and response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_an_operator_key(client):
    assert client.get("/metrics").status_code == 401
    refused = client.get("/metrics", headers=auth(KEY))
    assert refused.status_code == 403 and "ops" in refused.json["detail"]


def test_every_attempt_counts_once_by_outcome_and_in_the_latency_histogram(client):
    before = _samples(client)
    for item in ("0001", "0001", "0404", "9999"):
        client.get(f"/v1/shop/get_item?item_no={item}", headers=auth())
    client.get("/v1/shop/get_item?item_no=1", headers=auth())  # invalid input
    after = _samples(client)

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    op = {"bridge": "shop", "operation": "get_item"}
    assert delta("legacy_bridges_calls_total", **op, outcome="ok") == 2
    assert delta("legacy_bridges_calls_total", **op, outcome="not-found") == 1
    assert delta("legacy_bridges_calls_total", **op, outcome="unavailable") == 1
    assert delta("legacy_bridges_calls_total", **op, outcome="invalid-input") == 1
    assert delta("legacy_bridges_call_seconds_count", **op) == 5
    assert _value(after, "legacy_bridges_breaker_state", bridge="shop") == 0
    assert ("legacy_bridges_pool", (("bridge", "shop"), ("state", "in_use"))) in after


def test_rate_limit_rejections_are_counted(client):
    before = _samples(client)
    statuses = [client.get("/v1/shop/get_item?item_no=0001", headers=auth(READONLY_KEY)).status_code for _ in range(4)]
    after = _samples(client)
    assert statuses[-1] == 429
    op = {"bridge": "shop", "operation": "get_item"}
    assert (
        _value(after, "legacy_bridges_rate_limited_total", **op)
        - _value(before, "legacy_bridges_rate_limited_total", **op)
        == 1
    )


def test_a_caller_cannot_grow_the_label_set_with_made_up_bridges(client):
    for name in ("nosuch1", "nosuch2"):
        assert client.post(f"/v1/bridges/{name}/reset", headers=auth(OPS_KEY)).status_code == 404
    labels = {dict(labels).get("bridge") for _, labels in _samples(client)}
    assert "nosuch1" not in labels and "nosuch2" not in labels


def test_json_log_lines_carry_the_request_id_bridge_operation_and_traceback_without_secrets(client):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter().format(record))

    handler = Collect(level=logging.ERROR)
    logger = logging.getLogger("legacy_bridges")
    logger.addHandler(handler)
    try:
        response = client.get("/v1/shop/get_item?item_no=6666", headers={**auth(), "X-Request-ID": "req-42"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    [entry] = [json.loads(line) for line in lines]
    assert entry["request_id"] == "req-42" and entry["bridge"] == "shop" and entry["operation"] == "get_item"
    assert "Traceback" in entry["exc"] and "RuntimeError" in entry["exc"]
    assert "hunter2" not in json.dumps(entry) and "item_no=6666" not in json.dumps(entry)  # nor the query string


def test_metrics_switched_off_serve_no_page():
    from tests.facade_app.conftest import make_app, make_config

    app, _ = make_app(make_config(metrics=False))
    assert app.test_client().get("/metrics", headers=auth(OPS_KEY)).status_code == 404


def test_sign_on_refusals_and_the_review_queue_depth_are_counted(tmp_path, monkeypatch):
    from bridges.core.config import parse_config
    from bridges.core.errors import LoginRefused
    from tests.facade_app.conftest import make_app

    app, shop = make_app(parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'reviews.db'}", "audit_store": "off"},
        "api_keys": [{"name": "all", "key": {"env": "T_M_ALL", "default": KEY}, "scopes": ["shop:*"]},
                     {"name": "ops", "key": {"env": "T_M_OPS", "default": OPS_KEY}, "scopes": ["ops"]}],
        "bridges": {"shop": {"review_writes": True}},
    }))
    client = app.test_client()
    before = _samples(client)

    def refused(q):
        raise LoginRefused("the host refused the bridge's sign-on")

    monkeypatch.setattr(shop, "get_item", refused)
    assert client.get("/v1/shop/get_item?item_no=0001", headers=auth()).status_code == 502
    for name in ("Oolong", "Sencha"):
        assert client.post("/v1/shop/rename", json={"item_no": "0001", "name": name}, headers=auth()).status_code == 202
    after = _samples(client)
    refusals = ("legacy_bridges_sign_on_refused_total", {"bridge": "shop"})
    assert _value(after, refusals[0], **refusals[1]) - _value(before, refusals[0], **refusals[1]) == 1
    assert _value(after, "legacy_bridges_reviews_pending") == 2
    assert _value(after, "legacy_bridges_calls_total", bridge="shop", operation="rename",
                  outcome="queued-for-review") >= 2


def test_the_pool_gauges_show_in_use_idle_and_waiting_and_an_open_breaker_shows_2(client):
    for _ in range(5):  # breaker_fail_max consecutive system faults
        assert client.get("/v1/shop/get_item?item_no=9999", headers=auth()).status_code == 503
    samples = _samples(client)
    assert _value(samples, "legacy_bridges_breaker_state", bridge="shop") == 2
    for state in ("in_use", "idle", "waiting"):
        assert ("legacy_bridges_pool", (("bridge", "shop"), ("state", state))) in samples, state
