"""The audit trail: one JSON line per operation call, written whatever the outcome, to the
``legacy_bridges.audit`` logger and the file ``facade.audit_log`` if any, and a hash-chained row
in the audit store (:mod:`facade_app.audit_chain`; on by default), committed by a background
writer (:mod:`facade_app.audit_writer`: a write's answer waits for its row, a read's does not).

Inputs are kept (they say what was asked) but trimmed, any field whose name says it is a
credential is replaced, and any whose name suggests personal data (street, phone, email …) is
kept as a keyed digest in the file, the log and the store alike (:mod:`facade_app.audit_personal`)
unless ``facade.audit_personal = "plain"``; the caller is named by its key's name, never the key.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridges.core.config import Config
from facade_app.audit_chain import AuditChain, store_url
from facade_app.audit_personal import PersonalDigest, audit_key
from facade_app.audit_writer import AuditWriter

__all__ = ["AuditLog", "audit_log"]

_SECRET_NAMES = ("password", "passwd", "secret", "token", "key", "credential", "cookie")
_MAX_VALUE = 256
_MAX_DEPTH = 8
_DURABLE = ("write", "ops")  # effects whose answer waits for the store's commit
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
    """Appends audit events to a JSON-lines file, the ``legacy_bridges.audit`` logger and the
    audit store's writer; ``digest`` (None: plain) replaces personal inputs in all three."""

    def __init__(self, path: Path | None, writer: AuditWriter | None = None,
                 digest: PersonalDigest | None = None) -> None:
        self.path = path
        self.writer = writer  # the tamper-evident copy, unless the store is off
        self.digest = digest
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, *, event: str, effect: str, caller: str | None, request_id: str, status: int,
               duration_ms: float, inputs: dict[str, Any] | None, outcome: str) -> None:
        """Write one event; a failure to write is logged, never raised to the caller."""
        entry = self._entry(event=event, effect=effect, caller=caller, request_id=request_id, status=status,
                            duration_ms=duration_ms, inputs=inputs, outcome=outcome)
        try:
            if self.digest is not None:
                entry["input"] = self.digest.apply(entry["input"])
            line = _line(entry)
        except Exception:  # a value that cannot even be escaped: keep the event, drop the input
            log.exception("cannot encode the audit event of %s; its input is left out", request_id)
            entry["input"] = {"<<unencodable>>": True}
            line = _line(entry)
        log.info(line)
        if self.path is not None:
            try:
                with self._lock, self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError:
                log.exception("cannot write the audit file")
        if self.writer is not None:
            try:
                self.writer.submit(entry, request_id, durable=effect in _DURABLE)
            except Exception:  # the call's answer stands; the operator's log says the store failed
                log.exception("cannot queue the audit event of %s for the store", request_id)

    def close(self) -> None:
        """Commit what the store's writer holds (at exit)."""
        if self.writer is not None:
            self.writer.close()

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


def audit_log(config: Config) -> AuditLog:
    """The audit trail a configuration describes: its file, its store (unless off), its digests."""
    url = store_url(config)
    writer = AuditWriter(AuditChain(url)) if url else None
    digest = PersonalDigest(audit_key(config, url)) if config.facade.audit_personal == "digest" else None
    return AuditLog(config.path(config.facade.audit_log) if config.facade.audit_log else None, writer, digest)
