"""ORDERS replayed from its committed cassette: no database, and no ODBC driver at all.

The cassette ``fixtures/cassettes/orders/orders.yaml`` was recorded with mode ``once``
against the demo SQLite file; delete it and run this module to record it again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from bridges.core.errors import NotFound
from tests.bridges.orders import helpers

pytestmark = pytest.mark.replay


def scenario(runtime) -> dict:
    """The calls the cassette holds, in order."""
    out: dict = {"order": runtime.call("orders", "get_order", {"order_no": "0000100001"})}
    first = runtime.call("orders", "list_orders", {"customer": "C-00001", "limit": 5})
    out["pages"] = [first, runtime.call("orders", "list_orders",
                                        {"customer": "C-00001", "limit": 5, "cursor": first.next_cursor})]
    with pytest.raises(NotFound):
        runtime.call("orders", "get_order", {"order_no": "0009999999"})
    out["export"] = list(runtime.call("orders", "export_orders", {"customer": "C-00002"}))
    out["products"] = runtime.call("orders", "list_products", {"limit": 3})
    return out


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    entry = {"options": {"connection": "Driver=SQLite3;Database=orders.db", "dialect": "sqlite"},
             "cassette": {"path": str(helpers.CASSETTE), "mode": "none"}}
    if not helpers.CASSETTE.exists():  # record once, against the demo SQLite file
        from fixtures.orders import build_sqlite

        db = build_sqlite(tmp_path_factory.mktemp("orders-record") / "orders.sqlite")
        entry = {"options": {"connection": f"Driver=SQLite3;Database={db}", "dialect": "sqlite"},
                 "cassette": {"path": str(helpers.CASSETTE), "mode": "once"}}
        recording = helpers.runtime_for(entry)
        try:
            scenario(recording)
        finally:
            recording.close()
        entry = {"options": {"connection": "Driver=SQLite3;Database=orders.db", "dialect": "sqlite"},
                 "cassette": {"path": str(helpers.CASSETTE), "mode": "none"}}
    runtime = helpers.runtime_for(entry)
    yield runtime, scenario(runtime)
    runtime.close()


def test_the_replayed_scenario_is_normalised(replayed) -> None:
    runtime, out = replayed
    order = out["order"]
    assert (order.order_no, order.customer, order.order_date, order.total) == (
        "0000100001", "C-00066", dt.date(1996, 1, 2), Decimal("209.75"))
    first, second = out["pages"]
    assert len(first.orders) == 5 and first.next_cursor and second.orders
    assert first.orders[-1].order_no > second.orders[0].order_no
    assert out["export"] and all(row["customer"] == "C-00002" for row in out["export"])
    assert len(out["products"].rows) == 3
    assert runtime.readiness()["orders"]["mode"] == "replay"
    assert runtime.bridges["orders"].bridge.db.status()["remaining"] == 0


def test_replay_runs_with_pyodbc_unimportable(tmp_path) -> None:
    code = f"""
import json, sys
sys.modules["pyodbc"] = None  # any 'import pyodbc' now raises ImportError
from bridges.core.config import parse_config
from bridges.core.registry import build_runtime
config = parse_config({{"crosswalk": {str(helpers.CROSSWALK)!r}, "bridges": {{"orders": {{
    "options": {{"connection": "Driver=SQLite3;Database=orders.db", "dialect": "sqlite"}},
    "cassette": {{"path": {str(helpers.CASSETTE)!r}, "mode": "none"}}}}}}}})
runtime = build_runtime(config)
order = runtime.call("orders", "get_order", {{"order_no": "0000100001"}})
print(json.dumps({{"order": order.model_dump(mode="json"), "ready": runtime.readiness()["orders"]["status"]}}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODBC")}
    env["ODBCSYSINI"] = str(tmp_path)  # and no driver manager configuration either
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["order"]["total"] == "209.75" and answer["order"]["customer"] == "C-00066"
    assert answer["ready"] == "ok"
