"""Structured application logs: one JSON object per line, with the request id, bridge and
operation of the call the line was written for.

    configure_logging("json", level=logging.INFO)   # bridges serve does this
    with log_fields(bridge="custmast", operation="get_customer"):
        log.info("…")                                # {"ts": …, "request_id": …, "bridge": "custmast", …}

The request id comes from the facade's request (``X-Request-ID`` or a fresh one); a
traceback is a field of its line, so it carries the request id too. Messages are the
project's own (no query string, header or input value is ever put in one), and every line
goes through :func:`scrub` so a secret that slipped into an exception's text is replaced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "configure_logging", "log_fields", "scrub", "set_request_id"]

_FIELDS: ContextVar[dict[str, str]] = ContextVar("legacy_bridges_log_fields", default={})  # noqa: B039
# Credentials as they appear in text: Authorization values, key=value pairs naming a secret.
_SECRETS = re.compile(
    r"(?i)(authorization:\s*(?:bearer|basic|digest)\s+|(?:password|passwd|pwd|secret|token|"
    r"api[_-]?key|key)\s*[=:]\s*)([^\s,;&\"']+)"
)


def set_request_id(request_id: str) -> None:
    """Start the fields of a new request (its id; bridge and operation come later)."""
    _FIELDS.set({"request_id": request_id})


@contextlib.contextmanager
def log_fields(**fields: str) -> Iterator[None]:
    """Add ``fields`` to every line logged inside the block."""
    token = _FIELDS.set({**_FIELDS.get(), **fields})
    try:
        yield
    finally:
        _FIELDS.reset(token)


def scrub(text: str) -> str:
    """``text`` with credential values replaced by ``<<REDACTED>>``."""
    return _SECRETS.sub(lambda m: m.group(1) + "<<REDACTED>>", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's fields, and
    the traceback (if any) as ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **_FIELDS.get(),
        }
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(fmt: str = "json", level: int = logging.WARNING) -> None:
    """Send the root logger's lines to stderr as JSON (``fmt="json"``) or plain text."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
