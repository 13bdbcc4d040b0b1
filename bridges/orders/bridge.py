"""The ORDERS bridge: an AS/400-style order database, read-only over ODBC."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bridges.core.codecs import cents_to_decimal, format_cyymmdd, pad_char, strip_char
from bridges.core.errors import NotFound
from bridges.core.operation import Example, operation
from bridges.core.streaming import RowStream
from bridges.orders import normalise
from bridges.orders.models import (
    ORDER_STATUS,
    PRODUCT_STATUS,
    ExportOrders,
    GetOrder,
    ListOrders,
    Order,
    OrderPage,
    OrderSummary,
    ProductStatus,
    RawRows,
    RawSql,
)
from rdbms.bridge import DatabaseBridge, DatabaseSettings
from rdbms.dialects import rules_for
from rdbms.keyset import keyset_chunks
from rdbms.tables import DeclaredView, ViewColumn

__all__ = ["OrdersBridge", "OrdersSettings"]

log = logging.getLogger("legacy_bridges.orders")


class OrdersSettings(DatabaseSettings):
    """ORDERS options: those of every database bridge (:class:`rdbms.bridge.DatabaseSettings`)."""

    model_config = {"extra": "forbid"}


def _weight(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.001"))


PRODUCTS = DeclaredView(
    name="products",
    relation="VPRDMST",
    title="products",
    description="The product master: number, description, unit, list price, unit weight and status",
    key="product_no",
    filters=("status",),
    columns=(
        ViewColumn("PRPRNO", "product_no", str, strip_char, lambda v: pad_char(str(v).rstrip(), 12),
                   "Product number."),
        ViewColumn("PRDESC", "description", str, strip_char, description="What the product is."),
        ViewColumn("PRUOM", "unit", str, strip_char, description="Unit of measure (EA, BOX, M, …)."),
        ViewColumn("PRLPRC", "list_price", Decimal, cents_to_decimal, description="List price per unit."),
        ViewColumn("PRWGHT", "weight_kg", Decimal, _weight, description="Weight of one unit, kilograms."),
        ViewColumn("PRSTAT", "status", ProductStatus, PRODUCT_STATUS.decode, PRODUCT_STATUS.encode,
                   "Whether the product is sold (active) or not."),
    ),
    examples=(Example({"status": "active", "limit": 20}, summary="Active products"),),
)

_HEADER = ", ".join(normalise.HEADER_COLUMNS)
_LINES = ", ".join(normalise.LINE_COLUMNS)


class OrdersBridge(DatabaseBridge):
    """Orders, order lines and products of the ORDERS database (AS/400 style, read-only).

    Keys CHAR-padded, dates CYYMMDD with sentinels, amounts in cents, one-letter
    statuses — all normalised on the way out; customers are named by their canonical id.
    """

    name = "orders"
    title = "ORDERS order database"
    description = ("Read-only access to the AS/400-style order database: orders with their lines, a customer's "
                   "order history, exports and the product master — normalised (ISO dates, Decimal amounts, "
                   "named statuses, canonical customer ids).")
    Settings = OrdersSettings
    views = (PRODUCTS,)
    # The views the bridge reads with its own SQL (checked at start-up, readable by run_sql).
    relations = (("VORDHDR", normalise.HEADER_COLUMNS), ("VORDLIN", ("OLORNO", *normalise.LINE_COLUMNS)))

    # -- orders -----------------------------------------------------------------------

    @operation(
        summary="Get one order with its lines",
        examples=[Example({"order_no": "0000100001"}, summary="The first order of the demo world")],
    )
    def get_order(self, query: GetOrder) -> Order:
        """One order by its number: header, status, dates (ISO; no date or open-ended → null), Decimal
        amounts, the customer's canonical id, and every line with its product. Unknown number → 404."""
        order_no = query.order_no.zfill(10)
        found = self.db.query(f"SELECT {_HEADER} FROM {self.relation('VORDHDR')} WHERE OHORNO = ?", [order_no],
                              max_rows=1)
        if not found.rows:
            return None  # type: ignore[return-value]  # the runtime answers 404
        lines = self.db.query(
            f"SELECT {_LINES} FROM {self.relation('VORDLIN')} WHERE OLORNO = ? ORDER BY OLLINE", [order_no],
            max_rows=self.settings.max_rows,
        )
        order = normalise.header(found.rows[0], self.context.crosswalk)
        order["lines"] = [normalise.line(row) for row in lines.rows]
        return Order.model_validate(order)

    def _customer_key(self, customer: str) -> str:
        crosswalk = self.context.crosswalk
        local = crosswalk.local("orders", customer) if crosswalk is not None else None
        if local is None:
            raise NotFound(f"customer {customer} is not known to ORDERS")
        return pad_char(local, 10)

    def _where(self, query: ListOrders | ExportOrders) -> tuple[list[str], list[Any]]:
        where, params = ["OHCUSN = ?"], [self._customer_key(query.customer)]
        if query.status is not None:
            where.append("OHSTAT = ?")
            params.append(ORDER_STATUS.encode(query.status))
        if query.from_ is not None:
            where.append("OHORDT >= ?")
            params.append(format_cyymmdd(query.from_))
        if query.to is not None:
            where.append("OHORDT <= ?")
            params.append(format_cyymmdd(query.to))
        return where, params

    @operation(
        summary="List a customer's orders, newest first",
        examples=[
            Example({"customer": "C-00001"}, summary="All orders of a customer"),
            Example({"customer": "C-00001", "status": "shipped", "from": "2024-01-01", "limit": 10},
                    summary="Shipped since 2024"),
        ],
    )
    def list_orders(self, query: ListOrders) -> OrderPage:
        """A page of one customer's orders (by canonical id), newest first, optionally by status and
        order-date range. Pages are keyset-based: pass `next_cursor` back as `cursor`; `page` serves
        the first few pages directly."""
        where, params = self._where(query)
        filters = query.model_dump(mode="json", include={"customer", "status", "from_", "to"})
        fingerprint = self.keyset.fingerprint(**filters)
        offset = 0
        if query.cursor:
            ordt, orno = self.keyset.load(query.cursor, fingerprint)
            where.append("(OHORDT < ? OR (OHORDT = ? AND OHORNO < ?))")
            params += [ordt, ordt, pad_char(str(orno), 10)]
        else:
            offset = (query.page - 1) * query.limit
        sql = (f"SELECT {_HEADER} FROM {self.relation('VORDHDR')} WHERE {' AND '.join(where)} "
               f"ORDER BY OHORDT DESC, OHORNO DESC LIMIT {query.limit + 1}" + (f" OFFSET {offset}" if offset else ""))
        result = self.db.query(sql, params, max_rows=query.limit + 1, max_bytes=self.settings.max_bytes)
        rows = result.rows[: query.limit]
        next_cursor = None
        if len(result.rows) > query.limit and rows:
            last = rows[-1]
            next_cursor = self.keyset.dump((int(last[2]), strip_char(last[0])), fingerprint)
        return OrderPage(
            customer=query.customer,
            orders=[OrderSummary.model_validate(normalise.header(r, self.context.crosswalk)) for r in rows],
            next_cursor=next_cursor,
            truncated=result.truncated and len(result.rows) <= query.limit,
        )

    @operation(
        summary="Export a customer's orders as a stream",
        examples=[Example({"customer": "C-00001"}, summary="Every order of a customer")],
        row_model=OrderSummary,
    )
    def export_orders(self, query: ExportOrders) -> RowStream:
        """Every order of one customer (optionally by status and date range), oldest first, streamed
        as NDJSON or CSV at bounded memory."""
        where, params = self._where(query)

        def after(key: tuple[Any, ...] | None) -> tuple[str, list[Any]]:
            clauses, values = list(where), list(params)
            if key is not None:
                clauses.append("(OHORDT > ? OR (OHORDT = ? AND OHORNO > ?))")
                values += [key[0], key[0], pad_char(strip_char(key[1]) or "", 10)]
            return (f"SELECT {_HEADER} FROM {self.relation('VORDHDR')} WHERE {' AND '.join(clauses)} "
                    "ORDER BY OHORDT, OHORNO", values)

        if rules_for(self.db.dialect).streams_results:
            cursor = self.db.stream(*after(None))
        else:
            cursor = keyset_chunks(self.db, after, lambda row: (int(row[2]), row[0]))
        crosswalk = self.context.crosswalk
        return RowStream((normalise.header(r, crosswalk) for r in cursor.rows()), on_close=cursor.close)

    # -- declared views ------------------------------------------------------------------

    list_products, export_products = PRODUCTS.operations()

    # -- run_sql (off unless configured; from DatabaseBridge, with an ORDERS example) -----------------

    @operation(
        summary="Run one read-only SELECT (when switched on)",
        examples=[Example({"sql": "SELECT OHSTAT, COUNT(*) AS N FROM VORDHDR GROUP BY OHSTAT"})],
    )
    def run_sql(self, query: RawSql) -> RawRows:
        """One SELECT with `?` parameters, through the same gate as every declared query (one statement,
        SELECT/UNION only, no write node, allow-listed functions) and the same read-only transaction,
        reading only VPRDMST, VORDHDR and VORDLIN (and `raw_sql_schemas`). Values as plain JSON: whole
        numbers as integers, other numbers as exact text, NaN/Infinity as strings. Served only when the
        bridge's `raw_sql` option is on."""
        return super().run_sql(query)
