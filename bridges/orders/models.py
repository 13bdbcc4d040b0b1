"""The typed faces of ORDERS: what callers send and what they get back, normalised.

Legacy shapes never leak out: dates are ISO (sentinels → null), amounts Decimal,
statuses named enums, CHAR fields trimmed, customers named by their canonical id.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from bridges.core.codecs import StatusMap
from bridges.core.localtime import LocalTime
from rdbms.raw import RawRows, RawSql  # re-exported: run_sql now lives in rdbms

__all__ = [
    "ExportOrders",
    "GetOrder",
    "LineStatus",
    "ListOrders",
    "Order",
    "OrderLine",
    "OrderPage",
    "OrderStatus",
    "OrderSummary",
    "ProductStatus",
    "RawRows",
    "RawSql",
]

ORDER_STATUS = StatusMap.load("orders", "order_status")
LINE_STATUS = StatusMap.load("orders", "line_status")
PRODUCT_STATUS = StatusMap.load("orders", "product_status")
OrderStatus = ORDER_STATUS.enum("OrderStatus")
LineStatus = LINE_STATUS.enum("LineStatus")
ProductStatus = PRODUCT_STATUS.enum("ProductStatus")

_STRICT = {"extra": "forbid", "str_max_length": 200}

_CYYMMDD_YEARS = r"^(19|2[0-8])[0-9]{2}-"
"""The years an ORDERS date can hold (CYYMMDD: century digit 0 or 1)."""

OrderNo = Annotated[str, Field(
    pattern=r"^[0-9]{1,10}$", min_length=1, max_length=10,
    description="Order number, up to 10 digits (zero-padded to 10 by the bridge).", examples=["0000100001"],
)]
CustomerId = Annotated[str, Field(
    pattern=r"^C-[0-9]{5}$", max_length=7,
    description="Canonical customer id (the crosswalk's `canonical_id`).", examples=["C-00001"],
)]


class GetOrder(BaseModel):
    """Which order to read."""

    model_config = _STRICT
    order_no: OrderNo


class _OrderFilters(BaseModel):
    model_config = {**_STRICT, "populate_by_name": True}

    customer: CustomerId
    status: OrderStatus | None = Field(None, description="Only orders in this status.")  # type: ignore[valid-type]
    from_: dt.date | None = Field(None, alias="from", json_schema_extra={"pattern": _CYYMMDD_YEARS},
                                  description="Orders placed on or after this date (1900 to 2899).")
    to: dt.date | None = Field(None, json_schema_extra={"pattern": _CYYMMDD_YEARS},
                               description="Orders placed on or before this date (1900 to 2899); before `from`, "
                                           "nothing matches.")

    @model_validator(mode="after")
    def _range(self) -> Any:
        for value in (self.from_, self.to):
            if value is not None and not 1900 <= value.year <= 2899:
                raise ValueError("dates must lie between 1900 and 2899 (the CYYMMDD range)")
        return self


class ListOrders(_OrderFilters):
    """One page of a customer's orders, newest first."""

    limit: int = Field(50, ge=1, le=500, description="Orders per page.")
    page: int = Field(1, ge=1, le=1000, description="Page number (ignored when `cursor` is given).")
    cursor: str | None = Field(None, max_length=512, description="`next_cursor` of the previous page.")


class ExportOrders(_OrderFilters):
    """Every order of a customer, streamed."""


class OrderLine(BaseModel):
    """One line of an order."""

    line: int = Field(description="Line number within the order.")
    product_no: str = Field(description="Product number.")
    description: str = Field(description="Product description.")
    unit: str = Field(description="Unit of measure (EA, BOX, M, …).")
    quantity_ordered: int = Field(description="Quantity ordered.")
    quantity_shipped: int = Field(description="Quantity shipped so far.")
    unit_price: Decimal = Field(description="Price per unit.")
    discount_percent: Decimal = Field(description="Line discount in percent.")
    amount: Decimal = Field(description="Line amount after discount.")
    status: LineStatus = Field(description="The line's status.")  # type: ignore[valid-type]


class OrderSummary(BaseModel):
    """An order header, normalised."""

    order_no: str = Field(description="Order number (10 digits).")
    customer: str | None = Field(description="Canonical customer id; null when the crosswalk does not know it.")
    customer_key: str = Field(description="The ORDERS system's own customer key.")
    order_date: dt.date | None = Field(description="The date the order was placed; null when none was given.")
    order_time: LocalTime | None = Field(description="Local time the order was placed (no zone).")
    requested_date: dt.date | None = Field(description="Null when none was given or open-ended.")
    ship_date: dt.date | None = Field(description="The date the order shipped; null until it has.")
    invoice_date: dt.date | None = Field(description="The date it was invoiced; null until it is.")
    status: OrderStatus = Field(description="The order's status.")  # type: ignore[valid-type]
    currency: str = Field(description="ISO currency code of the amounts.")
    total: Decimal = Field(description="Order total in `currency`.")
    line_count: int = Field(description="Number of order lines.")
    customer_reference: str | None = Field(description="The customer's own reference for the order, if any.")
    warehouse: str = Field(description="The warehouse shipping the order.")


class Order(OrderSummary):
    """An order with its lines."""

    lines: list[OrderLine] = Field(description="The order's lines, in line-number order.")


class OrderPage(BaseModel):
    """A page of orders and how to get the next."""

    customer: str = Field(description="The canonical customer id listed.")
    orders: list[OrderSummary] = Field(description="This page's orders, newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    truncated: bool = Field(False, description="A row or byte cap cut this page short.")
