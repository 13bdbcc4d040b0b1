"""MCP over streamable HTTP with the SDK's own client: per-request keys and scopes, structured
answers, writes under a review policy queued (nothing run), refusals audited, and audit lines
equal to those of the same calls over HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bridges.core.config import parse_config
from facade_app.auth import KeyRing
from facade_app.mcp_http import McpHttpApp
from tests.facade_app.conftest import KEY, READONLY_KEY, auth, make_app
from tests.facade_app.kit_mcp_http import mcp_client, serving

pytestmark = [pytest.mark.unit, pytest.mark.timeout(60)]

_VOLATILE = {"ts", "request_id", "duration_ms", "pid"}


def _config(tmp_path, **facade):
    return parse_config({
        "facade": {"rate_limit": "1000/minute", "review_store": f"sqlite:///{tmp_path / 'r.db'}",
                   "audit_log": str(tmp_path / "audit.jsonl"), **facade},
        "api_keys": [
            {"name": "all", "key": {"env": "T_MH_ALL", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "ro", "key": {"env": "T_MH_RO", "default": READONLY_KEY}, "scopes": ["shop:read"]},
        ],
        "bridges": {"shop": {"policies": {"rename": {"policy": "review", "when": 'input.name.startsWith("X")'}}}},
    })


@pytest.fixture
def served(tmp_path):
    app, shop = make_app(_config(tmp_path))
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    keyring = KeyRing(app.extensions["legacy_bridges"]["config"].api_keys)
    with serving(McpHttpApp(pipeline, keyring)) as base:
        yield base + "/mcp", app, shop, tmp_path / "audit.jsonl"


def _audit(path, start=0):
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[start:]]
    return [{k: v for k, v in e.items() if k not in _VOLATILE} for e in lines]


async def _session(url, key, *calls):
    async with mcp_client(url, key) as client:
        tools = (await client.list_tools()).tools
        return tools, [await client.call_tool(name, args) for name, args in calls]


def test_a_read_only_key_lists_only_read_tools_and_gets_structured_content(served):
    url, _, _, _ = served
    tools, (got,) = asyncio.run(_session(url, READONLY_KEY, ("shop_get_item", {"item_no": "0001"})))
    assert [t.name for t in tools] == ["shop_get_item"]
    assert got.structured_content == {"item_no": "0001", "name": "Grüner Tee", "price": "3.50"}
    tools, _ = asyncio.run(_session(url, KEY))
    assert {t.name for t in tools} == {"shop_get_item", "shop_rename"}


def test_a_write_under_a_review_policy_creates_a_review_and_runs_nothing(served):
    url, app, shop, _ = served
    _, (queued, direct) = asyncio.run(_session(url, KEY, ("shop_rename", {"item_no": "0001", "name": "Xeno"}),
                                               ("shop_rename", {"item_no": "0001", "name": "Sencha"})))
    assert queued.structured_content["status"] == "pending"
    assert direct.structured_content["name"] == "Sencha"
    review = app.extensions["legacy_bridges"]["pipeline"].reviews.get(queued.structured_content["id"])
    assert review.input == {"item_no": "0001", "name": "Xeno", "password": None}
    assert shop.items["0001"][0] == "Sencha"  # the queued write never ran


def test_errors_are_problems_a_model_can_act_on_and_never_echo_input(served):
    url, _, _, _ = served
    _, (bad, down) = asyncio.run(_session(url, KEY, ("shop_get_item", {"item_no": "secret-value-77"}),
                                          ("shop_get_item", {"item_no": "9999"})))
    assert bad.is_error and down.is_error
    text = bad.content[0].text
    assert "secret-value-77" not in text
    problem = json.loads(text[text.index("{"):])
    assert problem["status"] == 422 and problem["errors"][0]["field"] == "item_no"
    problem = json.loads(down.content[0].text[down.content[0].text.index("{"):])
    assert problem["status"] == 503 and problem["retry_after"] == 7


def test_a_request_without_a_valid_key_is_refused_and_audited(served):
    url, _, _, audit = served
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        r = httpx.post(url, json=body, headers={"Accept": "application/json, text/event-stream", **headers})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        assert r.json()["type"].endswith("/unauthenticated")
    assert [(e["event"], e["status"], e["caller"]) for e in _audit(audit)] == [("mcp.mcp", 401, None)] * 2


def test_audit_lines_equal_those_of_the_same_calls_over_http(served, tmp_path):
    url, _, _, audit = served
    calls = [("shop_get_item", {"item_no": "0001"}), ("shop_get_item", {"item_no": "0404"}),
             ("shop_rename", {"item_no": "0001", "name": "Xeno"}), ("shop_rename", {"item_no": "0001", "name": "B"})]
    asyncio.run(_session(url, KEY, *calls))
    over_mcp = _audit(audit)
    http_app, _ = make_app(_config(tmp_path / "http"))
    client = http_app.test_client()
    client.get("/v1/shop/get_item?item_no=0001", headers=auth())
    client.get("/v1/shop/get_item?item_no=0404", headers=auth())
    client.post("/v1/shop/rename", json={"item_no": "0001", "name": "Xeno"}, headers=auth())
    client.post("/v1/shop/rename", json={"item_no": "0001", "name": "B"}, headers=auth())
    over_http = _audit(tmp_path / "http" / "audit.jsonl")
    assert over_mcp == over_http
    assert [e["outcome"] for e in over_mcp] == ["ok", "not-found", "queued-for-review", "ok"]


def test_a_spent_budget_answers_429_over_mcp_too(tmp_path):
    app, _ = make_app(_config(tmp_path, rate_limit="2/minute"))
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    with serving(McpHttpApp(pipeline, KeyRing(app.extensions["legacy_bridges"]["config"].api_keys))) as base:
        _, results = asyncio.run(_session(base + "/mcp", KEY, *[("shop_get_item", {"item_no": "0001"})] * 3))
    assert [r.is_error for r in results] == [False, False, True]
    problem = json.loads(results[2].content[0].text[results[2].content[0].text.index("{"):])
    assert problem["status"] == 429 and problem["retry_after"] >= 1


@pytest.mark.live
def test_bridges_mcp_http_serves_orders_over_odbc_to_the_sdk_client(tmp_path):
    import os
    import subprocess
    import sys

    import tomli_w

    from bridges.core.testing import announced, default_sigint
    from bridges.orders.demo import demo_bridge_config
    from fixtures.orders import ensure_sqlite
    from tests.rdbms.databases import need_driver

    need_driver("SQLite3")
    config = {"facade": {"review_store": f"sqlite:///{tmp_path / 'r.db'}", "audit_log": str(tmp_path / "a.jsonl")},
              "api_keys": [{"name": "agent", "key": {"env": "T_MH_AGENT", "default": KEY}, "scopes": ["orders:read"]}],
              "bridges": {"orders": demo_bridge_config(ensure_sqlite(tmp_path / "orders.db"))}}
    (tmp_path / "bridges.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    # port 0: the server binds a free port itself and prints it once it listens (a port picked
    # here and released could be taken by another process before the server binds it)
    proc = subprocess.Popen([sys.executable, "-m", "facade_app.cli", "mcp", "--http", "--config",
                             str(tmp_path / "bridges.toml"), "--port", "0"],
                            env={**os.environ, "PYTHONPATH": os.getcwd()}, preexec_fn=default_sigint,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = announced(proc, r"^MCP over streamable HTTP at (\S+)").group(1)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
        tools, (order,) = asyncio.run(_session(url, KEY, ("orders_get_order", {"order_no": "0000100001"})))
        assert {"orders_get_order", "orders_list_orders"} <= {t.name for t in tools}
        assert all(t.annotations.read_only_hint for t in tools)
        assert order.structured_content["order_no"] == "0000100001"
        assert httpx.post(url, json={}).status_code == 401
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    events = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["event"], e["status"], e["caller"]) for e in events] == [("orders.get_order", 200, "agent"),
                                                                        ("mcp.mcp", 401, None)]
