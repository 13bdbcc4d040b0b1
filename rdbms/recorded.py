"""Recording and replaying rdbms ports, on the project's one cassette envelope.

An interaction is keyed by the gate-normalised SQL and the parameters; it holds the
column description and the typed rows (Decimal, dates and bytes survive, see
:mod:`rdbms.values`) or the core error the query ended in. Replay is strict and in
order, so the same query asked twice replays its two recordings in turn. Recording
refuses anything the gate refuses — only SELECTs reach a cassette — and the
configured credentials are stored as placeholders, never in clear.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from bridges.core.cassette import Cassette, CassetteSettings
from bridges.core.errors import BridgeError
from rdbms.gate import SqlGate
from rdbms.types import Column, Dialect, QueryResult, ReadOnlyConnection, RowCursor
from rdbms.values import decode_value, encode_value

__all__ = ["TRANSPORT", "RecordingConnection", "ReplayingConnection", "open_cassette"]

TRANSPORT = "odbc"


def open_cassette(settings: CassetteSettings, system: str, secrets: dict[str, str] | None = None) -> Cassette:
    """The cassette of ``system`` (transport ``odbc``), with ``secrets`` as placeholders."""
    return Cassette.open(settings, transport=TRANSPORT, system=system, secrets=secrets)


def _request(op: str, sql: str, params: Sequence[Any], **caps: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"op": op, "sql": sql, "params": [encode_value(p) for p in params]}
    request.update({k: v for k, v in caps.items() if v is not None})
    return request


def _encode_result(columns: Sequence[Column], rows: Sequence[Sequence[Any]], truncated: bool) -> dict[str, Any]:
    return {
        "columns": [[c.name, c.type] for c in columns],
        "rows": [[encode_value(v) for v in row] for row in rows],
        "truncated": truncated,
    }


def _decode_result(data: dict[str, Any]) -> QueryResult:
    return QueryResult(
        columns=tuple(Column(name, kind) for name, kind in data["columns"]),
        rows=[tuple(decode_value(v) for v in row) for row in data["rows"]],
        truncated=bool(data.get("truncated", False)),
    )


class _CassettePort:
    def __init__(self, cassette: Cassette, dialect: Dialect | str, gate: SqlGate | None) -> None:
        self.cassette = cassette
        self.dialect = Dialect(dialect)
        self.gate = gate or SqlGate(self.dialect)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Write the cassette (recording) — replay writes nothing."""
        with self._lock:
            self.cassette.save()


class RecordingConnection(_CassettePort):
    """Wraps a live port; every query and its answer (or error) goes on the cassette."""

    def __init__(self, live: ReadOnlyConnection, cassette: Cassette, gate: SqlGate | None = None) -> None:
        super().__init__(cassette, live.dialect, gate)
        self.live = live

    def query(self, sql: str, params: Sequence[Any] = (), *, max_rows: int | None = None,
              max_bytes: int | None = None) -> QueryResult:
        """The live answer, recorded."""
        normalised = self.gate.check(sql)
        request = _request("query", normalised, params, max_rows=max_rows, max_bytes=max_bytes)
        try:
            result = self.live.query(normalised, params, max_rows=max_rows, max_bytes=max_bytes)
        except BridgeError as exc:
            with self._lock:
                self.cassette.record_error(request, exc)
            raise
        with self._lock:
            self.cassette.record(request, _encode_result(result.columns, result.rows, result.truncated))
        return result

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch_size: int = 1000,
               deadline_s: float | None = None) -> RowCursor:
        """The live stream, recorded whole when it ends (keep recorded exports small)."""
        normalised = self.gate.check(sql)
        request = _request("stream", normalised, params)
        try:
            live = self.live.stream(normalised, params, batch_size=batch_size, deadline_s=deadline_s)
        except BridgeError as exc:
            with self._lock:
                self.cassette.record_error(request, exc)
            raise
        seen: list[tuple[Any, ...]] = []

        def batches() -> Any:
            for batch in live.batches:
                seen.extend(batch)
                yield batch
            with self._lock:
                self.cassette.record(request, _encode_result(live.columns, seen, False))

        return RowCursor(live.columns, batches(), live.close)

    def ping(self) -> dict[str, Any]:
        """The live ping (not recorded)."""
        return {**self.live.ping(), "mode": "record"}

    def status(self) -> dict[str, Any]:
        """The live state, marked as recording."""
        return {**self.live.status(), "mode": "record", "cassette": self.cassette.path.name}

    def close(self) -> None:
        """Close the live port and write the cassette."""
        try:
            self.live.close()
        finally:
            super().close()


class ReplayingConnection(_CassettePort):
    """Answers from a cassette alone: no database, no driver, no pyodbc import."""

    def query(self, sql: str, params: Sequence[Any] = (), *, max_rows: int | None = None,
              max_bytes: int | None = None) -> QueryResult:
        """The recorded answer to this exact query (strict, in order)."""
        request = _request("query", self.gate.check(sql), params, max_rows=max_rows, max_bytes=max_bytes)
        with self._lock:
            return _decode_result(self.cassette.play(request))

    def stream(self, sql: str, params: Sequence[Any] = (), *, batch_size: int = 1000,
               deadline_s: float | None = None) -> RowCursor:
        """The recorded export, handed out in batches."""
        request = _request("stream", self.gate.check(sql), params)
        with self._lock:
            result = _decode_result(self.cassette.play(request))
        rows = result.rows
        return RowCursor(result.columns, iter([rows[i:i + batch_size] for i in range(0, len(rows), batch_size)]))

    def ping(self) -> dict[str, Any]:
        """Nothing to reach: the cassette is the database."""
        return self.status()

    def status(self) -> dict[str, Any]:
        """Replay state."""
        return {"mode": "replay", "cassette": self.cassette.path.name, "remaining": self.cassette.remaining}
