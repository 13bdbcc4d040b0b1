"""The ORDERS bridge on SQLite, PostgreSQL and MariaDB: the same normalised answers everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bridges.core.errors import InvalidInput, NotFound, Refused
from tests.bridges.orders import helpers

pytestmark = pytest.mark.live


def test_get_order_is_normalised_identically_on_each_database(orders) -> None:
    order = orders.call("orders", "get_order", {"order_no": "100001"})
    assert order.order_no == "0000100001"
    assert order.customer == "C-00066" and order.customer_key == "D5432539"
    assert order.order_date == dt.date(1996, 1, 2) and order.order_time == dt.time(8, 34, 27)
    assert order.requested_date is None  # the 0 / 9999999 sentinels
    assert (order.ship_date, order.invoice_date) == (dt.date(1996, 1, 11), dt.date(1996, 1, 16))
    assert order.status == "invoiced" and order.currency == "EUR" and order.warehouse == "LYO"
    assert order.total == Decimal("209.75") and order.customer_reference == "Réf. 14255"
    assert [line.line for line in order.lines] == [1, 2, 3] and order.line_count == 3
    first = order.lines[0]
    assert (first.product_no, first.unit, first.amount, first.discount_percent) == (
        "EL-10224", "EA", Decimal("150.60"), Decimal("0.00"))
    assert sum(line.amount for line in order.lines if line.status != "cancelled") == order.total


def test_an_unknown_order_or_customer_is_404(orders) -> None:
    with pytest.raises(NotFound):
        orders.call("orders", "get_order", {"order_no": "0009999999"})
    with pytest.raises(NotFound):
        orders.call("orders", "list_orders", {"customer": "C-99999"})


def test_cursor_pages_walk_every_order_once_newest_first_and_match_the_export(orders) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        page = orders.call("orders", "list_orders", {"customer": "C-00001", "limit": 7,
                                                     **({"cursor": cursor} if cursor else {})})
        seen += page.orders
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    keys = [(o.order_date, o.order_no) for o in seen]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys) and pages > 1
    assert all(o.customer == "C-00001" for o in seen)
    exported = list(orders.call("orders", "export_orders", {"customer": "C-00001"}))
    assert [row["order_no"] for row in exported] == [o.order_no for o in reversed(seen)]
    second = orders.call("orders", "list_orders", {"customer": "C-00001", "limit": 7, "page": 2})
    assert [o.order_no for o in second.orders] == [o.order_no for o in seen[7:14]]


def test_filters_by_status_and_date_range(orders) -> None:
    page = orders.call("orders", "list_orders", {"customer": "C-00001", "status": "invoiced",
                                                 "from": "2000-01-01", "to": "2020-12-31", "limit": 500})
    assert page.orders and all(o.status == "invoiced" for o in page.orders)
    assert all(dt.date(2000, 1, 1) <= o.order_date <= dt.date(2020, 12, 31) for o in page.orders)
    empty = orders.call("orders", "list_orders", {"customer": "C-00001", "from": "2020-01-01", "to": "2000-01-01"})
    assert empty.orders == [], "a range ending before it starts matches nothing (the schema cannot state the order)"
    with pytest.raises(InvalidInput):
        orders.call("orders", "list_orders", {"customer": "C-00001", "from": "1899-12-31"})


def test_a_cursor_for_other_filters_or_forged_refers_to_no_page(orders) -> None:
    page = orders.call("orders", "list_orders", {"customer": "C-00001", "limit": 2})
    with pytest.raises(NotFound, match="other filters"):
        orders.call("orders", "list_orders", {"customer": "C-00002", "limit": 2, "cursor": page.next_cursor})
    with pytest.raises(NotFound, match="not one this service issued"):
        orders.call("orders", "list_orders", {"customer": "C-00001", "cursor": "x' OR 1=1 --"})


def test_generated_product_operations_page_and_export(orders) -> None:
    first = orders.call("orders", "list_products", {"status": "discontinued", "limit": 5})
    assert len(first.rows) == 5 and all(r.status == "discontinued" for r in first.rows)
    rest = orders.call("orders", "list_products", {"status": "discontinued", "limit": 500,
                                                   "cursor": first.next_cursor})
    exported = [r["product_no"] for r in orders.call("orders", "export_products", {"status": "discontinued"})]
    assert [r.product_no for r in first.rows + rest.rows] == exported
    assert isinstance(first.rows[0].list_price, Decimal)


def test_raw_sql_is_off_by_default(orders) -> None:
    assert "run_sql" not in orders.bridges["orders"].operations


def test_raw_sql_when_on_passes_the_same_gate(target) -> None:
    runtime = helpers.runtime_for(helpers.bridge_entry(target, raw_sql=True))
    try:
        rows = runtime.call("orders", "run_sql", {
            "sql": f"SELECT OHSTAT, COUNT(*) AS N FROM {target.relation('VORDHDR')} GROUP BY OHSTAT ORDER BY OHSTAT"})
        assert sum(r[1] for r in rows.rows) == 20_000
        for sql in ("DELETE FROM ORDHDR", f"SELECT * FROM {target.relation('VORDHDR')}; DROP TABLE ORDHDR"):
            with pytest.raises(Refused):
                runtime.call("orders", "run_sql", {"sql": sql})
    finally:
        runtime.close()


@pytest.mark.parametrize("bad", [
    {"order_no": "9" * 1_000_000},
    {"order_no": "0000100001' OR '1'='1"},
    {"order_no": 100001},
    {"order_no": None},
    {"order_no": ["0000100001"]},
    {"order_no": "ñ"},
], ids=["1MB", "sql", "int", "null", "list", "non-ascii"])
def test_bad_input_in_process_is_invalid_input_without_echo(orders, bad: dict) -> None:
    with pytest.raises(InvalidInput) as caught:
        orders.call("orders", "get_order", bad)
    problem = caught.value.to_problem()
    assert problem["status"] == 422 and problem["errors"][0]["field"] == "order_no"
    assert len(str(problem)) < 2000


@pytest.mark.timeout(120)
def test_concurrent_calls_share_a_small_pool(target) -> None:
    from concurrent.futures import ThreadPoolExecutor

    entry = helpers.bridge_entry(target, pool_size=2, pool_timeout_s=10)
    entry["guard"] = {"deadline_s": 20, "max_concurrency": 16, "queue_timeout_s": 10}
    runtime = helpers.runtime_for(entry)
    numbers = [f"{100001 + i * 37:010d}" for i in range(64)]
    try:
        with ThreadPoolExecutor(16) as pool:
            orders = list(pool.map(lambda n: runtime.call("orders", "get_order", {"order_no": n}), numbers))
        assert [o.order_no for o in orders] == numbers
        status = runtime.bridges["orders"].bridge.status()
        assert status["pool_checked_out"] == 0 and status["discarded_connections"] == 0
    finally:
        runtime.close()


def test_a_view_that_lost_a_declared_column_stops_the_start(tmp_path) -> None:
    import sqlite3

    from bridges.core.errors import ConfigError
    from fixtures.orders import build_sqlite

    db = build_sqlite(tmp_path / "drifted.sqlite")
    conn = sqlite3.connect(db)
    conn.executescript("DROP VIEW VPRDMST; CREATE VIEW VPRDMST AS SELECT PRPRNO, PRDESC, PRUOM, PRLPRC, PRSTAT "
                       "FROM PRDMST;")
    conn.close()
    with pytest.raises(ConfigError, match="VPRDMST"):
        helpers.runtime_for({"options": {"connection": f"Driver=SQLite3;Database={db}", "dialect": "sqlite"}})
