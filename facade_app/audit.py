"""The audit trail: one JSON line per operation call, written whatever the outcome, and a
hash-chained row in ``facade.audit_store`` when one is configured (:mod:`facade_app.audit_chain`).

Inputs are kept (they say what was asked) but trimmed, and any field whose name says
it is a credential is replaced; the caller is named by its key's name, never the key.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facade_app.audit_chain import AuditChain, digested

__all__ = ["AuditLog"]

_SECRET_NAMES = ("password", "passwd", "secret", "token", "key", "credential", "cookie")
_MAX_VALUE = 256
_MAX_DEPTH = 8
log = logging.getLogger("legacy_bridges.audit")


def _safe(value: Any, name: str = "", depth: int = 0) -> Any:
    if any(s in name.lower() for s in _SECRET_NAMES):
        return "<<REDACTED>>"
    if isinstance(value, str):
        return value if len(value) <= _MAX_VALUE else value[:_MAX_VALUE] + f"…({len(value)} chars)"
    if depth >= _MAX_DEPTH and isinstance(value, dict | list | tuple):
        return f"<<nested deeper than {_MAX_DEPTH}>>"
    if isinstance(value, dict):
        return {str(k)[:64]: _safe(v, str(k), depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_safe(v, "", depth + 1) for v in value[:50]]
    return value


def _line(entry: dict[str, Any]) -> str:
    """One JSON line that always encodes as UTF-8: a lone surrogate is escaped (``\\ud800``)."""
    line = json.dumps(entry, ensure_ascii=False, default=str)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(entry, default=str)
    return line


class AuditLog:
    """Appends audit events to a JSON-lines file (and the ``legacy_bridges.audit`` logger)."""

    def __init__(self, path: Path | None, chain: AuditChain | None = None, personal: str = "digest") -> None:
        self.path = path
        self.chain = chain  # the tamper-evident copy, when a store is configured
        self.personal = personal
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, *, event: str, effect: str, caller: str | None, request_id: str, status: int,
               duration_ms: float, inputs: dict[str, Any] | None, outcome: str) -> None:
        """Write one event; a failure to write is logged, never raised to the caller."""
        try:
            line = _line(self._entry(event=event, effect=effect, caller=caller, request_id=request_id,
                                     status=status, duration_ms=duration_ms, inputs=inputs, outcome=outcome))
        except Exception:  # a value that cannot even be escaped: keep the event, drop the input
            log.exception("cannot encode the audit event of %s; its input is left out", request_id)
            line = _line(self._entry(event=event, effect=effect, caller=caller, request_id=request_id,
                                     status=status, duration_ms=duration_ms, inputs={"<<unencodable>>": True},
                                     outcome=outcome))
        log.info(line)
        if self.chain is not None:
            try:
                entry = json.loads(line)
                if self.personal == "digest":
                    entry["input"] = digested(entry["input"])
                self.chain.append(entry)
            except Exception:  # the call's answer stands; the operator's log says the store failed
                log.exception("cannot append to the audit store")
        if self.path is None:
            return
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except OSError:
            log.exception("cannot write the audit file")

    @staticmethod
    def _entry(*, event: str, effect: str, caller: str | None, request_id: str, status: int,
               duration_ms: float, inputs: dict[str, Any] | None, outcome: str) -> dict[str, Any]:
        return {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "effect": effect,
            "caller": caller,
            "request_id": request_id,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(duration_ms, 3),
            "input": _safe(inputs or {}),
            "pid": os.getpid(),
        }
