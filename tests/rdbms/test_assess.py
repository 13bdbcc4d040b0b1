"""Assessing a database over ODBC on SQLite, PostgreSQL and MariaDB, through read-only accounts.

Counts are exact where cheap and estimated where not, every sampled profile finds the
legacy shapes ORDERS has (CHAR padding, CYYMMDD with sentinels, HHMMSS, cents), a table
with planted problems has each found with its exact count and nothing on its clean column,
no query outlives its deadline, and nothing is written (the data's checksum is the same after).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import pytest

from bridges.core.errors import Refused
from fixtures.orders import connect_mariadb, connect_postgres
from rdbms.assess import DatabaseAssessment, assess_database
from rdbms.settings import RdbmsSettings
from tests.rdbms.databases import PRIVATE, READER, need_driver

pytestmark = pytest.mark.live

AS_OF = dt.date(2025, 6, 30)


def _assess(target: Any, **kwargs: Any) -> DatabaseAssessment:
    options = {k: v for k, v in target.options.items() if k != "db_schema"}
    return assess_database(
        RdbmsSettings(**options), password=target.secrets.get("password"), schema=target.schema, as_of=AS_OF, **kwargs
    )


def _relation(found: DatabaseAssessment, name: str) -> Any:
    return next(r for r in found.relations if r.name.upper() == name)


def _findings(relation: Any) -> dict[tuple[str, str], int]:
    return {(f.column.upper(), f.kind): f.count for f in relation.all_findings()}


def test_orders_counts_keys_and_legacy_shapes(target):
    before = target.checksum()
    found = _assess(target, tables="VORDHDR,VCUSMST,VPRDMST", sample_rows=500)
    header = _relation(found, "VORDHDR")
    assert (header.count.rows, header.count.exact) == (20_000, True)
    assert [k.upper() for k in header.key] == ["OHORNO"] and header.sampled == 500
    findings = _findings(header)
    assert findings[("OHORDT", "legacy_date")] == 500
    assert findings[("OHORTM", "legacy_time")] == 500
    assert findings[("OHTOTL", "cents")] == 500
    assert ("OHRQDT", "date_sentinel") in findings
    if target.dialect != "mariadb":  # MariaDB strips CHAR padding on read
        assert findings[("OHCUSN", "char_padding")] == 500
    customers = _relation(found, "VCUSMST")
    personal = {c.name.upper(): c.personal for c in customers.columns if c.personal}
    assert personal == {
        "CMNAME": "name",
        "CMADR1": "address",
        "CMCITY": "address",
        "CMPSTC": "address",
        "CMPHON": "phone",
    }
    [ref] = found.references  # no foreign key declared: inferred from the names, checked on the sample
    names = [n.upper() for n in (ref.child, ref.column, ref.parent, ref.key)]
    assert (names, ref.checked, ref.orphans) == (["VORDHDR", "OHCUSN", "VCUSMST", "CMCUSN"], 500, 0)
    products = _relation(found, "VPRDMST")
    assert _findings(products).get(("PRWGHT", "legacy_date")) is None  # a scaled weight is no date
    assert found.queries and json.dumps(found.as_dict(), default=str)
    assert target.checksum() == before


def test_past_the_count_limit_the_count_is_bounded_or_the_catalogs_estimate(target):
    if target.dialect == "postgresql":  # give the catalog an estimate for the table (the reader cannot read it)
        with connect_postgres() as conn:
            conn.execute(f"ANALYZE {target.schema}.ordhdr")
    found = _assess(target, tables="ORDHDR,VORDHDR", count_limit=1000, sample_rows=50)
    view = _relation(found, "VORDHDR")
    assert (view.count.rows, view.count.exact, view.count.how) == (1001, False, "more than 1000 (bounded count)")
    if target.dialect == "postgresql":
        table = _relation(found, "ORDHDR")
        assert table.count.how == "catalog estimate" and 15_000 < table.count.rows < 25_000
        assert "not readable" in table.problem  # granted the views only: counted from the catalog, not read


def test_planted_problems_are_found_with_their_exact_counts(tmp_path):
    need_driver("SQLite3")
    path = tmp_path / "planted.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE PLANTED (PCUSNO CHAR(8), PNAME VARCHAR(40), PQTY VARCHAR(7), PDATE INTEGER,"
            " PMAXQ INTEGER, PNOTE VARCHAR(20))"
        )
        rows = []
        for i in range(40):
            custno = f"K{(i if i not in (7, 9) else i - 1):05d}"  # two values appear twice: 4 rows
            name = "MÃ¼ller GmbH" if i % 10 == 3 else f"Trader {i}"  # 4 mis-encoded names
            qty = "" if i % 8 == 0 else str(i * 3 + 1)  # 5 blanks, 35 numbers stored as text
            date = 0 if i in (5, 6) else 20240101 + (i % 12) * 100  # YYYYMMDD, 2 zeros
            maxq = 9_999_999 if i % 13 == 0 else i + 10  # 4 all-nines sentinels
            rows.append((custno, name, qty, date, maxq, f"note {i % 5}"))
        conn.executemany("INSERT INTO PLANTED VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("CREATE TABLE CUSTS (CSCUSN CHAR(6) PRIMARY KEY, CSNOTE VARCHAR(10))")
        conn.executemany("INSERT INTO CUSTS VALUES (?, 'x')", [(f"C{i:05d}",) for i in range(10)])
        conn.execute("CREATE TABLE ORDS (ODORNO INTEGER PRIMARY KEY, ODCUSN CHAR(6))")
        orders = [(n, f"C{n % 10:05d}") for n in range(30)] + [(30, "C00077"), (31, "C00077"), (32, "C00099")]
        conn.executemany("INSERT INTO ORDS VALUES (?, ?)", orders)  # 3 orders of customers that do not exist
    settings = RdbmsSettings(connection=f"Driver=SQLite3;Database={path}", dialect="sqlite")
    found = assess_database(settings, as_of=AS_OF)
    planted = _relation(found, "PLANTED")
    assert (planted.count.rows, planted.count.exact, planted.sampled) == (40, True, 40)
    assert len(planted.key) == 2 and "not declared by the database" in planted.key_proof  # no single column is one
    assert _findings(planted) == {
        ("PCUSNO", "duplicate_key"): 4,
        ("PNAME", "mojibake"): 4,
        ("PNAME", "personal_data"): 40,
        ("PQTY", "blank"): 5,
        ("PQTY", "number_as_text"): 35,
        ("PDATE", "legacy_date"): 38,
        ("PDATE", "date_sentinel"): 2,
        ("PMAXQ", "number_sentinel"): 4,
    }
    assert not next(c for c in planted.columns if c.name == "PNOTE").findings
    assert _findings(_relation(found, "ORDS")) == {("ODCUSN", "orphan"): 3}
    assert _relation(found, "ORDS").findings[0].examples == ["C00077", "C00099"]
    assert not _findings(_relation(found, "CUSTS"))


def test_every_query_is_bounded_by_the_timeout(sqlite_target):
    found = _assess(sqlite_target, tables="V*", timeout_s=0.000_001)
    assert found.relations and all(not r.columns for r in found.relations)
    assert all("not counted" in r.count.how and r.problem for r in found.relations)


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_an_account_that_can_write_is_refused_before_anything_is_read(request, dialect):
    target = request.getfixturevalue(f"{dialect}_target")
    options = {k: v for k, v in target.admin_options.items() if k != "db_schema"}
    with pytest.raises(Refused, match="can write"):
        assess_database(RdbmsSettings(**options), password=target.admin_secrets.get("password"), schema=target.schema)


def test_freshness_sees_the_newest_rows_and_flags_a_stale_relation(sqlite_target):
    found = _assess(sqlite_target, tables="VORDHDR", sample_rows=100)
    [orders] = found.relations
    ordered = next(c for c in orders.columns if c.name == "OHORDT")
    assert ordered.date_range == ("1996-01-02", "2025-06-30")  # the first 100 rows hold 1996 only
    assert orders.dates_from == "the first 100 rows and the last 100 by OHORNO"
    assert sum(ordered.freshness.values()) == 200 and ordered.freshness["<=1y"] == 100
    assert not [f for f in orders.findings if f.kind == "stale_history"]
    options = {k: v for k, v in sqlite_target.options.items() if k != "db_schema"}
    later = assess_database(RdbmsSettings(**options), tables="VORDHDR", sample_rows=100, as_of=dt.date(2030, 1, 1))
    [stale] = [f for f in later.relations[0].findings if f.kind == "stale_history"]
    assert stale.examples == ["2025-07-30"]  # the newest date of any column (a requested delivery)


def test_declared_foreign_keys_come_before_names(tmp_path):
    need_driver("SQLite3")
    path = tmp_path / "declared.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE CUSTS (CSCUSN CHAR(6) PRIMARY KEY, CSNOTE VARCHAR(10))")
        conn.executemany("INSERT INTO CUSTS VALUES (?, 'x')", [(f"C{i:05d}",) for i in range(10)])
        conn.execute("CREATE TABLE ACCTS (ACCUSN CHAR(6) PRIMARY KEY, ACNOTE VARCHAR(10))")
        conn.executemany("INSERT INTO ACCTS VALUES (?, 'y')", [(f"C{i:05d}",) for i in range(5)])
        # BYWHO is named after nothing; BYCUSN's name would point at ACCTS (first by name), its key says CUSTS.
        conn.execute(
            "CREATE TABLE BUYS (BYORNO INTEGER PRIMARY KEY, BYWHO CHAR(6) REFERENCES CUSTS (CSCUSN),"
            " BYCUSN CHAR(6) REFERENCES CUSTS (CSCUSN))"
        )
        rows = [(n, f"C{n % 10:05d}", f"C{n % 10:05d}") for n in range(20)] + [(20, "C00077", "C00001")]
        conn.executemany("INSERT INTO BUYS VALUES (?, ?, ?)", rows)  # foreign keys are not enforced: 1 orphan
    settings = RdbmsSettings(connection=f"Driver=SQLite3;Database={path}", dialect="sqlite")
    found = assess_database(settings, as_of=AS_OF)
    references = {(r.child, r.column): (r.parent, r.key, r.how, r.checked, r.orphans) for r in found.references}
    assert references == {
        ("BUYS", "BYWHO"): ("CUSTS", "CSCUSN", "declared", 21, 1),
        ("BUYS", "BYCUSN"): ("CUSTS", "CSCUSN", "declared", 21, 0),
    }
    assert _findings(_relation(found, "BUYS")) == {("BYWHO", "orphan"): 1}


_DECLARED = [
    "CREATE TABLE CUSTS (CSCUSN CHAR(6) PRIMARY KEY, CSNOTE VARCHAR(10))",
    "CREATE TABLE ACCTS (ACCUSN CHAR(6) PRIMARY KEY, ACNOTE VARCHAR(10))",
    "CREATE TABLE BUYS (BYORNO INTEGER PRIMARY KEY, BYWHO CHAR(6), BYCUSN CHAR(6))",
    *(f"INSERT INTO CUSTS VALUES ('C{i:05d}', 'x')" for i in range(10)),
    *(f"INSERT INTO ACCTS VALUES ('C{i:05d}', 'y')" for i in range(5)),
    *(f"INSERT INTO BUYS VALUES ({n}, 'C{n % 10:05d}', 'C{n % 10:05d}')" for n in range(20)),
    "INSERT INTO BUYS VALUES (20, 'C00077', 'C00001')",
]
_KEYS = {  # declared after the rows: a key the server has not checked (as legacy ones often were)
    "postgresql": "ALTER TABLE BUYS ADD FOREIGN KEY ({column}) REFERENCES CUSTS (CSCUSN) NOT VALID",
    "mariadb": "ALTER TABLE BUYS ADD FOREIGN KEY ({column}) REFERENCES CUSTS (CSCUSN)",
}


def _admin(dialect: str, schema: str | None) -> Any:
    """An administrator's cursor on the private copy (closed with its connection)."""
    conn = connect_postgres() if dialect == "postgresql" else connect_mariadb(PRIVATE)
    if dialect == "postgresql":
        conn.autocommit = True  # each statement seen by the reader's connection at once
    cur = conn.cursor()
    if dialect == "postgresql":
        cur.execute(f"SET search_path TO {schema}")
    else:
        cur.execute("SET SESSION foreign_key_checks = 0")  # the orphan predates the key
    return conn, cur


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_declared_foreign_keys_are_read_from_a_server_catalog(request, dialect):
    server = request.getfixturevalue(f"{dialect}_target")
    conn, cur = _admin(dialect, server.schema)
    try:
        for sql in [*_DECLARED, *(_KEYS[dialect].format(column=c) for c in ("BYWHO", "BYCUSN"))]:
            cur.execute(sql)
        for table in ("CUSTS", "ACCTS", "BUYS"):
            if dialect == "postgresql":
                cur.execute(f"GRANT SELECT ON {table} TO {READER}")
            else:
                cur.execute(f"GRANT SELECT ON {PRIVATE}.{table} TO %s@'%%'", (READER,))
        found = _assess(server, tables="BUYS,CUSTS,ACCTS,buys,custs,accts")
    finally:  # the shared copy goes back to ORDERS alone for the tests after this one
        for table in ("BUYS", "ACCTS", "CUSTS"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        conn.close()
    references = {
        (r.child.upper(), r.column.upper()): (r.parent.upper(), r.key.upper(), r.how, r.orphans)
        for r in found.references
    }
    assert references == {
        ("BUYS", "BYWHO"): ("CUSTS", "CSCUSN", "declared", 1),
        ("BUYS", "BYCUSN"): ("CUSTS", "CSCUSN", "declared", 0),
    }


_QUOTED = {  # a name with a blank, a reserved word for a column, UTF-8 read as Latin-1 in two names
    "sqlite": ('"Cust Data"', '"order"'),
    "postgresql": ('"Cust Data"', '"order"'),
    "mariadb": ("`Cust Data`", "`order`"),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb"])
def test_a_relation_whose_names_need_quoting_is_counted_and_profiled(request, tmp_path, dialect):
    table, column = _QUOTED[dialect]
    sql = [
        f"CREATE TABLE {table} (ID INTEGER PRIMARY KEY, {column} VARCHAR(10), CDDESC VARCHAR(20))",
        *(
            f"INSERT INTO {table} VALUES ({i}, 'o{i}', '{name}')"
            for i, name in enumerate(["BÃ¼gel", "Ã©crou"] + ["Nails"] * 5)
        ),
    ]
    if dialect == "sqlite":
        need_driver("SQLite3")
        with sqlite3.connect(tmp_path / "quoted.sqlite") as conn:
            for statement in sql:
                conn.execute(statement)
        settings = RdbmsSettings(connection=f"Driver=SQLite3;Database={tmp_path / 'quoted.sqlite'}", dialect="sqlite")
        found = assess_database(settings, as_of=AS_OF)
    else:
        server = request.getfixturevalue(f"{dialect}_target")
        conn, cur = _admin(dialect, server.schema)
        try:
            for statement in sql:
                cur.execute(statement)
            cur.execute(
                f"GRANT SELECT ON {table} TO {READER}"
                if dialect == "postgresql"
                else f"GRANT SELECT ON {PRIVATE}.{table} TO %s@'%%'",
                () if dialect == "postgresql" else (READER,),
            )
            found = _assess(server, tables="Cust Data")
        finally:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            conn.close()
    relation = _relation(found, "CUST DATA")
    counted = (relation.count.rows, relation.count.exact, relation.sampled, [k.upper() for k in relation.key])
    assert counted == (7, True, 7, ["ID"])
    assert _findings(relation) == {("CDDESC", "mojibake"): 2}
    assert "bridges discover cannot declare it" in relation.problem  # left out of what discover is told to declare
