"""The reports: the JSON document's versioned schema and summary, and the Markdown one for people."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bridges.assess import SCHEMA_VERSION, build_report, markdown_report, write_reports
from bridges.assess.report import SCHEMA_PATH, schema_errors

pytestmark = pytest.mark.unit


def _system() -> dict:
    finding = {
        "class": "legacy_date",
        "column": "OHORDT",
        "count": 90,
        "sampled": 100,
        "rule": "parse_cyymmdd",
        "examples": ["1250630"],
        "note": "CYYMMDD date",
    }
    personal = {
        "class": "personal_data",
        "column": "CMNAME",
        "count": 100,
        "sampled": 100,
        "rule": "governance",
        "examples": ["A*** M*****"],
        "note": "",
    }
    column = {"name": "CMNAME", "personal": "name", "date_range": None, "freshness": {}}
    dated = {
        "name": "OHORDT",
        "personal": None,
        "date_range": ["1996-01-02", "2025-06-30"],
        "freshness": {"future": 0, "<=1y": 10, ">10y": 80},
    }
    relation = {
        "name": "ORD|HDR",
        "kind": "table",
        "count": {"rows": 20_000, "exact": False, "how": "catalog estimate"},
        "sampled": 100,
        "key": [],
        "key_problem": "no candidate",
        "problem": "",
        "columns": [column, dated],
        "findings": [finding, personal],
    }
    database = {
        "dialect": "sqlite",
        "schema": None,
        "relations": [relation],
        "sampling": {"rows_per_relation": 100, "method": "first rows", "count_limit": 1000},
        "cost": {"queries": 3, "rows_read": 101, "seconds": 0.1},
    }
    return {
        "name": "orders",
        "transport": "odbc",
        "where": "Driver=SQLite3;Database=o.db",
        "security": [{"class": "no_tls", "detail": "plain"}],
        "database": database,
    }


def test_json_report_schema_and_summary(tmp_path):
    report = build_report(
        [_system(), {"name": "gone", "transport": "odbc", "where": "DSN=x", "security": [], "error": "not reachable"}],
        as_of=dt.date(2025, 6, 30),
    )
    assert report["schema_version"] == SCHEMA_VERSION == 1 and report["as_of"] == "2025-06-30"
    summary = report["summary"]
    assert (summary["systems"], summary["relations"], summary["rows"], summary["personal_columns"]) == (2, 1, 20_000, 1)
    assert summary["preparation"] == [
        {"class": "legacy_date", "rule": "parse_cyymmdd", "columns": 1, "values": 90},
        {"class": "personal_data", "rule": "governance", "columns": 1, "values": 100},
    ]
    assert report["systems"][0]["summary"]["relations"] == 1
    json_path, md_path, _ = write_reports(report, tmp_path / "out")
    assert json.loads(json_path.read_text(encoding="utf-8")) == report
    assert md_path.read_text(encoding="utf-8") == markdown_report(report)


def test_markdown_report_for_people():
    text = markdown_report(build_report([_system()], as_of=dt.date(2025, 6, 30)))
    assert text.startswith("# Systems and data readiness assessment")
    assert "| ORD\\|HDR | table | 20,000 (est.) | 100 | none (no candidate) |" in text  # a pipe never breaks a table
    assert "| ORD\\|HDR | OHORDT | legacy_date | 90/100 | parse_cyymmdd | 1250630 |" in text
    assert "| ORD\\|HDR | OHORDT | 1996-01-02 | 2025-06-30 | 0 | 10 | 80 |" in text
    assert "- no_tls: plain" in text and "A*** M*****" in text
    system = _system()
    system["database"]["relations"][0]["count"] = {
        "rows": 1001,
        "exact": False,
        "how": "more than 1000 (bounded count)",
    }
    text = markdown_report(build_report([system], as_of=dt.date(2025, 6, 30)))
    assert "| ORD\\|HDR | table | more than 1,000 | 100 |" in text  # the limit, not the limit + 1 as an estimate


def test_the_json_schema_is_a_schema_and_rejects_what_it_does_not_name():
    import jsonschema_rs

    assert jsonschema_rs.meta.is_valid(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    gone = {"name": "gone", "transport": "odbc", "where": "DSN=x", "security": [], "error": "not reachable"}
    report = build_report([gone], as_of=dt.date(2025, 6, 30))
    assert schema_errors(report) == []
    assert schema_errors({**report, "schema_version": 2}) == ["/schema_version: 1 was expected"]
    unknown = {**gone, "security": [{"class": "weak_cipher", "detail": "?"}]}
    assert [e.split(":")[0] for e in schema_errors(build_report([unknown], as_of=dt.date(2025, 6, 30)))] == [
        "/systems/0/security/0/class"
    ]
    undocumented = {**gone, "colour": "red"}  # every field is named: an undocumented one fails
    assert schema_errors(build_report([undocumented], as_of=dt.date(2025, 6, 30)))
