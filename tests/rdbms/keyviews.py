"""A database bridge over the key test tables of ORDERS (shared helper, not a test module)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bridges.core.codecs import strip_char
from bridges.core.operation import BridgeContext
from rdbms.bridge import DatabaseBridge, DatabaseSettings
from rdbms.tables import DeclaredView, ViewColumn

AGREEMENTS = DeclaredView(
    name="agreements", relation="VCUSPRD", key=("customer_key", "product_no"), chunk_rows=100,
    columns=(
        ViewColumn("CPCUSN", "customer_key", str, strip_char),
        ViewColumn("CPPRNO", "product_no", str, strip_char),
        ViewColumn("CPPRIC", "price_cents", int),
        ViewColumn("CPDSCP", "discount_percent", Decimal, scale=2),
    ),
    max_limit=1000,
)
EVENTS = DeclaredView(
    name="events", relation="VEVTLOG", key=("at", "source"), chunk_rows=50,
    columns=(
        ViewColumn("EVTS", "at", dt.datetime),
        ViewColumn("EVSRC", "source", str, strip_char),
        ViewColumn("EVMSG", "message", str, strip_char),
    ),
    max_limit=1000,
)
MEASURES = DeclaredView(
    name="measures", relation="VMEASUR", key="id",
    columns=(ViewColumn("MSID", "id", int), ViewColumn("MSVAL", "value", float),
             ViewColumn("MSNOTE", "note", str, strip_char)),
)
SHIPMENTS = DeclaredView(
    name="shipments", relation="VSHIPLG", key="order_no",
    columns=(ViewColumn("SLORNO", "order_no", str, strip_char), ViewColumn("SLSHDT", "ship_date", int),
             ViewColumn("SLCARR", "carrier", str, strip_char), ViewColumn("SLPKGS", "packages", int)),
)


class KeyBridge(DatabaseBridge):
    """The key test views, paged and exported."""

    name = "keytest"
    views = (AGREEMENTS, EVENTS, MEASURES)
    list_agreements, export_agreements = AGREEMENTS.operations()
    list_events, export_events = EVENTS.operations()
    list_measures, export_measures = MEASURES.operations()


class ShipmentBridge(DatabaseBridge):
    """A bridge declaring a key that is not unique (refused at start)."""

    name = "shipments"
    views = (SHIPMENTS,)
    list_shipments, export_shipments = SHIPMENTS.operations()


def open_bridge(cls: type[DatabaseBridge], target: Any, **options: Any) -> DatabaseBridge:
    """``cls`` on ``target``'s reader account."""
    settings = DatabaseSettings(**{**target.options, **options})
    return cls(settings, BridgeContext(cls.name, secrets=dict(target.secrets)))
