"""``bridges assess``: a database given directly or the configured bridges → JSON and Markdown reports."""

from __future__ import annotations

import json

import pytest
import yaml

from facade_app.cli import main
from fixtures.orders.load_sqlite import build_sqlite
from tests.rdbms.databases import need_driver

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory: pytest.TempPathFactory):
    need_driver("SQLite3")
    return build_sqlite(tmp_path_factory.mktemp("assess") / "orders.sqlite")


def test_assess_a_connection_string_into_json_and_markdown(orders_db, tmp_path, capsys):
    out = tmp_path / "report"
    args = [
        "assess",
        "--connect",
        f"Driver=SQLite3;Database={orders_db}",
        "--tables",
        "VORD*",
        "--sample",
        "50",
        "--as-of",
        "2025-06-30",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    report = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1 and report["as_of"] == "2025-06-30"
    assert [r["name"] for r in report["systems"][0]["database"]["relations"]] == ["VORDHDR", "VORDLIN"]
    assert "| VORDHDR | view | 20,000 | 50 | OHORNO |" in (out / "assessment.md").read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "assessing database: VORDHDR" in err and "2 relation(s)" in err


def test_assess_the_configured_bridges_to_standard_output(orders_db, tmp_path, capsys):
    config = tmp_path / "bridges.yaml"
    options = {"connection": f"Driver=SQLite3;Database={orders_db}", "dialect": "sqlite"}
    config.write_text(yaml.safe_dump({"bridges": {"orders": {"options": options}}}), encoding="utf-8")
    assert main(["assess", "--config", str(config), "--tables", "VPRDMST"]) == 0
    assert "## orders (odbc)" in capsys.readouterr().out


def test_an_unreachable_database_is_reported_and_fails_the_command(tmp_path, capsys):
    need_driver("SQLite3")
    missing = tmp_path / "missing.sqlite"
    assert main(["assess", "--connect", f"Driver=SQLite3;Database={missing}"]) == 1
    assert "Not assessed:" in capsys.readouterr().out
