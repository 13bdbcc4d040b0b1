"""MCP over streamable HTTP at /mcp on the facade itself (a2wsgi under the WSGI app): the same
keys, scopes and audit as the facade's HTTP routes, in one server with them; bodies bounded;
and under gunicorn, every worker answers it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading

import httpx
import pytest

from bridges.core.config import parse_config
from bridges.core.testing import wait_until
from facade_app.server import make_dev_server
from tests.facade_app.conftest import KEY, OPS_KEY, READONLY_KEY, auth, make_app
from tests.facade_app.kit_mcp_http import mcp_client

pytestmark = [pytest.mark.unit, pytest.mark.timeout(120)]

_VOLATILE = {"ts", "request_id", "duration_ms", "pid"}


def _config(tmp_path, **facade):
    return parse_config(
        {
            "facade": {
                "rate_limit": "1000/minute",
                "review_store": f"sqlite:///{tmp_path / 'r.db'}",
                "audit_log": str(tmp_path / "audit.jsonl"),
                **facade,
            },
            "api_keys": [
                {"name": "all", "key": {"env": "T_MM_ALL", "default": KEY}, "scopes": ["shop:*"]},
                {"name": "ro", "key": {"env": "T_MM_RO", "default": READONLY_KEY}, "scopes": ["shop:read"]},
                {"name": "ops", "key": {"env": "T_MM_OPS", "default": OPS_KEY}, "scopes": ["ops"]},
            ],
        }
    )


@contextlib.contextmanager
def _serving(app):
    server = make_dev_server(app, "127.0.0.1", 0)  # bound here: no port to guess
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions["legacy_bridges"]["mcp"].close()


async def _session(url, key, *calls):
    async with mcp_client(url, key) as client:
        tools = (await client.list_tools()).tools
        return tools, [await client.call_tool(name, args) for name, args in calls]


def _audit(path):
    return [
        {k: v for k, v in json.loads(line).items() if k not in _VOLATILE}
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def test_the_facade_serves_mcp_beside_its_routes_with_the_same_keys_scopes_and_audit(tmp_path):
    app, _ = make_app(_config(tmp_path))
    audit = tmp_path / "audit.jsonl"
    with _serving(app) as base:
        tools, (got,) = asyncio.run(_session(base + "/mcp", READONLY_KEY, ("shop_get_item", {"item_no": "0001"})))
        assert [t.name for t in tools] == ["shop_get_item"]
        assert got.structured_content == {"item_no": "0001", "name": "Grüner Tee", "price": "3.50"}
        over_mcp = _audit(audit)
        refused = httpx.post(
            base + "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        assert _audit(audit)[-1]["event"] == "mcp.mcp" and _audit(audit)[-1]["status"] == 401
        over_http = httpx.get(base + "/v1/shop/get_item", params={"item_no": "0001"}, headers=auth(READONLY_KEY))
        assert over_http.status_code == 200  # the same server, the same process
        assert _audit(audit)[-1] == over_mcp[-1]  # the same audit line for the same call
        tools, _ = asyncio.run(_session(base + "/mcp", KEY))
        assert {t.name for t in tools} == {"shop_get_item", "shop_rename"}


def test_bodies_are_bounded_as_on_the_http_routes(tmp_path):
    app, _ = make_app(_config(tmp_path, max_body_bytes=2048))
    with _serving(app) as base:
        big = httpx.post(base + "/mcp", content=b"x" * 4096, headers={**auth(), "Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["status"] == 413
        chunked = httpx.post(base + "/mcp", content=iter([b"{}"]), headers=auth())
        assert chunked.status_code == 411


def test_an_empty_mcp_path_serves_no_mcp(tmp_path):
    app, _ = make_app(_config(tmp_path, mcp_path=""))
    r = app.test_client().post("/mcp", json={}, headers=auth())
    assert r.status_code in (404, 405) and "mcp" not in app.extensions["legacy_bridges"]


@pytest.mark.live
def test_bridges_serve_answers_mcp_in_every_gunicorn_worker_over_odbc(tmp_path):
    import tomli_w

    from bridges.orders.demo import demo_bridge_config
    from fixtures.orders import ensure_sqlite
    from tests.facade_app.gunicorn_run import gunicorn
    from tests.rdbms.databases import need_driver

    need_driver("SQLite3")
    config = {
        "facade": {
            "review_store": f"sqlite:///{tmp_path / 'r.db'}",
            "audit_log": str(tmp_path / "a.jsonl"),
            "state_dir": str(tmp_path / "state"),
        },
        "api_keys": [
            {"name": "agent", "key": {"env": "T_MM_AGENT", "default": KEY}, "scopes": ["orders:read"]},
            {"name": "ops", "key": {"env": "T_MM_OPSK", "default": OPS_KEY}, "scopes": ["ops"]},
        ],
        "bridges": {"orders": demo_bridge_config(ensure_sqlite(tmp_path / "orders.db"))},
    }
    (tmp_path / "bridges.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    with gunicorn("facade_app.wsgi", 2, {"LEGACY_BRIDGES_CONFIG": str(tmp_path / "bridges.toml")}) as http:
        url = str(http.base_url).rstrip("/") + "/mcp"
        assert wait_until(lambda: http.get("/healthz").status_code == 200, timeout=60)
        pids: set[int] = set()
        calls = 0

        def both_workers() -> bool:  # each session a new connection: the kernel gives it to either worker
            nonlocal calls
            _, (order,) = asyncio.run(_session(url, KEY, ("orders_get_order", {"order_no": "0000100001"})))
            assert order.structured_content["order_no"] == "0000100001"
            calls += 1
            events = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
            pids.update(e["pid"] for e in events if e["event"] == "orders.get_order")
            return len(pids) >= 2

        assert wait_until(both_workers, timeout=90), pids
        metrics = http.get("/metrics", headers=auth(OPS_KEY)).text
        counted = [
            line
            for line in metrics.splitlines()
            if line.startswith('legacy_bridges_calls_total{bridge="orders",operation="get_order",outcome="ok"}')
        ]
        assert counted and float(counted[0].split()[-1]) == calls  # counted once each, whichever worker took it
