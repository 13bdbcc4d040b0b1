"""One pipeline for every caller path: HTTP and MCP give equal outcomes and equal audit lines."""

from __future__ import annotations

import asyncio
import json

import pytest
from mcp import Client

from bridges.core.config import parse_config
from facade_app.auth import KeyRing
from facade_app.mcp_tools import build_mcp_server
from tests.facade_app.conftest import KEY, READONLY_KEY, auth, make_app

pytestmark = pytest.mark.unit

REVIEWER = "key-reviewer-000"
_VOLATILE = {"ts", "request_id", "duration_ms"}


def _config(tmp_path, name, review_writes=False):
    return parse_config({
        "facade": {"rate_limit": "1000/minute", "audit_log": str(tmp_path / f"{name}.jsonl"),
                   "review_store": f"sqlite:///{tmp_path / 'reviews.db'}"},
        "api_keys": [
            {"name": "all", "key": {"env": "T_ALL", "default": KEY}, "scopes": ["shop:*"]},
            {"name": "ro", "key": {"env": "T_RO", "default": READONLY_KEY}, "scopes": ["shop:read"],
             "rate_limit": "3/minute"},
            {"name": "boss", "key": {"env": "T_BOSS", "default": REVIEWER}, "scopes": ["shop:review"]},
        ],
        "bridges": {"shop": {"review_writes": review_writes}},
    })


def _counting(shop):
    """Count what reaches the bridge's own methods."""
    calls = []
    for name in ("get_item", "rename"):
        original = getattr(shop, name)

        def counted(arg, _original=original, _name=name):
            calls.append(_name)
            return _original(arg)

        setattr(shop, name, counted)
    return calls


def _http(client, key, tool, args):
    if tool == "shop_rename":
        r = client.post("/v1/shop/rename", json=args, headers=auth(key))
    else:
        r = client.get("/v1/shop/get_item", query_string=args, headers=auth(key))
    body = r.get_json()
    if r.mimetype == "application/problem+json":
        body = {k: v for k, v in body.items() if k not in ("instance", "request_id")}
        if "Retry-After" in r.headers:  # MCP has no headers: its problem carries retry_after
            body["retry_after"] = int(r.headers["Retry-After"])
    return r.status_code, body


def _mcp(pipeline, key, calls):
    caller = KeyRing(pipeline_config[0].api_keys).authenticate(key)

    async def run():
        async with Client(build_mcp_server(pipeline, caller)) as client:
            return [await client.call_tool(tool, args) for tool, args in calls]

    answers = []
    for result in asyncio.run(run()):
        if result.is_error:
            problem = json.loads(result.content[0].text.split(": ", 1)[1])
            assert problem.pop("request_id").startswith("mcp-")
            answers.append((problem["status"], problem))
        else:
            answers.append((202 if result.structured_content.get("status") == "pending" else 200,
                            result.structured_content))
    return answers


pipeline_config: list = [None]


def _audit(path):
    return [{k: v for k, v in json.loads(line).items() if k not in _VOLATILE}
            for line in path.read_text(encoding="utf-8").splitlines()]


CALLS = {
    KEY: [
        ("shop_get_item", {"item_no": "0001"}),
        ("shop_get_item", {"item_no": "0002"}),  # 404
        ("shop_get_item", {"item_no": "1'; DROP"}),  # 422
        ("shop_get_item", {"item_no": "9999"}),  # 503
        ("shop_get_item", {"item_no": "6666"}),  # 500: the bridge raised something unexpected
        ("shop_rename", {"item_no": "0001", "name": "Sencha", "password": "hunter2"}),
        ("shop_rename", {"item_no": "0001", "name": ""}),  # 422
        ("shop_rename", {"item_no": "0003", "name": "x" * 31}),  # 422
    ],
    READONLY_KEY: [("shop_get_item", {"item_no": "0001"})] * 4,  # 3/minute: the fourth is 429
}


def _both(tmp_path, review_writes=False):
    """The same configuration served over HTTP and over MCP, each with its own shop."""
    http_app, http_shop = make_app(_config(tmp_path, "http", review_writes))
    mcp_app, mcp_shop = make_app(_config(tmp_path, "mcp", review_writes))
    pipeline_config[0] = mcp_app.extensions["legacy_bridges"]["config"]
    return (http_app, http_shop), (mcp_app.extensions["legacy_bridges"]["pipeline"], mcp_shop)


