"""ORDERS — the demo world's AS/400-style order database, read-only over ODBC."""

from bridges.orders.bridge import OrdersBridge, OrdersSettings

__all__ = ["OrdersBridge", "OrdersSettings"]
