"""``bridges record`` / ``bridges replay``: a bridge's cassette re-recorded or replayed from the
command line, with the drift of the cassette and of the answers (on a ``bridges new`` ODBC
package against the ORDERS SQLite database)."""

from __future__ import annotations

import sqlite3

import pytest
import yaml

from bridges.core.testing import need
from facade_app.cli import main

pytestmark = pytest.mark.live


@pytest.fixture
def package(tmp_path, monkeypatch):
    import pyodbc

    from fixtures.orders.load_sqlite import build_sqlite

    need("SQLite3" in pyodbc.drivers(), "the SQLite ODBC driver (Debian package libsqliteodbc)")
    database = build_sqlite(tmp_path / "orders.sqlite")
    assert (
        main(
            [
                "new",
                "--transport",
                "odbc",
                "shop",
                "--dir",
                str(tmp_path),
                "--dsn",
                f"Driver=SQLite3;Database={database}",
            ]
        )
        == 0
    )
    monkeypatch.syspath_prepend(str(tmp_path / "shop"))  # the package, not installed
    monkeypatch.chdir(tmp_path / "shop")
    return tmp_path / "shop", database


def test_record_then_replay_without_the_database_shows_no_drift(package, capsys):
    folder, database = package
    assert main(["record", "--config", "bridges.yaml"]) == 0
    out = capsys.readouterr().out
    assert "shop: 1 example call(s)" in out and "cassette: new" in out and "answers: new" in out
    answers = yaml.safe_load((folder / "cassettes" / "shop.answers.yaml").read_text(encoding="utf-8"))
    assert answers == [
        {
            "operation": "get_product",
            "input": {"product_no": "HW-10000"},
            "output": {
                "product_no": "HW-10000",
                "description": "Hex bolt M6x8 zinc",
                "unit": "BOX",
                "list_price": "49.51",
            },
        }
    ]
    database.unlink()
    assert main(["replay", "--config", "bridges.yaml", "--bridge", "shop"]) == 0
    assert "answers: no drift" in capsys.readouterr().out


def test_re_recording_prints_what_the_legacy_system_now_says_differently(package, capsys):
    _, database = package
    assert main(["record", "--config", "bridges.yaml"]) == 0
    with sqlite3.connect(database) as db:
        db.execute("UPDATE PRDMST SET PRDESC = 'Hex bolt M6x8 brass' WHERE PRPRNO = 'HW-10000    '")
    capsys.readouterr()
    assert main(["record", "--config", "bridges.yaml"]) == 0
    out = capsys.readouterr().out
    assert "--- shop.yaml (before)" in out and "--- shop.answers.yaml (before)" in out
    assert "-    description: Hex bolt M6x8 zinc" in out and "+    description: Hex bolt M6x8 brass" in out


def test_replay_exits_1_when_the_bridge_makes_other_answers_of_the_same_recording(package, capsys):
    folder, _ = package
    assert main(["record", "--config", "bridges.yaml"]) == 0
    answers = folder / "cassettes" / "shop.answers.yaml"
    answers.write_text(answers.read_text(encoding="utf-8").replace("49.51", "49.50"), encoding="utf-8")
    capsys.readouterr()
    assert main(["replay", "--config", "bridges.yaml"]) == 1
    out = capsys.readouterr().out
    assert "-    list_price: '49.50'" in out and "+    list_price: '49.51'" in out


def test_replay_without_a_cassette_or_of_an_unknown_bridge_fails_naming_it(package, capsys):
    assert main(["replay", "--config", "bridges.yaml"]) == 1
    assert "mode 'none' replays only" in capsys.readouterr().out
    assert main(["replay", "--config", "bridges.yaml", "--bridge", "nope"]) == 2
    assert "--bridge: no bridge 'nope'" in capsys.readouterr().err