def test_every_operation_gives_equal_outcomes_and_audit_lines_over_http_and_mcp(tmp_path):
    (http_app, http_shop), (pipeline, mcp_shop) = _both(tmp_path)
    client = http_app.test_client()
    for key, calls in CALLS.items():
        over_http = [_http(client, key, tool, args) for tool, args in calls]
        over_mcp = _mcp(pipeline, key, calls)
        assert over_http == over_mcp
    assert [s for s, _ in over_http] == [200, 200, 200, 429]
    assert http_shop.items == mcp_shop.items and http_shop.items["0001"][0] == "Sencha"
    http_lines, mcp_lines = _audit(tmp_path / "http.jsonl"), _audit(tmp_path / "mcp.jsonl")
    assert http_lines == mcp_lines
    assert [(e["status"], e["outcome"]) for e in mcp_lines] == [
        (200, "ok"), (404, "not-found"), (422, "invalid-input"), (503, "unavailable"), (500, "internal"),
        (200, "ok"), (422, "invalid-input"), (422, "invalid-input"),
        (200, "ok"), (200, "ok"), (200, "ok"), (429, "rate-limited")]
    assert "hunter2" not in (tmp_path / "mcp.jsonl").read_text(encoding="utf-8")


def test_a_write_through_mcp_waits_for_a_second_key_like_one_over_http(tmp_path):
    (http_app, http_shop), (pipeline, mcp_shop) = _both(tmp_path, review_writes=True)
    client = http_app.test_client()
    http_calls, mcp_calls = _counting(http_shop), _counting(mcp_shop)
    write = [("shop_rename", {"item_no": "0001", "name": "Oolong"})]
    ((http_status, http_review),) = [_http(client, KEY, *write[0])]
    ((mcp_status, mcp_review),) = _mcp(pipeline, KEY, write)
    assert http_status == mcp_status == 202
    same = {"id", "requested_at", "expires_at", "links"}
    assert {k: v for k, v in http_review.items() if k not in same} == \
        {k: v for k, v in mcp_review.items() if k not in same}
    assert mcp_review["status"] == "pending" and set(mcp_review["links"]) == {"self", "approve", "reject"}
    assert mcp_calls == [] and mcp_shop.items["0001"][0] == "Grüner Tee"  # nothing ran
    assert _audit(tmp_path / "http.jsonl") == _audit(tmp_path / "mcp.jsonl")

    # The queue is shared: the review queued through MCP is approved over HTTP by another key.
    assert client.post(f"/v1/reviews/{mcp_review['id']}/approve", headers=auth(KEY)).status_code == 403  # own
    assert mcp_calls == [] and http_calls == []
    approved = client.post(f"/v1/reviews/{mcp_review['id']}/approve", headers=auth(REVIEWER))
    assert approved.status_code == 200 and approved.get_json()["status"] == "executed"
    assert approved.get_json()["links"] == {"self": f"/v1/reviews/{mcp_review['id']}"}
    assert http_calls == ["rename"] and http_shop.items["0001"][0] == "Oolong"


def test_refused_mcp_calls_never_reach_the_bridge(tmp_path):
    (_, _), (pipeline, shop) = _both(tmp_path)
    calls = _counting(shop)
    answers = _mcp(pipeline, READONLY_KEY, [
        ("shop_get_item", {"item_no": "12'; DROP TABLE x"}),  # invalid
        ("shop_get_item", {"item_no": "0001", "debug": True}),  # unknown argument
        ("shop_get_item", {}),  # missing
    ])
    assert [status for status, _ in answers] == [422, 422, 422] and calls == []
    assert all("DROP" not in json.dumps(problem) for _, problem in answers)  # the value is never echoed

    async def by_name():
        caller = KeyRing(pipeline_config[0].api_keys).authenticate(READONLY_KEY)
        async with Client(build_mcp_server(pipeline, caller)) as client:
            return await client.call_tool("shop_rename", {"item_no": "0001", "name": "x"})

    assert asyncio.run(by_name()).is_error and calls == []  # not listed for this key, not callable
    lines = _audit(tmp_path / "mcp.jsonl")
    assert [(e["caller"], e["status"]) for e in lines] == [("ro", 422)] * 3  # failed calls are audited
