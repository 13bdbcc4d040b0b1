"""``run_sql`` on every database: only the declared views (and configured schemas), never a catalog,
and the same plain JSON values everywhere."""

from __future__ import annotations

import json

import pytest

from bridges.core.errors import Refused
from rdbms.raw import RawSql, RelationAllowList, json_value
from tests.rdbms.keyviews import KeyBridge, open_bridge

pytestmark = pytest.mark.live

CATALOG = [
    "SELECT * FROM pg_catalog.pg_authid", "SELECT * FROM pg_authid", "SELECT passwd FROM pg_shadow",
    "SELECT * FROM pg_catalog.pg_shadow", "SELECT * FROM information_schema.tables", "SELECT * FROM mysql.user",
    "SELECT * FROM sqlite_master", "SELECT * FROM sqlite_schema", "SELECT * FROM main.sqlite_master",
    "SELECT 1 FROM VCUSPRD WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles)",
    "WITH x AS (SELECT * FROM mysql.user) SELECT * FROM x",
    "SELECT 1 UNION SELECT 1 FROM sqlite_master",
]


@pytest.fixture
def raw(target):
    bridge = open_bridge(KeyBridge, target, raw_sql=True)
    yield bridge
    bridge.close()


def _run(bridge, sql: str, limit: int = 100):
    return bridge.run_sql(RawSql(sql=sql, limit=limit))


@pytest.mark.parametrize("sql", CATALOG)
def test_catalog_relations_are_refused(raw, sql) -> None:
    with pytest.raises(Refused, match=r"catalog|declared views"):
        _run(raw, sql)


def test_relations_outside_the_allow_list_are_refused(raw, target) -> None:
    for relation in ("VORDHDR", target.relation("VCUSMST"), "CUSPRD", target.relation("CUSPRD"), "other.VCUSPRD"):
        with pytest.raises(Refused, match="declared views"):
            _run(raw, f"SELECT * FROM {relation}")
    rows = _run(raw, f"SELECT COUNT(*) AS n FROM {target.relation('VCUSPRD')}")
    assert rows.rows[0][0] > 1000
    cte = _run(raw, f"WITH a AS (SELECT CPPRIC FROM {target.relation('VCUSPRD')}) SELECT MAX(CPPRIC) FROM a")
    assert cte.rows[0][0] > 0


def test_configured_schemas_widen_the_list_but_never_to_a_catalog() -> None:
    allow = RelationAllowList("postgresql", ["orders.VPRDMST"], ["staging"])
    allow.check("SELECT * FROM staging.anything JOIN orders.vprdmst ON 1 = 1")
    with pytest.raises(Refused):
        allow.check("SELECT * FROM public.t")
    with pytest.raises(Refused):
        allow.check("SELECT * FROM VPRDMST")  # unqualified: the search path decides what it is
    with pytest.raises(ValueError, match="catalog"):
        RelationAllowList("mariadb", [], ["mysql"])


def test_values_are_plain_json_and_identical_on_every_database(sqlite_target, postgresql_target,
                                                                mariadb_target) -> None:
    answers = []
    for target in (sqlite_target, postgresql_target, mariadb_target):
        bridge = open_bridge(KeyBridge, target, raw_sql=True)
        try:
            agreements = _run(bridge, "SELECT RTRIM(CPCUSN) AS cust, CPPRIC AS price, CPDSCP AS discount, "
                                      "CPPRIC * 2.5 AS expr FROM " + target.relation("VCUSPRD")
                                      + " ORDER BY CPCUSN, CPPRNO", limit=40)
            events = _run(bridge, f"SELECT EVTS, RTRIM(EVSRC) FROM {target.relation('VEVTLOG')} "
                                  "ORDER BY EVTS, EVSRC", limit=10)
            measures = _run(bridge, f"SELECT MSID, MSVAL FROM {target.relation('VMEASUR')} WHERE MSID IN (1, 6)")
        finally:
            bridge.close()
        answer = json.loads(json.dumps([agreements.rows, events.rows, measures.rows], allow_nan=False))
        answers.append(answer)
    assert answers[0] == answers[1] == answers[2]
    discounts = {row[2] for row in answers[0][0]}
    assert all(isinstance(d, int | str) for d in discounts) and "7.5" in discounts
    assert answers[0][1][0][0] == "2024-02-28T23:59:58"


def test_the_json_policy() -> None:
    from decimal import Decimal

    assert [json_value(v) for v in (Decimal("7.50"), 7.5, Decimal("960102"), 960102.0, float("inf"),
                                    float("-inf"), float("nan"), Decimal("NaN"), 3, True, None)] == [
        "7.5", "7.5", 960102, 960102, "Infinity", "-Infinity", "NaN", "NaN", 3, True, None]
