"""Typed values in plain text: how rows and parameters survive a YAML cassette.

JSON/YAML scalars (str, int, float, bool, None) stay as they are; Decimal, dates,
times and bytes become one-key tagged mappings (``{"$decimal": "12.30"}``) and come back
as the same Python type, exactly.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

__all__ = ["decode_value", "encode_value", "type_name"]

_TYPE_NAMES: dict[type, str] = {
    str: "str", int: "int", float: "float", bool: "bool", Decimal: "decimal", dt.datetime: "datetime",
    dt.date: "date", dt.time: "time", bytes: "bytes", bytearray: "bytes", uuid.UUID: "uuid",
}


def type_name(python_type: type) -> str:
    """The portable name of a column's Python type (``decimal``, ``date``…)."""
    return _TYPE_NAMES.get(python_type, python_type.__name__)


def encode_value(value: Any) -> Any:
    """A YAML-safe form of ``value`` that :func:`decode_value` turns back exactly."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


_DECODERS = {
    "$decimal": Decimal,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$bytes": lambda text: base64.b64decode(text.encode("ascii")),
    "$uuid": uuid.UUID,
    "$float": float,
}


def decode_value(value: Any) -> Any:
    """The Python value :func:`encode_value` encoded."""
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        decoder = _DECODERS.get(tag)
        if decoder is not None:
            return decoder(text)
    return value
