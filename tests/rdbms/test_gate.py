"""The SQL gate on what it lets through: one SELECT/UNION, allow-listed functions, no comments run."""

from __future__ import annotations

import pytest

from bridges.core.errors import Refused
from rdbms import DEFAULT_FUNCTIONS, Dialect, SqlGate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("dialect", list(Dialect))
@pytest.mark.parametrize("sql", [
    "SELECT OHORNO, OHTOTL FROM VORDHDR WHERE OHCUSN = ? AND OHORDT BETWEEN ? AND ? ORDER BY OHORNO LIMIT 10",
    "SELECT OHSTAT, COUNT(*) AS N, SUM(OHTOTL) FROM VORDHDR GROUP BY OHSTAT",
    "SELECT A FROM X UNION SELECT B FROM Y",
    "SELECT COALESCE(TRIM(CMNAME), '') FROM VCUSMST WHERE UPPER(CMCITY) = ?",
    "WITH T AS (SELECT OHORNO FROM VORDHDR) SELECT * FROM T",
    "SELECT CASE WHEN OHTOTL > 0 THEN 1 ELSE 0 END FROM VORDHDR",
])
def test_plain_selects_pass(dialect: Dialect, sql: str) -> None:
    assert SqlGate(dialect).check(sql).upper().startswith(("SELECT", "WITH"))


def test_what_runs_is_regenerated_without_comments() -> None:
    out = SqlGate(Dialect.SQLITE).check("SELECT 1 /* a comment */ AS A -- trailing")
    assert "comment" not in out and "--" not in out


def test_function_allow_list_is_extensible() -> None:
    with pytest.raises(Refused, match="PG_SLEEP"):
        SqlGate(Dialect.POSTGRESQL).check("SELECT pg_sleep(1)")
    assert SqlGate(Dialect.POSTGRESQL, DEFAULT_FUNCTIONS | {"PG_SLEEP"}).check("SELECT pg_sleep(1)")


@pytest.mark.parametrize("value", [None, 5, b"SELECT 1"])
def test_non_text_is_refused(value: object) -> None:
    with pytest.raises(Refused):
        SqlGate(Dialect.SQLITE).check(value)  # type: ignore[arg-type]


def test_a_huge_statement_is_refused_quickly() -> None:
    with pytest.raises(Refused):
        SqlGate(Dialect.SQLITE).check("SELECT 1; " + "DELETE FROM T; " * 20_000)
