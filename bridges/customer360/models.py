"""The customer-360's input and output: each system's part typed by that system's own models."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from bridges.core.composite import CompositeResult, Part
from bridges.custmast.models import Customer
from bridges.helpdesk.models import TicketSummary
from bridges.orders.models import OrderSummary

__all__ = ["Customer360", "CustomerPart", "GetCustomer360", "OrdersOverview", "OrdersPart", "TicketsOverview",
           "TicketsPart"]


class GetCustomer360(BaseModel):
    """Which customer: its canonical id, or any system's own id the crosswalk knows."""

    model_config = {"extra": "forbid"}

    customer: str = Field(pattern=r"^[A-Za-z0-9/-]{1,20}$",
                          description="Canonical id (C-00001), or CUSTMAST's, ORDERS' or HELPDESK's own id.",
                          examples=["C-00001", "84603489"])


class OrdersOverview(BaseModel):
    """A customer's most recent orders and what they add up to."""

    recent: list[OrderSummary] = Field(description="The newest orders, newest first.")
    more: bool = Field(description="True when the customer has older orders than these.")
    last_order_date: dt.date | None = Field(description="When the newest order was placed; null with no orders.")
    open_count: int = Field(description="How many of these orders are neither shipped, invoiced nor cancelled.")


class TicketsOverview(BaseModel):
    """A customer's open helpdesk tickets."""

    open_total: int = Field(description="How many open tickets the customer has.")
    tickets: list[TicketSummary] = Field(description="The newest open tickets (up to 25), newest first.")


class CustomerPart(Part):
    """The CUSTMAST record."""

    data: Customer | None = Field(None, description="CUSTMAST's customer record (null when unavailable).")


class OrdersPart(Part):
    """The ORDERS summary and recent orders."""

    data: OrdersOverview | None = Field(None, description="Recent orders (null when unavailable).")


class TicketsPart(Part):
    """The HELPDESK open tickets."""

    data: TicketsOverview | None = Field(None, description="Open tickets (null when unavailable).")


class Customer360(CompositeResult):
    """One customer as the three systems know it; a system that fails or is slow is marked unavailable."""

    customer_id: str = Field(description="The canonical customer id.")
    identifiers: dict[str, str] = Field(description="Each system's own id for the customer (from the crosswalk).")
    customer: CustomerPart = Field(description="CUSTMAST's record of the customer, or why it is missing.")
    orders: OrdersPart = Field(description="ORDERS' newest orders and their summary, or why they are missing.")
    tickets: TicketsPart = Field(description="HELPDESK's open tickets, or why they are missing.")
