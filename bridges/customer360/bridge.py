"""The customer-360: a composite operation over CUSTMAST, ORDERS and HELPDESK.

The input id is resolved through the crosswalk to the canonical id; the three systems are asked in
parallel, each through its own bridge (its own guard, deadline and audit line), and whatever has
not answered by ``deadline_s`` is marked unavailable — the answer is never later than that.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from bridges.core.composite import CompositeBridge, PartCall, PartError
from bridges.core.errors import NotFound
from bridges.core.operation import Example, operation
from bridges.customer360.models import (
    Customer360,
    CustomerPart,
    GetCustomer360,
    OrdersOverview,
    OrdersPart,
    TicketsOverview,
    TicketsPart,
)

__all__ = ["Customer360Bridge", "Customer360Settings"]

_CANONICAL = re.compile(r"^C-\d{5}$")
_NOT_OPEN = {"shipped", "invoiced", "cancelled"}


class Customer360Settings(BaseModel):
    """Which bridge instances hold each system, and the deadline of the whole answer."""

    model_config = {"extra": "forbid"}

    custmast: str = Field("custmast", description="The CUSTMAST bridge instance.")
    orders: str = Field("orders", description="The ORDERS bridge instance.")
    helpdesk: str = Field("helpdesk", description="The HELPDESK bridge instance.")
    deadline_s: float = Field(3.0, gt=0, le=60, description="The answer comes by then, with late parts unavailable.")
    recent_orders: int = Field(5, ge=1, le=50, description="How many of the newest orders to show.")


class Customer360Bridge(CompositeBridge):
    """One customer across the three systems of the demo world."""

    name = "customer360"
    title = "Customer 360"
    description = ("One customer across CUSTMAST (the record), ORDERS (recent orders) and HELPDESK (open "
                   "tickets), asked in parallel under one deadline; a system that fails or is slow is marked "
                   "unavailable with its reason, and the other parts are complete.")
    Settings = Customer360Settings
    needs_crosswalk = True

    def _canonical(self, given: str) -> str:
        crosswalk = self.context.crosswalk
        if _CANONICAL.match(given):
            if any(crosswalk.local(system, given) for system in crosswalk.systems):
                return given
        else:
            for system in crosswalk.systems:
                found = crosswalk.canonical(system, given)
                if found is not None:
                    return found
        raise NotFound(f"the crosswalk knows no customer {given}")

    @operation(
        summary="One customer across CUSTMAST, ORDERS and HELPDESK",
        examples=[Example({"customer": "C-00001"}, summary="By canonical id"),
                  Example({"customer": "ACC/E-10007"}, summary="By the helpdesk's account number")],
    )
    def get_customer_360(self, query: GetCustomer360) -> Customer360:
        """The customer's CUSTMAST record, its most recent ORDERS orders with a summary, and its open HELPDESK
        tickets, asked in parallel. Each part is present, or marked `available: false` with the reason and the
        error type (timeout, unavailable, not-found, forbidden…) — a failing or slow system never delays the
        answer past the deadline. The input may be any system's id; the crosswalk finds the others."""
        s: Customer360Settings = self.settings  # type: ignore[assignment]
        customer = self._canonical(query.customer)
        crosswalk = self.context.crosswalk
        got = self.call_parts({
            "customer": PartCall(s.custmast, "get_customer", {"customer": customer}),
            "orders": PartCall(s.orders, "list_orders", {"customer": customer, "limit": s.recent_orders}),
            "tickets": PartCall(s.helpdesk, "search_tickets", {"customer": customer, "status": "open"}),
        }, s.deadline_s)
        parts = {
            "customer": _part(CustomerPart, f"{s.custmast}.get_customer", got["customer"], lambda r: r),
            "orders": _part(OrdersPart, f"{s.orders}.list_orders", got["orders"], _orders),
            "tickets": _part(TicketsPart, f"{s.helpdesk}.search_tickets", got["tickets"], _tickets),
        }
        return Customer360(
            customer_id=customer,
            identifiers={system: local for system in crosswalk.systems
                         if (local := crosswalk.local(system, customer)) is not None},
            complete=all(p.available for p in parts.values()), deadline_s=s.deadline_s, **parts)


def _part(model: type[Any], source: str, got: tuple[Any, float], shape: Any) -> Any:
    result, duration_ms = got
    if isinstance(result, PartError):
        return model(source=source, available=False, error=result, duration_ms=round(duration_ms, 1))
    return model(source=source, available=True, data=shape(result), duration_ms=round(duration_ms, 1))


def _orders(page: Any) -> OrdersOverview:
    return OrdersOverview(
        recent=page.orders, more=page.next_cursor is not None,
        last_order_date=page.orders[0].order_date if page.orders else None,
        open_count=sum(1 for o in page.orders if str(getattr(o.status, "value", o.status)) not in _NOT_OPEN))


def _tickets(page: Any) -> TicketsOverview:
    return TicketsOverview(open_total=page.total, tickets=page.tickets)
