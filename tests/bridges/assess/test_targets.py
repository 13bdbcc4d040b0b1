"""Assessing the configured bridges: each database bridge through its own settings and caps, with its
security posture (TLS, secrets in clear, operations that write, an account that can write)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bridges.assess import assess_targets, database_target, targets_from_config
from fixtures.orders.load_sqlite import build_sqlite
from tests.rdbms.databases import need_driver


def _config(tmp_path: Path, bridges: dict) -> Path:
    path = tmp_path / "bridges.yaml"
    path.write_text(yaml.safe_dump({"bridges": bridges}), encoding="utf-8")
    return path


@pytest.mark.unit
def test_the_configured_database_bridges_are_the_targets_with_their_caps(tmp_path):
    path = _config(
        tmp_path,
        {
            "orders": {
                "options": {"connection": "Driver=SQLite3;Database=orders.db", "dialect": "sqlite", "max_rows": 300},
                "guard": {"deadline_s": 3},
            },
            "custmast": {"options": {"host": "127.0.0.1"}},
            "old": {"kind": "orders", "enabled": False, "options": {"connection": "DSN=x", "dialect": "sqlite"}},
        },
    )
    walk = Path(__file__).resolve().parents[3] / "fixtures" / "custmast" / "discover-walk.txt"
    (host, target), others = targets_from_config(path, tables="V*", walks={"custmast": walk})  # YAML sorts names
    assert others == []
    assert (target.name, target.timeout_s, target.settings.max_rows, target.tables) == ("orders", 3, 300, "V*")
    assert target.security() == []
    assert (host.name, host.transport, host.password, len(host.walk)) == ("custmast", "tn3270", None, 7)
    assert [f["class"] for f in host.security()] == ["no_tls", "write_operations"]
    assert "change_address" in host.security()[1]["detail"]


@pytest.mark.unit
def test_security_posture_without_a_connection():
    plain = database_target("Driver={PostgreSQL Unicode};Server=db;Database=x;PWD=hunter2", "postgresql")
    assert [f["class"] for f in plain.security()] == ["no_tls", "secret_in_clear"]
    assert "hunter2" not in plain.where() and "hunter2" not in str(plain.security())
    tls = database_target("Driver={PostgreSQL Unicode};Server=db;Database=x;SSLmode=verify-full", "postgresql")
    assert tls.security() == []


@pytest.mark.live
def test_a_configured_orders_bridge_is_assessed_within_its_row_cap(tmp_path):
    need_driver("SQLite3")
    db = build_sqlite(tmp_path / "orders.sqlite")
    path = _config(
        tmp_path,
        {"orders": {"options": {"connection": f"Driver=SQLite3;Database={db}", "dialect": "sqlite", "max_rows": 120}}},
    )
    targets, _ = targets_from_config(path, tables="VORDHDR")
    [system] = assess_targets(targets, sample_rows=1000, as_of=dt.date(2025, 6, 30))
    [relation] = system["database"]["relations"]
    assert relation["sampled"] == 120 and relation["count"] == {"rows": 20_000, "exact": True, "how": "counted"}
    assert system["database"]["sampling"]["rows_per_relation"] == 120


@pytest.mark.live
def test_an_account_that_can_write_is_reported_not_assessed(postgresql_target):
    options = postgresql_target.admin_options
    target = database_target(
        options["connection"], "postgresql", user=options["user"], schema=postgresql_target.schema, tables="VPRDMST"
    )
    [system] = assess_targets([target])
    assert "database" not in system and "can write" in system["error"]
    assert "account_can_write" in [f["class"] for f in system["security"]]
