"""Reading the audit trail for the operator console: the newest events, filtered, and each
key's last use — from the audit store when there is one (every worker's events, in the order
they were chained), else from the JSON-lines file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facade_app.audit_chain import AuditChain

__all__ = ["AuditFilter", "AuditSource", "events_of_request", "last_uses", "newest_events"]

_BLOCK = 65_536
SCAN_LINES = 5000
"""How many of the newest audit lines the console searches (the file itself keeps everything)."""
SCAN_ROWS = 50_000
"""How many of the store's newest rows the console searches for a filter or a request id."""

AuditSource = AuditChain | Path | None
"""Where the console reads audit events: the store, the file, or nowhere."""


@dataclass(frozen=True)
class AuditFilter:
    """What the console's audit page filters on; empty fields match everything."""

    bridge: str = ""
    operation: str = ""
    caller: str = ""
    outcome: str = ""
    since: str = ""  # ISO 8601, compared as text (the file's times are UTC ISO 8601)
    until: str = ""

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether ``event`` passes every filter given."""
        bridge, _, operation = str(event.get("event", "")).partition(".")
        ts = str(event.get("ts", ""))
        return ((not self.bridge or bridge == self.bridge)
                and (not self.operation or operation == self.operation or operation.startswith(self.operation + "."))
                and (not self.caller or event.get("caller") == self.caller)
                and (not self.outcome or event.get("outcome") == self.outcome)
                and (not self.since or ts >= self.since)
                and (not self.until or ts <= self.until))


def _lines_backwards(path: Path, limit: int) -> Iterator[str]:
    """The last ``limit`` lines of ``path``, newest first, reading from the end in blocks."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        position, rest, count = fh.tell(), b"", 0
        while position > 0 and count < limit:
            step = min(_BLOCK, position)
            position -= step
            fh.seek(position)
            parts = (fh.read(step) + rest).split(b"\n")
            rest = parts.pop(0)
            for line in reversed(parts):
                if line.strip() and count < limit:
                    count += 1
                    yield line.decode("utf-8", "replace")
        if rest.strip() and count < limit:
            yield rest.decode("utf-8", "replace")


def _from_store(chain: AuditChain, flt: AuditFilter, limit: int) -> list[dict[str, Any]]:
    """The store narrows by bridge and operation, and time; the rest is checked on each event."""
    events = None
    if flt.bridge:
        name = f"{flt.bridge}.{flt.operation}" if flt.operation else flt.bridge
        events = (name, name + ".")
    found: list[dict[str, Any]] = []
    rows = chain.newest(SCAN_ROWS, events=events, since=flt.since, until=flt.until, window=SCAN_ROWS)
    for event in rows:
        if flt.matches(event):
            found.append(event)
            if len(found) >= limit:
                break
    return found


def newest_events(source: AuditSource, flt: AuditFilter, limit: int = 200) -> list[dict[str, Any]]:
    """Up to ``limit`` events matching ``flt``, newest first, among the newest :data:`SCAN_LINES`
    of the file or :data:`SCAN_ROWS` of the store."""
    if isinstance(source, AuditChain):
        return _from_store(source, flt, limit)
    path = source
    if path is None or not path.exists():
        return []
    found = []
    for line in _lines_backwards(path, SCAN_LINES):
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash mid-write
        if isinstance(event, dict) and flt.matches(event):
            found.append(event)
            if len(found) >= limit:
                break
    return found


def events_of_request(source: AuditSource, request_id: str) -> list[dict[str, Any]]:
    """The events of one request (newest first), among the newest lines or rows searched."""
    if isinstance(source, AuditChain):
        found = source.newest(100, request_id=request_id, window=SCAN_ROWS)
    else:
        found = [e for e in newest_events(source, AuditFilter(), limit=SCAN_LINES) if e.get("request_id") == request_id]
    return [e for e in found if e.get("request_id") == request_id]


def _recent(source: AuditSource) -> Iterator[Any]:
    if isinstance(source, AuditChain):
        yield from source.newest(SCAN_LINES)
        return
    if source is None or not source.exists():
        return
    for line in _lines_backwards(source, SCAN_LINES):
        try:
            yield json.loads(line)
        except ValueError:
            continue


def last_uses(source: AuditSource) -> dict[str, str]:
    """Each key name's newest audit time, among the newest :data:`SCAN_LINES` lines or rows."""
    seen: dict[str, str] = {}
    for event in _recent(source):
        caller = event.get("caller") if isinstance(event, dict) else None
        if isinstance(caller, str) and caller not in seen:
            seen[caller] = str(event.get("ts", ""))
    return seen
