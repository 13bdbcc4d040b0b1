"""Declared views with composite keys on every database: each row exactly once, in pages and exports.

The keys of the views are proven unique at start-up; a view whose key repeats is
refused, naming it. SQLite timestamps (stored as text) page without repeating a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from bridges.core.errors import ConfigError, InvalidInput
from fixtures.orders import connect_mariadb, connect_postgres
from tests.rdbms import databases
from tests.rdbms.keyviews import AGREEMENTS, EVENTS, KeyBridge, ShipmentBridge, open_bridge

pytestmark = pytest.mark.live


def _norm(value: Any) -> str:
    if isinstance(value, str):
        return value.rstrip(" ")
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return format(Decimal(repr(value) if isinstance(value, float) else value).normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _digest(rows: list[tuple[Any, ...]]) -> tuple[str, int]:
    """A digest of the multiset of rows (order-free) and the number of rows."""
    lines = sorted("\x1f".join(_norm(v) for v in row) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest(), len(lines)


def direct(target: Any, view: Any) -> list[tuple[Any, ...]]:
    """Every row of ``view``'s relation, read by an administrator connection (no rdbms code)."""
    sql = f"SELECT {', '.join(c.column for c in view.columns)} FROM "
    if target.dialect == "sqlite":
        conn = sqlite3.connect(f"file:{target.sqlite_path}?mode=ro", uri=True)
        try:
            return conn.execute(sql + view.relation).fetchall()
        finally:
            conn.close()
    if target.dialect == "postgresql":
        with connect_postgres() as conn:
            return conn.execute(sql + f"{target.schema}.{view.relation}").fetchall()
    conn = connect_mariadb()
    try:
        with conn.cursor() as cur:
            cur.execute(sql + f"{databases.PRIVATE}.{view.relation}")
            return list(cur.fetchall())
    finally:
        conn.close()


def _as_tuples(view: Any, rows: list[Any]) -> list[tuple[Any, ...]]:
    fields = [c.field for c in view.columns]
    return [tuple((r if isinstance(r, dict) else r.model_dump())[f] for f in fields) for r in rows]


def _pages(list_op: Any, view: Any, limit: int) -> tuple[list[Any], int]:
    rows, cursor, pages = [], None, 0
    while True:
        page = list_op(view.page_input(limit=limit, cursor=cursor))
        rows += page.rows
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return rows, pages
        assert pages <= 5000, "the cursor does not advance"


@pytest.fixture
def keys(target):
    bridge = open_bridge(KeyBridge, target)
    yield bridge
    bridge.close()


@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_composite_key_pages_hold_every_row_once(keys, target, limit) -> None:
    expected = _digest(direct(target, AGREEMENTS))
    rows, pages = _pages(keys.list_agreements, AGREEMENTS, limit)
    assert _digest(_as_tuples(AGREEMENTS, rows)) == expected
    assert expected[1] > 1000 and pages == -(-expected[1] // limit)
    keys_seen = [(r.customer_key, r.product_no) for r in rows]
    assert keys_seen == sorted(keys_seen) and len(set(keys_seen)) == len(keys_seen)
    assert len({r.customer_key for r in rows}) < len(rows) / 5  # the first key column alone repeats


def test_composite_key_export_holds_every_row_once(keys, target) -> None:
    # On MariaDB the export runs in keyset chunks of 100 rows: chunk edges fall inside a customer's rows.
    exported = list(keys.export_agreements(AGREEMENTS.filter_model()))
    assert _digest(_as_tuples(AGREEMENTS, exported)) == _digest(direct(target, AGREEMENTS))
    assert all(isinstance(r["discount_percent"], Decimal) and r["discount_percent"].as_tuple().exponent == -2
               for r in exported)


@pytest.mark.parametrize("limit", [1, 7])
def test_timestamp_keys_page_and_export_every_row_once(keys, target, limit) -> None:
    expected = _digest(direct(target, EVENTS))
    rows, _ = _pages(keys.list_events, EVENTS, limit)
    assert _digest(_as_tuples(EVENTS, rows)) == expected
    assert Counter(r.at for r in rows).most_common(1)[0][1] > 1  # timestamps repeat across sources
    assert _digest(_as_tuples(EVENTS, list(keys.export_events(EVENTS.filter_model())))) == expected


def test_every_key_is_proven_and_a_non_unique_key_is_refused_naming_the_view(keys, target) -> None:
    proofs = keys.check()
    assert set(proofs) == {"agreements", "events", "measures"}
    with pytest.raises(ConfigError, match=r"view shipments: key \(order_no\).*not unique"):
        open_bridge(ShipmentBridge, target)


def test_a_cursor_of_another_key_width_is_invalid_input(keys) -> None:
    cursor = keys.keyset.dump(("only-one",), keys.keyset.fingerprint(view="agreements"))
    with pytest.raises(InvalidInput):
        keys.list_agreements(AGREEMENTS.page_input(limit=5, cursor=cursor))
