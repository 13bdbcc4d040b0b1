"""MCP tools generated from the declarations, served in-process to the SDK's own client."""

import asyncio
import json

import pytest
from mcp import Client

from bridges.core.guard import Guard, GuardSettings
from bridges.core.operation import BridgeContext, NoSettings
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app.audit import AuditLog
from facade_app.auth import Caller
from facade_app.mcp_tools import build_mcp_server
from facade_app.pipeline import Pipeline
from facade_app.ratelimit import RateLimits
from facade_app.review_store import ReviewStore
from tests.facade_app.conftest import Shop

pytestmark = pytest.mark.unit


def _server(scopes, audit=None):
    shop = Shop(NoSettings(), BridgeContext("shop"))
    runtime = Runtime({"shop": BridgeRuntime(shop, Guard(GuardSettings(read_retries=0)))})
    pipeline = Pipeline(runtime, audit or AuditLog(None), RateLimits("memory://"), "1000/minute",
                        ReviewStore("sqlite://", 60))
    return build_mcp_server(pipeline, Caller("agent", frozenset(scopes))), shop


async def _session(server, *calls):
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        results = [await client.call_tool(name, args) for name, args in calls]
    return tools, results


def test_tools_follow_scopes_and_carry_hints():
    server, _ = _server({"shop:*"})
    tools, _ = asyncio.run(_session(server))
    by_name = {t.name: t for t in tools}
    assert set(by_name) == {"shop_get_item", "shop_rename"}  # streams are HTTP-only
    assert by_name["shop_get_item"].annotations.read_only_hint is True
    assert by_name["shop_rename"].annotations.destructive_hint is True
    assert by_name["shop_get_item"].input_schema["properties"]["item_no"]["pattern"] == "^[0-9]{4}$"
    readonly, _ = _server({"shop:read"})
    tools, _ = asyncio.run(_session(readonly))
    assert [t.name for t in tools] == ["shop_get_item"]


def test_calls_run_through_the_guard_and_answer_typed_data(tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    server, shop = _server({"shop:*"}, audit)
    _, (got, renamed, missing) = asyncio.run(_session(
        server,
        ("shop_get_item", {"item_no": "0001"}),
        ("shop_rename", {"item_no": "0001", "name": "Sencha"}),
        ("shop_get_item", {"item_no": "0002"}),
    ))
    assert got.structured_content == {"item_no": "0001", "name": "Grüner Tee", "price": "3.50"}
    assert renamed.structured_content["name"] == "Sencha" and shop.items["0001"][0] == "Sencha"
    assert missing.is_error
    assert json.loads(missing.content[0].text.split(": ", 1)[-1])["status"] == 404
    events = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(e["event"], e["status"], e["caller"]) for e in events] == [
        ("shop.get_item", 200, "agent"), ("shop.rename", 200, "agent"), ("shop.get_item", 404, "agent")]


def _spy(shop, name):
    """Record calls of the bridge's ``name`` method (the runtime looks it up on the instance)."""
    calls = []
    original = getattr(shop, name)
    setattr(shop, name, lambda query: calls.append(query) or original(query))
    return calls


def test_bad_arguments_are_rejected_before_the_bridge():
    server, shop = _server({"shop:read"})
    calls = _spy(shop, "get_item")
    _, (bad, good) = asyncio.run(_session(server, ("shop_get_item", {"item_no": "1'; DROP"}),
                                          ("shop_get_item", {"item_no": "0001"})))
    assert bad.is_error and not good.is_error
    assert [c.item_no for c in calls] == ["0001"]  # the spy sees calls; the bad one never reached the bridge


def test_a_write_without_scope_cannot_be_called_even_by_name():
    server, shop = _server({"shop:read"})
    calls = _spy(shop, "rename")
    _, (attempt,) = asyncio.run(_session(server, ("shop_rename", {"item_no": "0001", "name": "x"})))
    assert attempt.is_error and shop.items["0001"][0] == "Grüner Tee"
    assert calls == []
