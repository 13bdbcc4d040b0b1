"""Serving :class:`~bridges.core.streaming.RowStream` results as NDJSON or CSV.

Rows are encoded as they are pulled from the bridge, so memory stays flat whatever the
row count; the stream is closed (cursor and connection released) however it ends.

A batch whose values are all of the common types (text, numbers, Decimal, dates, enums)
goes through a C encoder — pydantic-core's ``to_json`` for NDJSON, ``csv.writer.writerows``
for CSV — with the same output as the per-value path the other batches take: Decimal as
exact text, dates ISO, enums by value, bytes base64, and NaN/±Infinity as the strings
``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (never bare ``Infinity``, which is not JSON).
"""

from __future__ import annotations

import base64
import csv
import enum
import functools
import io
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import pydantic_core
from flask import Response, stream_with_context

from bridges.core.streaming import RowStream

__all__ = ["stream_response"]

_BATCH = 500  # rows per chunk written to the socket


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
# Value types the C encoders write exactly as the per-value path would.
_FAST_JSON = frozenset({str, int, float, bool, type(None), Decimal, date, datetime, time})
_FAST_CSV = frozenset({str, int, bool, type(None), Decimal, date, time})
_to_json = functools.partial(pydantic_core.to_json, inf_nan_mode="strings")


def _finite(value: Any) -> Any:
    return value if not isinstance(value, float) or math.isfinite(value) else _NON_FINITE[repr(value)]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact, as the JSON responses of single records
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "value"):  # enums
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def _as_tuple(row: Mapping[str, Any] | Sequence[Any], fields: list[str]) -> Sequence[Any]:
    return [row.get(f) for f in fields] if isinstance(row, Mapping) else row


def _kinds(values: Any, fast: frozenset[type]) -> bool:
    """Whether every value is of a type in ``fast`` (or an enum, for JSON)."""
    other = set(map(type, values)) - fast
    return not other or (fast is _FAST_JSON and all(issubclass(k, enum.Enum) for k in other))


def _batches(stream: RowStream, fields: list[str]) -> Iterator[list[Any]]:
    """The stream's batches; tuple rows labelled otherwise than ``fields`` become mappings."""
    if stream.fields is None or list(stream.fields) == fields:
        return stream.batches(_BATCH)
    labels = repeat(stream.fields)
    return (list(map(dict, map(zip, labels, batch))) for batch in stream.batches(_BATCH))


def _ndjson(stream: RowStream, fields: list[str]) -> Iterator[bytes]:
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default, separators=(",", ":")).encode
    labels = repeat(fields)
    for batch in _batches(stream, fields):
        if stream.fields is not None and batch and not isinstance(batch[0], Mapping):
            records = list(map(dict, map(zip, labels, batch)))  # tuples in field order, by construction
        else:
            records = [row if isinstance(row, Mapping) else dict(zip(fields, row, strict=True)) for row in batch]
        if _kinds(chain.from_iterable(map(Mapping.values, records)), _FAST_JSON):
            yield b"\n".join(map(_to_json, records)) + b"\n"
        else:
            yield ("\n".join(dumps({k: _finite(v) for k, v in r.items()}) for r in records) + "\n").encode()


def _csv(stream: RowStream, fields: list[str]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    pick = itemgetter(*fields) if len(fields) > 1 else (lambda row: (row[fields[0]],))
    for batch in _batches(stream, fields):
        try:
            tuples = [pick(row) if isinstance(row, Mapping) else row for row in batch]
        except KeyError:  # a row lacking a field: the per-value path writes it empty
            tuples = [_as_tuple(row, fields) for row in batch]
        if _kinds(chain.from_iterable(tuples), _FAST_CSV):
            writer.writerows(tuples)
        else:
            writer.writerows(["" if v is None else _finite(v) if isinstance(v, str | int | float) else _json_default(v)
                              for v in row] for row in tuples)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def stream_response(stream: RowStream, fields: list[str], accept: str, filename: str) -> Response:
    """NDJSON (default) or CSV (``Accept: text/csv``) of ``stream``."""
    as_csv = "text/csv" in accept
    body = _csv(stream, fields) if as_csv else _ndjson(stream, fields)
    response = Response(stream_with_context(body), mimetype="text/csv" if as_csv else "application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{"csv" if as_csv else "ndjson"}"'
    response.call_on_close(stream.close)
    return response
