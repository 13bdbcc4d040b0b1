"""An extract file assessed by its copybook: CUSTBAL's fields profiled like columns, with exact counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import yaml

from bridges.assess import ExtractTarget, assess_targets, build_report, markdown_report, targets_from_config
from fixtures.custmast.extract import COPYBOOK, balances, extract_name, write_extract

AS_OF = dt.date(2024, 1, 31)


def _assessed(tmp_path, sample: int = 1000) -> dict:
    path = write_extract(tmp_path / extract_name(AS_OF), AS_OF)
    (system,) = assess_targets([ExtractTarget("custbal", COPYBOOK, path)], sample_rows=sample, as_of=AS_OF)
    return system


def test_custbal_is_profiled_field_by_field_with_the_demo_world_values(tmp_path):
    system = _assessed(tmp_path)
    assert system["transport"] == "extract" and system["security"] == [] and "error" not in system
    assert system["extract"]["record_length"] == 150 and system["extract"]["trailer"] == "CUSTBAL-TRAILER"
    assert "trailer tr_record_count = 600 matches" in " ".join(system["extract"]["notes"])
    (relation,) = system["database"]["relations"]
    assert relation["count"] == {"rows": 600, "exact": True, "how": "file size / record length"}
    assert relation["sampled"] == 600
    columns = {c["name"]: c for c in relation["columns"]}
    assert not any(name.startswith("filler") for name in columns)
    rows = list(balances(AS_OF))
    assert columns["cb_balance"]["type"] == "PIC S9(9)V9(2) COMP-3"
    assert (Decimal(columns["cb_balance"]["min"]), Decimal(columns["cb_balance"]["max"])) == (
        min(r["cb_balance"] for r in rows),
        max(r["cb_balance"] for r in rows),
    )
    months = columns["cb_month[].cb_month_net"]  # every occurrence's values: 12 a record
    assert months["sampled"] == 7200 and months["nulls"] == 0
    assert columns["cb_status"]["top"] == [
        {"value": v, "count": n}
        for v, n in sorted(((s, sum(1 for r in rows if r["cb_status"] == s)) for s in "AB"), key=lambda item: -item[1])
    ]
    paid = columns["cb_last_payment"]
    assert paid["reading"] == "parse_yyyymmdd" and sum(paid["freshness"].values()) == 600
    found = {(f["class"], f["column"]): f for f in relation["findings"]}
    assert set(found) == {("legacy_date", "cb_last_payment"), ("personal_data", "cb_name")}
    assert found[("legacy_date", "cb_last_payment")]["count"] == 600
    assert all("*" in example for example in found[("personal_data", "cb_name")]["examples"])  # masked


def test_the_sample_bounds_what_is_decoded_and_the_report_reads_it_as_a_table(tmp_path):
    system = _assessed(tmp_path, sample=50)
    (relation,) = system["database"]["relations"]
    assert relation["sampled"] == 50 and relation["count"]["rows"] == 600
    report = build_report([system], as_of=AS_OF)
    assert report["summary"]["relations"] == 1 and report["summary"]["rows"] == 600
    text = markdown_report(report)
    assert "## custbal (extract)" in text and "| CUSTBAL-DETAIL | table | 600 | 50 |" in text


def test_a_file_the_copybook_does_not_fit_is_reported_not_profiled(tmp_path):
    path = tmp_path / "CUSTBAL.BAD"
    path.write_bytes(b"\x40" * 151)
    (system,) = assess_targets([ExtractTarget("custbal", COPYBOOK, path)], as_of=AS_OF)
    assert "151 bytes is not a whole number of 150-byte records" in system["error"]


def test_a_configured_extract_bridge_is_assessed_on_the_latest_file_of_its_folder(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    write_extract(folder / extract_name(dt.date(2023, 12, 31)), dt.date(2023, 12, 31), count=10)
    write_extract(folder / extract_name(AS_OF), AS_OF)
    config = tmp_path / "bridges.yaml"
    config.write_text(yaml.safe_dump({"bridges": {"custbal": {"options": {"folder": str(folder)}}}}), encoding="utf-8")
    (target,), others = targets_from_config(config)
    assert others == [] and target.extract == folder / "CUSTBAL.D20240131.DAT"
    (system,) = assess_targets([target], as_of=AS_OF)
    assert system["database"]["relations"][0]["count"]["rows"] == 600
    for old in folder.iterdir():
        old.unlink()
    (target,), _ = targets_from_config(config)
    (system,) = assess_targets([target], as_of=AS_OF)
    assert "no file matches CUSTBAL.D*.DAT" in system["error"]
