"""ORDERS rows → normalised records (the legacy codecs applied column by column)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridges.core.codecs import cents_to_decimal, parse_cyymmdd, parse_hhmmss, strip_char
from bridges.orders.models import LINE_STATUS, ORDER_STATUS

__all__ = ["HEADER_COLUMNS", "LINE_COLUMNS", "header", "line"]

HEADER_COLUMNS = ("OHORNO", "OHCUSN", "OHORDT", "OHORTM", "OHRQDT", "OHSHDT", "OHIVDT", "OHSTAT", "OHCURR",
                  "OHTOTL", "OHLNCT", "OHCREF", "OHWHSE")
LINE_COLUMNS = ("OLLINE", "OLPRNO", "PRDESC", "PRUOM", "OLQTOR", "OLQTSH", "OLUPRC", "OLDSCP", "OLAMT", "OLSTAT")


def _number(value: Any) -> Any:
    """sqliteodbc hands NUMERIC back as float; whole numbers become int again."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _percent(value: Any) -> Any:
    """NUMERIC(5,2) percent as Decimal (sqliteodbc's float made exact again)."""
    return Decimal(str(value)).quantize(Decimal("0.01")) if isinstance(value, float) else value


def header(row: tuple[Any, ...], crosswalk: Any) -> dict[str, Any]:
    """One VORDHDR row (in ``HEADER_COLUMNS`` order), normalised."""
    (orno, cusn, ordt, ortm, rqdt, shdt, ivdt, stat, curr, totl, lnct, cref, whse) = row
    key = strip_char(cusn) or ""
    return {
        "order_no": strip_char(orno),
        "customer": crosswalk.canonical("orders", key) if crosswalk is not None else None,
        "customer_key": key,
        "order_date": parse_cyymmdd(_number(ordt)),
        "order_time": parse_hhmmss(_number(ortm)),
        "requested_date": parse_cyymmdd(_number(rqdt)),
        "ship_date": parse_cyymmdd(_number(shdt)),
        "invoice_date": parse_cyymmdd(_number(ivdt)),
        "status": ORDER_STATUS.decode(stat),
        "currency": strip_char(curr),
        "total": cents_to_decimal(_number(totl)),
        "line_count": int(lnct),
        "customer_reference": strip_char(cref, empty_as_none=True),
        "warehouse": strip_char(whse),
    }


def line(row: tuple[Any, ...]) -> dict[str, Any]:
    """One VORDLIN row (in ``LINE_COLUMNS`` order), normalised."""
    (lineno, prno, desc, uom, qtor, qtsh, uprc, dscp, amt, stat) = row
    return {
        "line": int(lineno),
        "product_no": strip_char(prno),
        "description": strip_char(desc),
        "unit": strip_char(uom),
        "quantity_ordered": int(qtor),
        "quantity_shipped": int(qtsh),
        "unit_price": cents_to_decimal(_number(uprc)),
        "discount_percent": _percent(dscp),
        "amount": cents_to_decimal(_number(amt)),
        "status": LINE_STATUS.decode(stat),
    }
