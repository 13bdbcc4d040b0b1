"""A rollout split on ORDERS over SQLite ODBC: the candidate (the same bridge on a copy of the
database with one field planted differently) runs on 10 % of 1,000 calls, sticky by order; the
mismatches show the planted field with both answers and are counted in the metrics; the caller
always gets the current answer; the share changes while serving and 0 stops the candidate."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from bridges.core.config import parse_config
from bridges.core.testing import wait_until
from bridges.orders.demo import demo_bridge_config
from facade_app import create_app
from facade_app.rollout import _bucket
from fixtures.orders import ensure_sqlite
from tests.facade_app.conftest import metric
from tests.rdbms.databases import need_driver

pytestmark = [pytest.mark.live, pytest.mark.timeout(300)]

KEY, OPS = "rollout-agent-key", "rollout-ops-key"


def _orders(n: int) -> list[str]:
    return [f"{100001 + i:010d}" for i in range(n)]


@pytest.fixture
def served(tmp_path):
    need_driver("SQLite3")
    current = ensure_sqlite(tmp_path / "orders.db")
    shutil.copy(current, tmp_path / "orders_next.db")
    with sqlite3.connect(tmp_path / "orders_next.db") as db:  # the planted difference: one field of some orders
        db.execute("UPDATE ORDHDR SET OHWHSE = 'ZZ9' WHERE substr(OHORNO, 10, 1) IN ('0', '5')")
    config = parse_config({
        "facade": {"review_store": f"sqlite:///{tmp_path / 'state.db'}", "rate_limit": "100000/minute"},
        "api_keys": [{"name": "agent", "key": {"env": "T_RO_AGENT", "default": KEY}, "scopes": ["orders:read"]},
                     {"name": "ops", "key": {"env": "T_RO_OPS", "default": OPS}, "scopes": ["ops"]}],
        "bridges": {
            "orders": {**demo_bridge_config(current),
                       "rollouts": {"get_order": {"candidate": "orders_next", "share": 0.1,
                                                  "sticky": "input.order_no"}}},
            "orders_next": demo_bridge_config(tmp_path / "orders_next.db"),
        },
    }, base_dir=tmp_path)
    app = create_app(config)
    yield app.test_client()
    app.extensions["legacy_bridges"]["runtime"].close()


def _report(client):
    r = client.get("/v1/rollouts", headers={"Authorization": f"Bearer {OPS}"})
    assert r.status_code == 200, r.get_json()
    (report,) = r.get_json()["rollouts"]
    return report


def _runs(client, outcome):
    return metric(client, "legacy_bridges_rollout_runs_total", key=OPS, bridge="orders", operation="get_order",
                  outcome=outcome)


def test_ten_percent_of_a_thousand_calls_run_the_candidate_and_the_planted_field_shows(served):
    client = served
    orders = _orders(1000)
    before = {outcome: _runs(client, outcome) for outcome in ("match", "mismatch", "error")}
    for order_no in orders:
        r = client.get("/v1/orders/get_order", query_string={"order_no": order_no},
                       headers={"Authorization": f"Bearer {KEY}"})
        assert r.status_code == 200
        assert r.get_json()["warehouse"] != "ZZ9"  # the caller always gets the current answer
    sampled = [o for o in orders if _bucket("orders.get_order", f'"{o}"') < 0.1]
    assert 70 <= len(sampled) <= 130
    assert wait_until(lambda: _report(client)["candidate_runs"] == len(sampled), timeout=60)
    report = _report(client)
    planted = [o for o in sampled if o[-1] in "05"]
    assert (report["calls_here"], report["sampled_here"]) == (1000, len(sampled))
    assert (report["mismatches"], report["matches"], report["candidate_errors"]) == (
        len(planted), len(sampled) - len(planted), 0)
    assert {outcome: _runs(client, outcome) - before[outcome] for outcome in before} == {
        "match": len(sampled) - len(planted), "mismatch": len(planted), "error": 0}  # and in the metrics
    assert report["kept_mismatches"]
    for kept in report["kept_mismatches"]:
        assert list(kept["diff"]) == ["warehouse"]
        assert kept["diff"]["warehouse"]["candidate"] == "ZZ9" and kept["current"]["warehouse"] != "ZZ9"
        assert kept["candidate"]["order_no"][-1] in "05"


def test_the_share_changes_while_serving_and_zero_stops_the_candidate(served):
    client = served
    ops = {"Authorization": f"Bearer {OPS}"}
    assert client.put("/v1/rollouts/orders/get_order", json={"share": 0.5},
                      headers={"Authorization": f"Bearer {KEY}"}).status_code == 403  # ops only
    assert client.put("/v1/rollouts/orders/get_order", json={"share": 1.5}, headers=ops).status_code == 422
    assert client.put("/v1/rollouts/orders/get_order", json={"share": 1.0}, headers=ops).get_json()["share"] == 1.0
    for order_no in _orders(20):
        client.get("/v1/orders/get_order", query_string={"order_no": order_no},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert _report(client)["sampled_here"] == 20
    assert client.put("/v1/rollouts/orders/get_order", json={"share": 0}, headers=ops).status_code == 200
    for order_no in _orders(20):
        client.get("/v1/orders/get_order", query_string={"order_no": order_no},
                   headers={"Authorization": f"Bearer {KEY}"})
    report = _report(client)
    assert (report["calls_here"], report["sampled_here"], report["share"]) == (40, 20, 0.0)
    assert wait_until(lambda: _report(client)["candidate_runs"] == 20, timeout=60)
