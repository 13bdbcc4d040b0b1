"""customer360 against the real demo systems (the TN3270 host through s3270, ORDERS over SQLite ODBC,
HELPDESK in Chromium): all three parts for a known customer; with HELPDESK stopped, or CUSTMAST slow,
the answer comes at the deadline with that part unavailable and the others complete; served like
any operation (HTTP, OpenAPI, tool JSON, MCP over HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest

from bridges.core.config import parse_config
from facade_app import create_app
from facade_app.auth import KeyRing
from facade_app.mcp_http import McpHttpApp
from tests.facade_app.kit_mcp_http import mcp_client, serving

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[3]
KEY = "c360-key"
NARROW_KEY = "c360-narrow-key"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from bridges.custmast.demo import demo_bridge_config as custmast_config
    from bridges.helpdesk.demo import demo_bridge_config as helpdesk_config
    from bridges.orders.demo import demo_bridge_config as orders_config
    from fixtures.custmast import start_host
    from fixtures.helpdesk import start_app
    from fixtures.orders import ensure_sqlite
    from mainframe.testing import need_s3270
    from tests.rdbms.databases import need_driver
    from web_scrape.testing import need_chromium

    need_s3270()
    need_chromium()
    need_driver("SQLite3")
    workdir = tmp_path_factory.mktemp("c360")
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(start_host(host="127.0.0.1", port=0))
        helpdesk = start_app(host="127.0.0.1", port=0)
        helpdesk_ctx = stack.enter_context(helpdesk)
        config = parse_config({
            "facade": {"audit_log": str(workdir / "audit.jsonl"), "review_store": "sqlite://",
                       "rate_limit": "1000/minute"},
            "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
            "api_keys": [
                {"name": "agent", "key": {"env": "T_C360_KEY", "default": KEY},
                 "scopes": ["customer360:read", "custmast:read", "orders:read", "helpdesk:read"]},
                {"name": "narrow", "key": {"env": "T_C360_NARROW", "default": NARROW_KEY},
                 "scopes": ["customer360:read", "orders:read"]},
            ],
            "bridges": {
                "orders": orders_config(ensure_sqlite(workdir / "orders.db")),
                "custmast": custmast_config(host.host, host.port),
                "helpdesk": helpdesk_config(helpdesk_ctx.entry_url),
                "customer360": {"options": {"deadline_s": 3}},
            },
        }, base_dir=workdir)
        app = create_app(config)
        runtime = app.extensions["legacy_bridges"]["runtime"]
        stack.callback(runtime.close)
        # Warm each system first (browser launch and login, sign-on): a cold start is slower than the deadline.
        runtime.call("helpdesk", "search_tickets", {"customer": "C-00009"})
        runtime.call("custmast", "get_customer", {"customer": "C-00009"})
        yield {"app": app, "host": host, "helpdesk": helpdesk_ctx, "audit": workdir / "audit.jsonl"}


def _get(app, customer, key=KEY):
    r = app.test_client().get("/v1/customer360/get_customer_360", query_string={"customer": customer},
                              headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_all_three_parts_for_a_known_customer_by_any_of_its_ids(world):
    body = _get(world["app"], "C-00001")
    assert body["complete"] is True, {k: body[k].get("error") for k in ("customer", "orders", "tickets")}
    assert body["identifiers"] == {"custmast": "84603489", "helpdesk": "ACC/E-10007", "orders": "D0767378"}
    assert body["customer"]["data"]["custmast_no"] == "84603489"
    recent = body["orders"]["data"]["recent"]
    assert recent and all(o["customer"] == "C-00001" for o in recent)
    tickets = body["tickets"]["data"]
    assert tickets["open_total"] == len(tickets["tickets"]) or tickets["open_total"] > 25
    assert all(t["status"] == "open" and t["customer_id"] == "C-00001" for t in tickets["tickets"])
    by_helpdesk_id = _get(world["app"], "ACC/E-10007")
    assert by_helpdesk_id["customer_id"] == "C-00001" and by_helpdesk_id["complete"] is True


def test_an_unknown_customer_is_404_before_any_system_is_asked(world):
    r = world["app"].test_client().get("/v1/customer360/get_customer_360", query_string={"customer": "C-99999"},
                                       headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 404


def test_parts_follow_the_callers_scopes(world):
    body = _get(world["app"], "C-00002", key=NARROW_KEY)
    assert body["orders"]["available"] is True
    assert body["customer"]["error"]["error_type"] == "forbidden"
    assert body["tickets"]["error"]["error_type"] == "forbidden"


def test_with_custmast_slow_the_answer_comes_at_the_deadline_with_that_part_unavailable(world):
    world["host"].faults.latency = 5.0
    try:
        body = _get(world["app"], "C-00003")
    finally:
        world["host"].faults.latency = 0.0
    assert body["complete"] is False
    assert body["customer"]["available"] is False
    assert body["customer"]["error"]["error_type"] == "timeout"
    assert body["orders"]["available"] is True and body["tickets"]["available"] is True


def test_served_like_any_operation_openapi_tools_and_mcp_over_http(world):
    app = world["app"]
    client = app.test_client()
    spec = client.get("/openapi.json").get_json()
    assert "/v1/customer360/get_customer_360" in spec["paths"]
    tools = client.get("/tools/openai.json").get_json()
    assert any("customer360_get_customer_360" in json.dumps(t) for t in tools)
    keyring = KeyRing(app.extensions["legacy_bridges"]["config"].api_keys)

    async def call(url):
        async with mcp_client(url, KEY) as mcp:
            return await mcp.call_tool("customer360_get_customer_360", {"customer": "C-00001"})

    with serving(McpHttpApp(app.extensions["legacy_bridges"]["pipeline"], keyring)) as base:
        result = asyncio.run(call(base + "/mcp"))
    assert result.structured_content["complete"] is True
    assert result.structured_content["customer"]["data"]["custmast_no"] == "84603489"
    events = [json.loads(line) for line in world["audit"].read_text(encoding="utf-8").splitlines()]
    last = [e for e in events if e["request_id"].startswith(events[-1]["request_id"].split("/")[0])]
    assert {e["event"] for e in last} == {"customer360.get_customer_360", "custmast.get_customer",
                                          "orders.list_orders", "helpdesk.search_tickets"}


def test_with_the_helpdesk_stopped_the_tickets_are_unavailable_and_the_rest_complete(world):
    world["helpdesk"].stop()
    body = _get(world["app"], "C-00004")
    assert body["complete"] is False
    assert body["tickets"]["available"] is False
    assert body["tickets"]["error"]["error_type"] in ("unavailable", "timeout")
    assert body["customer"]["available"] is True and body["orders"]["available"] is True
