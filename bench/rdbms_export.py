"""The declared-view export of ``bench/rdbms.py``: ``VBIGLIN`` as normalised rows, as the facade pulls them.

:class:`BigBridge` is a bench-only database bridge; :mod:`bench.big_wsgi` serves it
over HTTP for the end-to-end figure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bridges.core.codecs import cents_to_decimal, parse_cyymmdd, strip_char
from bridges.core.operation import BridgeContext
from rdbms.bridge import DatabaseBridge, DatabaseSettings
from rdbms.tables import DeclaredView, ViewColumn

__all__ = ["BIG", "BigBridge", "open_big"]

BIG = DeclaredView(
    name="big_lines",
    relation="VBIGLIN",
    key="row",
    columns=(
        ViewColumn("BLROWN", "row", int),
        ViewColumn("BLORNO", "order_no", str, strip_char),
        ViewColumn("BLCUSN", "customer_key", str, strip_char),
        ViewColumn("BLORDT", "order_date", dt.date, parse_cyymmdd),
        ViewColumn("BLSTAT", "status", str, strip_char),
        ViewColumn("BLQTY", "quantity", int),
        ViewColumn("BLAMT", "amount", Decimal, cents_to_decimal),
        ViewColumn("BLDSCP", "discount_percent", Decimal, scale=2),
        ViewColumn("BLDESC", "description", str, strip_char),
    ),
)


class BigBridge(DatabaseBridge):
    """A bench-only bridge exposing the big table."""

    name = "bench_big"
    title = "Bench: the big table"
    description = "VBIGLIN, for export benchmarks."
    views = (BIG,)
    list_big_lines, export_big_lines = BIG.operations()


def open_big(connection: str) -> BigBridge:
    """The bench bridge on the SQLite database ``connection`` names."""
    return BigBridge(DatabaseSettings(connection=connection, dialect="sqlite", key_check_s=120),
                     BridgeContext("bench_big"))
