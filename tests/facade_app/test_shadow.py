"""Shadow mode's rules: a shadowed write is recorded and never run (HTTP and MCP alike), how a
proposal is matched to what a person did, and the configuration it needs."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client

from bridges.core.config import parse_config
from bridges.core.errors import ConfigError
from facade_app.auth import KeyRing
from facade_app.mcp_tools import build_mcp_server
from facade_app.shadow import compare
from tests.facade_app.conftest import KEY, OPS_KEY, auth, make_app, metric

pytestmark = pytest.mark.unit


def _config(tmp_path, **policy):
    return parse_config({
        "facade": {"rate_limit": "1000/minute", "review_store": f"sqlite:///{tmp_path / 's.db'}"},
        "api_keys": [{"name": "all", "key": {"env": "T_SH_ALL", "default": KEY}, "scopes": ["shop:*"]},
                     {"name": "ops", "key": {"env": "T_SH_OPS", "default": OPS_KEY}, "scopes": ["ops"]}],
        "bridges": {"shop": {"policies": {"rename": {"policy": "shadow", **policy}}}},
    })


def test_a_shadowed_write_is_recorded_and_never_run_then_matched_to_what_a_person_did(tmp_path):
    app, shop = make_app(_config(tmp_path, observe="get_item"))
    client = app.test_client()
    labels = {"bridge": "shop", "operation": "rename"}
    shadowed = metric(client, "legacy_bridges_calls_total", **labels, outcome="shadowed")
    matched = metric(client, "legacy_bridges_shadows_settled_total", **labels, outcome="matched")
    r = client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Sencha"}, headers=auth())
    assert r.status_code == 202
    body = r.get_json()
    assert body["executed"] is False and body["baseline"]["name"] == "Grüner Tee"
    assert shop.items["0001"][0] == "Grüner Tee"
    assert client.post("/v1/shadow/reconcile", headers=auth(OPS_KEY)).get_json()["pending"] == 1
    shop.items["0001"] = ("Sencha", shop.items["0001"][1])  # a person makes the change in the legacy system
    assert client.post("/v1/shadow/reconcile", headers=auth(OPS_KEY)).get_json()["matched"] == 1
    report = client.get("/v1/shadow/report", headers=auth(OPS_KEY)).get_json()
    assert (report["matched"], report["unmatched"], report["agreement_rate"]) == (1, 0, 1.0)
    assert metric(client, "legacy_bridges_calls_total", **labels, outcome="shadowed") == shadowed + 1
    assert metric(client, "legacy_bridges_shadows_settled_total", **labels, outcome="matched") == matched + 1


def test_mcp_answers_the_shadow_record(tmp_path):
    app, shop = make_app(_config(tmp_path, observe="get_item"))
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    caller = KeyRing(app.extensions["legacy_bridges"]["config"].api_keys).authenticate(KEY)

    async def run():
        async with Client(build_mcp_server(pipeline, caller)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            return tools, await client.call_tool("shop_rename", {"item_no": "0001", "name": "Oolong"})

    tools, result = asyncio.run(run())
    assert "shadowed" in tools["shop_rename"].description
    assert result.structured_content["status"] == "pending" and result.structured_content["executed"] is False
    assert shop.items["0001"][0] == "Grüner Tee"


@pytest.mark.parametrize(("now", "expected"), [
    ({"id": 1, "street": "New 1", "city": "Old"}, ("matched", None)),
    ({"id": 1, "street": "Old", "city": "Old"}, ("pending", None)),
    ({"id": 1, "street": "New 2", "city": "Old"},
     ("disagreeing", {"street": {"proposed": "New 1", "actual": "New 2", "before": "Old"}})),
])
def test_a_proposal_is_matched_pending_or_disagreeing(now, expected):
    proposal = {"id": 1, "street": "New 1", "city": None, "dry_run": False}
    assert compare(proposal, {"id": 1, "street": "Old", "city": "Old"}, now, {"id", "dry_run"}) == expected


def test_observe_must_be_a_read_of_the_same_bridge(tmp_path):
    with pytest.raises(ConfigError, match=r"bridges\.shop\.policies\.rename\.observe"):
        make_app(_config(tmp_path, observe="rename"))
