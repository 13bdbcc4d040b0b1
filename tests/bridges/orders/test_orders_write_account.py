"""The ORDERS bridge refuses to start when its account can write, on each database — through
the bridge as configured, not the connection class: an administrator's account on PostgreSQL
and MariaDB, and on SQLite a connection string that opens the file writable (``mode=rw``).
``allow_write_account = true`` starts it anyway, and says so in its status."""

from __future__ import annotations

import shutil

import pytest

from bridges.core.errors import BridgeError
from tests.bridges.orders import helpers

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]


def _writer_entry(target, tmp_path, **extra) -> dict:
    if target.dialect == "sqlite":
        copy = tmp_path / "orders.db"  # the probe's own write is rolled back; a copy all the same
        shutil.copyfile(target.sqlite_path, copy)
        options, secrets = {"connection": f"Driver=SQLite3;Database=file:{copy}?mode=rw", "dialect": "sqlite"}, {}
    else:
        options, secrets = dict(target.admin_options), dict(target.admin_secrets)
        options.setdefault("db_schema", target.options.get("db_schema"))
    entry = {"options": {**options, **extra}, "guard": {"deadline_s": 10}}
    if secrets.get("password"):
        entry["secrets"] = {"password": {"env": "ORDERS_TEST_ADMIN_PASSWORD", "default": secrets["password"]}}
    return entry


def test_a_bridge_whose_account_can_write_refuses_to_start(target, tmp_path) -> None:
    with pytest.raises(BridgeError) as caught:
        helpers.runtime_for(_writer_entry(target, tmp_path)).close()
    detail = caught.value.detail
    assert "can write" in detail and "allow_write_account" in detail, detail
    assert caught.value.status == 403


def test_allow_write_account_starts_it_and_says_so(target, tmp_path) -> None:
    runtime = helpers.runtime_for(_writer_entry(target, tmp_path, allow_write_account=True))
    try:
        status = runtime.readiness()["orders"]
        assert status["status"] == "ok" and status["account_can_write"] is True, status
        assert runtime.call("orders", "get_order", {"order_no": "0000100001"}).order_no == "0000100001"
    finally:
        runtime.close()


def test_the_reader_account_starts_and_cannot_write(target) -> None:
    runtime = helpers.runtime_for(helpers.bridge_entry(target))
    try:
        assert runtime.readiness()["orders"]["account_can_write"] is False
    finally:
        runtime.close()
