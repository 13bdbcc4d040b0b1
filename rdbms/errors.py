"""Driver errors → core errors, at the port (the most specific match wins).

Messages keep the SQLSTATE and the driver's first line, with every secret and any
``PWD=`` part removed, so nothing a caller sees holds a credential.
"""

from __future__ import annotations

from typing import Any

from bridges.core.deadline import Deadline
from bridges.core.errors import BridgeError, DeadlineExceeded, LegacyError, Refused, Unavailable
from rdbms.connstr import redact

__all__ = ["parts", "translate"]


def parts(exc: Exception) -> tuple[str, str]:
    """The SQLSTATE and message of a pyodbc error (``""`` when it has none)."""
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[0], str):
        return args[0], str(args[1])
    return "", str(exc)


def translate(exc: Exception, rules: Any, doing: str, *, secrets: list[str], deadline: Deadline | None = None,
              cancelled: bool = False) -> BridgeError:
    """The core error for a pyodbc error raised while ``doing`` something."""
    sqlstate, message = parts(exc)
    first = redact(message.strip().splitlines()[0] if message.strip() else type(exc).__name__, secrets)[:300]
    if doing == "connecting":
        return Unavailable(f"cannot reach the database ({sqlstate or 'no SQLSTATE'}): {first}", retry_after=5)
    if not cancelled and (deadline is None or not deadline.expired) and rules.is_connection_lost(sqlstate, message):
        return Unavailable(f"lost the database connection ({sqlstate or 'no SQLSTATE'}): {first}", retry_after=1)
    if cancelled or (deadline is not None and deadline.expired) or rules.is_timeout(sqlstate, message):
        seconds = f" of {deadline.seconds:g}s" if deadline is not None else ""
        return DeadlineExceeded(f"deadline{seconds} passed while {doing}; the connection was discarded")
    if rules.is_read_only_violation(sqlstate, message):
        return Refused(f"the database refused a write on a read-only path ({sqlstate})")
    if rules.is_permission_denied(sqlstate, message):
        return Refused(f"the read-only account may not do this ({sqlstate}): {first}")
    if sqlstate.startswith("08") or sqlstate in {"28000", "28P01", "IM002", "IM003"}:
        return Unavailable(f"cannot reach the database ({sqlstate or 'no SQLSTATE'}): {first}", retry_after=5)
    return LegacyError(f"the database answered an error while {doing} ({sqlstate}): {first}")
