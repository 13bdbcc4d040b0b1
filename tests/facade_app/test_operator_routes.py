"""``POST /v1/bridges/<bridge>/reset``: operators only, audited, through the pipeline's rules."""

from __future__ import annotations

import json

import pytest

from tests.facade_app.conftest import KEY, OPS_KEY, auth

pytestmark = pytest.mark.unit


def _audit(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]


def test_an_operator_resets_a_bridge_and_its_breaker(app_and_shop, client, tmp_path, monkeypatch):
    _, shop = app_and_shop
    resets = []
    monkeypatch.setattr(shop, "reset", lambda: resets.append(1))
    runtime = app_and_shop[0].extensions["legacy_bridges"]["runtime"]
    guard = runtime.bridges["shop"].guard
    for _ in range(guard.settings.breaker_fail_max):
        client.get("/v1/shop/get_item", query_string={"item_no": "9999"}, headers=auth())
    assert guard.status()["breaker"] == "open"

    response = client.post("/v1/bridges/shop/reset", headers=auth(OPS_KEY))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["bridge"] == "shop" and response.get_json()["status"] == "reset"
    assert resets == [1] and guard.status()["breaker"] == "closed"
    assert response.headers["X-RateLimit-Remaining"]  # charged to the key's budget like any call
    line = _audit(tmp_path)[-1]
    assert (line["event"], line["effect"], line["caller"], line["status"], line["outcome"]) == (
        "shop.reset",
        "ops",
        "ops",
        200,
        "reset",
    )


def test_a_key_without_ops_or_without_a_key_cannot_reset(app_and_shop, client, tmp_path, monkeypatch):
    _, shop = app_and_shop
    resets = []
    monkeypatch.setattr(shop, "reset", lambda: resets.append(1))
    refused = client.post("/v1/bridges/shop/reset", headers=auth(KEY))  # shop:* is not ops
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert "lacks scope ops" in refused.get_json()["detail"]
    assert client.post("/v1/bridges/shop/reset").status_code == 401
    assert client.post("/v1/bridges/nope/reset", headers=auth(KEY)).status_code == 403  # no bridge names leak
    assert resets == []
    assert [(e["event"], e["status"]) for e in _audit(tmp_path)] == [
        ("shop.reset", 403),
        ("shop.reset", 401),
        ("nope.reset", 403),
    ]


def test_an_unknown_bridge_is_a_404_for_operators(client):
    response = client.post("/v1/bridges/nope/reset", headers=auth(OPS_KEY))
    assert response.status_code == 404 and "no bridge nope" in response.get_json()["detail"]
    assert client.get("/v1/bridges/shop/reset", headers=auth(OPS_KEY)).status_code == 405
