"""Reading the audit trail for the operator console: the newest events of the JSON-lines
file, filtered, and each key's last use."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AuditFilter", "last_uses", "newest_events"]

_BLOCK = 65_536
SCAN_LINES = 5000
"""How many of the newest audit lines the console searches (the file itself keeps everything)."""


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


def newest_events(path: Path | None, flt: AuditFilter, limit: int = 200) -> list[dict[str, Any]]:
    """Up to ``limit`` events matching ``flt``, newest first, among the newest :data:`SCAN_LINES`."""
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


def last_uses(path: Path | None) -> dict[str, str]:
    """Each key name's newest audit time, among the newest :data:`SCAN_LINES` lines."""
    seen: dict[str, str] = {}
    if path is None or not path.exists():
        return seen
    for line in _lines_backwards(path, SCAN_LINES):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        caller = event.get("caller") if isinstance(event, dict) else None
        if isinstance(caller, str) and caller not in seen:
            seen[caller] = str(event.get("ts", ""))
    return seen
