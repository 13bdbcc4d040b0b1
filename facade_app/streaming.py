"""Serving :class:`~bridges.core.streaming.RowStream` results as NDJSON or CSV.

Rows are encoded as they are pulled from the bridge, so memory stays flat whatever the
row count; the stream is closed (cursor and connection released) however it ends.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from bridges.core.streaming import RowStream

__all__ = ["stream_response"]

_BATCH = 500  # rows per chunk written to the socket


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


def _ndjson(stream: RowStream, fields: list[str]) -> Iterator[str]:
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default, separators=(",", ":")).encode
    buffer: list[str] = []
    for row in stream:
        record = row if isinstance(row, Mapping) else dict(zip(fields, row, strict=True))
        buffer.append(dumps(record))
        if len(buffer) >= _BATCH:
            yield "\n".join(buffer) + "\n"
            buffer.clear()
    if buffer:
        yield "\n".join(buffer) + "\n"


def _csv(stream: RowStream, fields: list[str]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for count, row in enumerate(stream, 1):
        writer.writerow(["" if v is None else _json_default(v) if not isinstance(v, str | int | float) else v
                         for v in _as_tuple(row, fields)])
        if count % _BATCH == 0:
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
