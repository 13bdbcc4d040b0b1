"""Discovery without a driver: sampling and key proofs are bounded and under deadlines, and the
generated module is ruff-clean source whose operations pass the conformance rules.

The port here is SQLite through the standard library (no ODBC), answering exactly what
the live port would; the live discovery over ODBC is in ``test_discover.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridges.core.conformance import assert_conformant
from bridges.core.deadline import current_deadline
from rdbms.discover import discover_with
from rdbms.discover_source import bridge_source
from rdbms.reflect import ReflectedColumn, Relation
from rdbms.types import Column, Dialect, QueryResult

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


class SqlitePort:
    """The read-only port's ``query`` over the standard library's sqlite3, remembering each call."""

    dialect = Dialect.SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.calls: list[tuple[str, int | None, float]] = []

    def query(
        self, sql: str, params: Any = (), *, max_rows: int | None = None, max_bytes: int | None = None
    ) -> QueryResult:
        self.calls.append((sql, max_rows, current_deadline(3600).remaining()))
        cursor = self.conn.execute(sql, tuple(params))
        rows = cursor.fetchmany(max_rows) if max_rows else cursor.fetchall()
        return QueryResult(tuple(Column(d[0], "str") for d in cursor.description), [tuple(r) for r in rows])


def _c(
    name: str,
    type_name: str,
    kind: str,
    length: int | None = None,
    precision: int | None = None,
    scale: int | None = None,
) -> ReflectedColumn:
    return ReflectedColumn(name, type_name, kind, length, precision, scale, nullable=False)


ITEMS = Relation(
    "ITMAST",
    False,
    (
        _c("ITNO", "CHAR(8)", "char", 8),
        _c("ITDESC", "CHAR(30)", "char", 30),
        _c("ITPRC", "INTEGER", "integer"),
        _c("ITADDT", "NUMERIC(7, 0)", "decimal", precision=7, scale=0),
        _c("ITSTAT", "CHAR(1)", "char", 1),
        _c("ITPIC", "BLOB", "binary"),
    ),
    primary_key=("ITNO",),
)
STOCK = Relation(
    "VSTOCK",
    True,
    (_c("SKWHSE", "CHAR(3)", "char", 3), _c("SKITNO", "CHAR(8)", "char", 8), _c("SKQTY", "INTEGER", "integer")),
)
LOG = Relation("EVLOG", False, (_c("LGTEXT", "CHAR(20)", "char", 20), _c("LGCODE", "CHAR(2)", "char", 2)))


@pytest.fixture
def port() -> SqlitePort:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE ITMAST (ITNO CHAR(8), ITDESC CHAR(30), ITPRC INTEGER, ITADDT NUMERIC(7,0),"
        " ITSTAT CHAR(1), ITPIC BLOB)"
    )
    conn.executemany(
        "INSERT INTO ITMAST VALUES (?, ?, ?, ?, ?, x'00')",
        [(f"IT{i:04d}  ", f"Item {i}".ljust(30), 100 * i + 99, 1250101 + i, "AD"[i % 2]) for i in range(1, 41)],
    )
    conn.execute("CREATE TABLE VSTOCK (SKWHSE CHAR(3), SKITNO CHAR(8), SKQTY INTEGER)")
    conn.executemany(
        "INSERT INTO VSTOCK VALUES (?, ?, ?)", [(w, f"IT{i:04d}  ", i) for w in ("W01", "W02") for i in range(1, 21)]
    )
    conn.execute("CREATE TABLE EVLOG (LGTEXT CHAR(20), LGCODE CHAR(2))")
    conn.executemany("INSERT INTO EVLOG VALUES (?, ?)", [("same", "X1")] * 5)
    return SqlitePort(conn)


def test_samples_are_bounded_and_every_query_runs_under_a_deadline(port):
    found = discover_with(port, [ITEMS, STOCK, LOG], dialect=Dialect.SQLITE, sample_rows=25, timeout_s=4)
    # Every query is a SELECT that stops by itself (a LIMIT, and a row cap on the port) ...
    assert all(re.match(r"SELECT\b.* LIMIT (1|25)$", sql) and rows in (1, 25) for sql, rows, _ in port.calls)
    assert sum(sql.endswith("LIMIT 25") for sql, _, _ in port.calls) == 3  # one sample a relation
    # ... and runs under the discovery's deadline.
    assert all(0 < left <= 4 for _, _, left in port.calls), "a query ran without the discovery's deadline"
    views = {v.relation.name: v for v in found.views}
    assert views["ITMAST"].key == ("ITNO",) and "primary key" in views["ITMAST"].key_proof
    # The view has no catalog key: the pair unique in the sample is proven on the whole relation.
    assert views["VSTOCK"].key == ("SKWHSE", "SKITNO") and "not declared by the database" in views["VSTOCK"].key_proof
    assert views["EVLOG"].key == () and views["EVLOG"].key_problem


def _module(source: str, tmp_path: Path, name: str = "gen_bridge") -> Any:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_source_is_ruff_clean_and_conformant(port, tmp_path):
    found = discover_with(port, [ITEMS, STOCK, LOG], dialect=Dialect.SQLITE, sample_rows=25)
    source = bridge_source(found, "acme", source="Driver=SQLite3;Database=acme.db")
    path = tmp_path / "bridge.py"
    path.write_text(source, encoding="utf-8")
    config = str(ROOT / "pyproject.toml")
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        out = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--config", config, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr
    # What the engineer must check is said where it applies.
    assert "# suggested: integer cents" in source and "# suggested: CYYMMDD date" in source
    assert "ITPIC left out: binary column" in source
    assert re.search(r"# - EVLOG: no usable key", source)
    assert "Caveat: nothing in the database keeps this key unique" in source

    bridge = _module(source, tmp_path).Bridge
    assert bridge.name == "acme" and bridge.Settings.model_config["extra"] == "forbid"
    assert {"list_itmast", "export_itmast", "list_vstock", "export_vstock"} <= set(bridge.operations)
    assert_conformant(bridge)  # summaries, descriptions, valid examples, every field described
    items = next(v for v in bridge.views if v.relation == "ITMAST")
    row = items.to_row(("IT0001  ", "Item 1".ljust(30), 199, 1250102, "D"))
    assert row == {
        "itno": "IT0001",
        "itdesc": "Item 1",
        "itprc": Decimal("1.99"),
        "itaddt": dt.date(2025, 1, 2),
        "itstat": "D",
    }
    assert items.column("itno").bind("IT0001") == "IT0001  "  # CHAR keys bound padded (SQLite compares exactly)


def test_a_module_for_stdout_without_any_view(port):
    found = discover_with(port, [LOG], dialect=Dialect.SQLITE)
    source = bridge_source(found, "empty")
    compile(source, "bridge.py", "exec")
    assert "views = ()" in source


def test_names_that_need_quoting_are_left_out_and_odd_ones_become_fields(port):
    port.conn.execute('CREATE TABLE "2024 ORDERS" (X INTEGER)')
    port.conn.execute("CREATE TABLE ODD (_1ST INTEGER PRIMARY KEY, CLASS CHAR(2), CURSOR INTEGER, SCHEMA INTEGER)")
    port.conn.executemany("INSERT INTO ODD VALUES (?, 'A', 1, 2)", [(i,) for i in range(5)])
    quoted = Relation("2024 ORDERS", False, (_c("X", "INTEGER", "integer"),))
    odd = Relation(
        "ODD",
        False,
        (
            _c("_1ST", "INTEGER", "integer"),
            _c("CLASS", "CHAR(2)", "char", 2),
            _c("CURSOR", "INTEGER", "integer"),
            _c("SCHEMA", "INTEGER", "integer"),
        ),
    )
    reserved = Relation("SHIPS", False, (_c("ORDER", "INTEGER", "integer"),))  # a reserved word as a name
    found = discover_with(port, [quoted, odd, reserved], dialect=Dialect.SQLITE)
    assert [name for name, _ in found.skipped] == ["2024 ORDERS", "SHIPS"]
    assert all("quoting" in why for _, why in found.skipped)
    # Digits first, Python keywords, the page's own fields and BaseModel's attributes all get a usable field.
    assert [c.field for c in found.views[0].columns] == ["c1st", "class_", "cursor_", "schema_"]
    # PostgreSQL folds unquoted names to lower case: a mixed-case name would not be found.
    upper = Relation("Orders", False, (_c("id", "INTEGER", "integer"),))
    assert discover_with(port, [upper], dialect=Dialect.POSTGRESQL).skipped[0][0] == "Orders"
