"""What the gate runs means what was given: ``2b`` is never ``2 AS b``, and for generated valid
SELECTs the SQL the gate returns gives the same rows as the text given (run on SQLite)."""

from __future__ import annotations

import sqlite3

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.core.errors import Refused
from rdbms import Dialect, SqlGate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("dialect", [Dialect.SQLITE, Dialect.POSTGRESQL])
@pytest.mark.parametrize("sql", ["SELECT 2b FROM t", "SELECT 'a'b FROM t", "SELECT 1FROM t",
                                 "SELECT a FROM t WHERE a=1AND b=2"])
def test_touching_tokens_are_refused(dialect: Dialect, sql: str) -> None:
    with pytest.raises(Refused, match="separate the tokens"):
        SqlGate(dialect).check(sql)


def test_on_mariadb_2b_is_a_name_and_stays_one() -> None:
    # MariaDB reads 2b as an identifier (an unknown column: an error there), never as 2 AS b.
    assert SqlGate(Dialect.MARIADB).check("SELECT 2b FROM t") == "SELECT 2b FROM t"


@pytest.mark.parametrize("sql", ["SELECT @a := COALESCE(@a, 0) + 1", "SELECT @a FROM t", "SELECT :name FROM t"])
def test_variables_assignments_and_named_markers_are_refused(sql: str) -> None:
    for dialect in Dialect:
        with pytest.raises(Refused):
            SqlGate(dialect).check(sql)


# --- generated SELECTs --------------------------------------------------------------------

_ROWS = [(1, "ab", 1.5), (2, "it's", None), (None, "x%y", -2.0), (3, None, 0.0), (2, "AB", 10.25), (5, "", 3.0)]

_columns = st.sampled_from(["a", "b", "c"])
_literals = st.one_of(
    st.integers(-5, 100).map(str),
    st.sampled_from(["1.5", "0.25", "1e2"]),
    st.text(alphabet="ab'% x", max_size=4).map(lambda s: "'" + s.replace("'", "''") + "'"),
    st.just("NULL"),
)


def _exprs() -> st.SearchStrategy[str]:
    base = st.one_of(_columns, _literals)
    return st.recursive(base, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "||"]), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-({e})"),
        st.tuples(st.sampled_from(["COALESCE", "NULLIF"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(st.sampled_from(["ABS", "LOWER", "UPPER", "LENGTH", "TRIM"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"CASE WHEN {t[0]} IS NULL THEN {t[1]} ELSE {t[2]} END"),
        inner.map(lambda e: f"CAST({e} AS TEXT)"),
    ), max_leaves=6)


def _predicates_of(exprs: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    simple = st.one_of(
        st.tuples(exprs, st.sampled_from(["=", "<>", "!=", "<", ">=", ">"]), exprs).map(" ".join),
        exprs.map(lambda e: f"{e} IS NULL"), exprs.map(lambda e: f"{e} IS NOT NULL"),
        st.tuples(exprs, st.lists(st.integers(0, 5), min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} NOT IN ({', '.join(map(str, t[1]))})"),
        st.tuples(exprs, st.integers(0, 3), st.integers(2, 6)).map(lambda t: f"{t[0]} BETWEEN {t[1]} AND {t[2]}"),
        _columns.map(lambda c: f"{c} LIKE 'a%'"),
    )
    return st.recursive(simple, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda p: f"NOT ({p})"),
    ), max_leaves=3)


EXPRS = _exprs()
PREDICATES = _predicates_of(EXPRS)


@st.composite
def selects(draw: st.DrawFn) -> str:
    exprs = EXPRS
    items = []
    for n in range(draw(st.integers(1, 3))):
        expr = draw(exprs)
        alias = draw(st.sampled_from(["", f" AS x{n}", f" x{n}"]))
        items.append(expr + alias)
    sql = "SELECT " + draw(st.sampled_from(["", "DISTINCT "])) + ", ".join(items) + " FROM t"
    if draw(st.booleans()):
        sql += " WHERE " + draw(PREDICATES)
    if draw(st.booleans()):
        direction = draw(st.sampled_from(["", "ASC", "DESC"]))
        sql += f" ORDER BY a {direction}, b, c LIMIT {draw(st.integers(0, 7))}"
    spaced = draw(st.sampled_from([" ", "  ", "\n", " \t "]))
    return sql.replace(" FROM t", spaced + "FROM t")


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", _ROWS)
    yield conn
    conn.close()


def _run(db: sqlite3.Connection, sql: str) -> list | str:
    try:
        return sorted(db.execute(sql).fetchall(), key=repr)
    except sqlite3.Error as exc:
        return f"error: {type(exc).__name__}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sql=selects())
def test_what_runs_gives_the_rows_of_what_was_given(db, sql: str) -> None:
    gated = SqlGate(Dialect.SQLITE).check(sql)  # every generated SELECT is valid: the gate lets it through
    assert _run(db, gated) == _run(db, sql), (sql, gated)
    dialect = Dialect.SQLITE.sqlglot_name
    assert sqlglot.parse_one(gated, read=dialect) == sqlglot.parse_one(sql, read=dialect)
