"""The demo's ORDERS database with the guide's data problems planted (fixtures.orders.planted): the
assessment finds each with its exact count, and nothing on the clean columns."""

from __future__ import annotations

import datetime as dt

import pytest

from bridges.assess.across import across_systems
from bridges.core.crosswalk import Crosswalk
from fixtures.linkage import custmast_records, orders_records
from fixtures.orders.load_sqlite import build_sqlite
from fixtures.orders.planted import plant_problems
from fixtures.world import CROSSWALK_PATH
from rdbms.assess import assess_database
from rdbms.live import OdbcConnection
from rdbms.settings import RdbmsSettings
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live


def test_every_planted_problem_is_found_with_its_exact_count(tmp_path):
    need_driver("SQLite3")
    planted = tmp_path / "planted.sqlite"
    truth = plant_problems(build_sqlite(tmp_path / "orders.sqlite"), planted)
    connection = f"Driver=SQLite3;Database={planted}"
    found = assess_database(
        RdbmsSettings(connection=connection, dialect="sqlite"), tables="CUSMST,ORDHDR", as_of=dt.date(2025, 6, 30)
    )
    by_relation = {r.name: {(f.column, f.kind): f.count for f in r.all_findings()} for r in found.relations}
    customers, orders = by_relation["CUSMST"], by_relation["ORDHDR"]
    assert customers[("CMNAME+CMADR1+CMCITY+CMPSTC", "duplicate_records")] == truth["duplicate_records"]
    assert customers[("CMNAME", "mojibake")] == truth["mojibake"]
    assert customers[("CMPHON", "blank")] == truth["blank"]
    assert orders[("OHCUSN", "orphan")] == truth["orphan"]
    # Clean columns carry only what is true of them (padding, personal data, legacy readings): nothing planted.
    planted_kinds = {"duplicate_records", "mojibake", "blank", "orphan", "duplicate_key", "number_sentinel"}
    clean = {k: v for k, v in customers.items() if k[0] in {"CMCITY", "CMCTRY", "CMSTAT", "CMCRLM", "CMSNDT"}}
    assert not {kind for _, kind in clean} & planted_kinds
    # OHCREF is all blanks when a customer gave no reference: true of ORDERS, not planted.
    assert {k for k in orders if k[1] in planted_kinds} == {("OHCUSN", "orphan"), ("OHCREF", "blank")}
    db = OdbcConnection(connection, "sqlite", pool_size=1)
    try:
        rows = db.query(
            "SELECT CMCUSN, CMNAME, CMADR1, CMCITY, CMPSTC, CMCTRY, CMPHON FROM CUSMST", max_rows=10_000
        ).rows
    finally:
        db.close()
    across = across_systems(
        {"custmast": custmast_records(), "orders": orders_records(rows)}, Crosswalk.load(CROSSWALK_PATH)
    )
    assert across["systems"]["orders"]["unmapped"] == truth["unmapped"]
    assert across["disagreements"]["street"]["count"] == truth["conflicting_addresses"]
