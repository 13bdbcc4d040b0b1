"""The declared-view export of ``bench/rdbms.py``: ``VBIGLIN`` as normalised rows, as the facade pulls them."""

from __future__ import annotations

from decimal import Decimal

from bridges.core.codecs import cents_to_decimal, parse_cyymmdd, strip_char
from bridges.core.operation import Bridge, BridgeContext
from rdbms import KeysetCursors, RdbmsSettings, open_connection
from rdbms.tables import DeclaredView, ViewColumn

BIG = DeclaredView(
    name="big_lines",
    relation="VBIGLIN",
    key="row",
    columns=(
        ViewColumn("BLROWN", "row", int),
        ViewColumn("BLORNO", "order_no", str, strip_char),
        ViewColumn("BLCUSN", "customer_key", str, strip_char),
        ViewColumn("BLORDT", "order_date", object, lambda v: parse_cyymmdd(int(v))),
        ViewColumn("BLSTAT", "status", str, strip_char),
        ViewColumn("BLQTY", "quantity", int),
        ViewColumn("BLAMT", "amount", Decimal, cents_to_decimal),
        ViewColumn("BLDSCP", "discount_percent", Decimal, lambda v: Decimal(str(v))),
        ViewColumn("BLDESC", "description", str, strip_char),
    ),
)


class BigBridge(Bridge):
    """A bench-only bridge exposing the big table."""

    name = "bench_big"
    list_big_lines, export_big_lines = BIG.operations()

    def __init__(self, connection: str) -> None:
        super().__init__(RdbmsSettings(connection=connection, dialect="sqlite"), BridgeContext("bench_big"))
        self.db = open_connection(self.settings, system="bench")
        self.keyset = KeysetCursors("bench")

    def relation(self, view: str) -> str:
        return view

