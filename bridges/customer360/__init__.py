"""customer360 — one customer across CUSTMAST, ORDERS and HELPDESK, called in parallel under one deadline."""

from bridges.customer360.bridge import Customer360Bridge, Customer360Settings

__all__ = ["Customer360Bridge", "Customer360Settings"]
