"""``bridges crosswalk build`` from records files, measured against the known crosswalk, and ``diff``."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bridges.linkage import write_records
from facade_app.cli import main
from fixtures.linkage import custmast_records, helpdesk_records, orders_records
from fixtures.orders.load_sqlite import build_sqlite
from fixtures.world import CROSSWALK_PATH

pytestmark = pytest.mark.unit


def test_build_then_diff(tmp_path, capsys):
    db = build_sqlite(tmp_path / "orders.sqlite")
    with sqlite3.connect(db) as conn:
        orders = orders_records(
            conn.execute("SELECT CMCUSN, CMNAME, CMADR1, CMCITY, CMPSTC, CMCTRY, CMPHON FROM CUSMST")
        )
    conn.close()
    args = ["crosswalk", "build", "--out", str(tmp_path / "out"), "--truth", str(CROSSWALK_PATH)]
    for system, records in (("custmast", custmast_records()), ("orders", orders), ("helpdesk", helpdesk_records())):
        write_records(tmp_path / f"{system}.csv", records)
        args += ["--records", f"{system}={tmp_path / f'{system}.csv'}"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    quality = json.loads(out)
    assert quality["precision"] == 1.0 and quality["recall"] >= 0.99
    assert "crosswalk-v1.csv: 603 customers from 1724 records" in err
    assert main(["crosswalk", "diff", str(CROSSWALK_PATH), str(tmp_path / "out" / "crosswalk-v1.csv")]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert changes["from_version"] == changes["to_version"] == 1 and changes["gone_ids"]


def test_records_of_one_system_are_not_enough(tmp_path, capsys):
    write_records(tmp_path / "a.csv", custmast_records()[:3])
    assert main(["crosswalk", "build", "--records", f"a={tmp_path / 'a.csv'}", "--out", str(tmp_path)]) == 2
    assert "two systems or more" in capsys.readouterr().err
