"""Every operation of the demo, with each of its declared examples, through HTTP and through MCP:
equal outcomes and equal audit lines; a write queued through MCP runs only once a second key approves it."""

from __future__ import annotations

import asyncio
import json

import pytest
from mcp import Client

from bridges.core.config import parse_config
from bridges.customer360.demo import warm_up
from facade_app import create_app
from facade_app.auth import KeyRing
from facade_app.demo import DEFAULT_DEMO_KEY, demo_config, demo_world
from facade_app.mcp_tools import build_mcp_server

pytestmark = pytest.mark.live

REVIEWER = "demo-reviewer-key"
_VOLATILE = {"ts", "request_id", "duration_ms"}
_REVIEW_VOLATILE = {"id", "requested_at", "expires_at", "links"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from web_scrape.testing import need_chromium

    need_chromium()
    workdir = tmp_path_factory.mktemp("demo")
    with demo_world(workdir) as world:
        app = create_app(parse_config(demo_config(world), base_dir=workdir))
        warm_up(app.extensions["legacy_bridges"]["runtime"])  # as the demo does: customer360's parts by its deadline
        try:
            yield app, workdir / "audit.jsonl"
        finally:
            app.extensions["legacy_bridges"]["runtime"].close()


def _auth(key=DEFAULT_DEMO_KEY):
    return {"Authorization": f"Bearer {key}"}


def _http(client, op, example):
    if op.http_method == "POST":
        r = client.post(op.path, json=example, headers=_auth())
    else:
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in example.items()}
        r = client.get(op.path, query_string=query, headers=_auth())
    body = r.get_json()
    if r.mimetype == "application/problem+json":
        body = {k: v for k, v in body.items() if k not in ("instance", "request_id")}
    return r.status_code, _stable(body)


def _stable(body):
    """A review's id and times differ between two queued writes, and a composite's parts' times
    between two calls; everything else must not."""
    if isinstance(body, dict) and "requested_by" in body and "links" in body:
        return {k: v for k, v in body.items() if k not in _REVIEW_VOLATILE}
    if isinstance(body, dict) and "complete" in body and "deadline_s" in body:
        return {k: {**v, "duration_ms": None} if isinstance(v, dict) and "duration_ms" in v else v
                for k, v in body.items()}
    return body


def _mcp(app, calls):
    config = app.extensions["legacy_bridges"]["config"]
    pipeline = app.extensions["legacy_bridges"]["pipeline"]
    caller = KeyRing(config.api_keys).authenticate(DEFAULT_DEMO_KEY)

    async def run():
        async with Client(build_mcp_server(pipeline, caller)) as client:
            return [await client.call_tool(op.tool_name, example) for op, example in calls]

    answers = []
    for result in asyncio.run(run()):
        if result.is_error:
            problem = json.loads(result.content[0].text.split(": ", 1)[1])
            problem.pop("request_id")
            answers.append((problem["status"], problem))
        else:
            body = result.structured_content
            status = 202 if body.get("status") == "pending" and "requested_by" in body else 200
            answers.append((status, _stable(body)))
    return answers


def _audit(path, last):
    lines = path.read_text(encoding="utf-8").splitlines()[-last:]
    return [{k: v for k, v in json.loads(line).items() if k not in _VOLATILE} for line in lines]


def test_every_demo_operation_answers_and_audits_alike_over_http_and_mcp(demo):
    app, audit = demo
    client = app.test_client()
    runtime = app.extensions["legacy_bridges"]["runtime"]
    calls = [(op, example.input) for _, op in runtime.operations() if not op.streaming for example in op.examples]
    calls.append((runtime.find("orders", "get_order")[1], {"order_no": "abc'"}))  # and a refused one
    for op, example in calls:
        over_http = _http(client, op, example)
        http_line = _audit(audit, 1)
        (over_mcp,) = _mcp(app, [(op, example)])
        mcp_line = _audit(audit, 1)
        assert over_http == over_mcp, op.qualified_name
        assert http_line == mcp_line, op.qualified_name
        if op.qualified_name == "customer360.get_customer_360":  # the composite: all three parts, both ways
            assert over_http[1]["complete"] is True, over_http
    assert sum(op.qualified_name == "customer360.get_customer_360" for op, _ in calls) == 2
    statuses = {(op.qualified_name, _audit(audit, 1)[0]["status"]) for op, _ in calls[-1:]}
    assert statuses == {("orders.get_order", 422)}


def test_a_write_queued_through_mcp_changes_nothing_until_a_second_key_approves_it(demo):
    app, audit = demo
    client = app.test_client()
    runtime = app.extensions["legacy_bridges"]["runtime"]
    _, change = runtime.find("custmast", "change_address")
    before = client.get("/v1/custmast/get_customer", query_string={"customer": "C-00002"}, headers=_auth()).get_json()
    new_street = "Pipelinegasse 9" if before["street"] != "Pipelinegasse 9" else "Pipelinegasse 10"
    ((status, review),) = _mcp(app, [(change, {"customer": "C-00002", "street": new_street})])
    assert status == 202 and review["status"] == "pending"
    pending = client.get("/v1/reviews?status=pending", headers=_auth(REVIEWER)).get_json()["reviews"]
    (queued,) = [r for r in pending if r["input"].get("street") == new_street]
    now = client.get("/v1/custmast/get_customer", query_string={"customer": "C-00002"}, headers=_auth()).get_json()
    assert now["street"] == before["street"]  # nothing ran
    assert client.post(queued["links"]["approve"], headers=_auth()).status_code == 403  # not by who asked
    approved = client.post(queued["links"]["approve"], headers=_auth(REVIEWER))
    assert approved.status_code == 200 and approved.get_json()["status"] == "executed", approved.get_json()
    after = client.get("/v1/custmast/get_customer", query_string={"customer": "C-00002"}, headers=_auth()).get_json()
    assert after["street"] == new_street
    events = [(e["event"], e["caller"], e["status"]) for e in _audit(audit, 6)]
    assert ("custmast.change_address", "demo", 202) in events
    assert ("custmast.change_address.approve", "demo", 403) in events
    assert ("custmast.change_address.approve", "demo-reviewer", 200) in events
