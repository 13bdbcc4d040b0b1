"""The error taxonomy every layer speaks, and its RFC 9457 problem+json form.

Transports translate driver exceptions into these at their port (the most specific
match wins); the facade turns them into HTTP responses without knowing any driver.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, ClassVar

__all__ = [
    "BridgeError",
    "CassetteMiss",
    "ConfigError",
    "Conflict",
    "DeadlineExceeded",
    "Forbidden",
    "InvalidInput",
    "LayoutChanged",
    "LegacyError",
    "LoginRefused",
    "NotFound",
    "RateLimited",
    "Refused",
    "Unauthenticated",
    "Unavailable",
    "UnexpectedScreen",
    "error_for_problem",
]

PROBLEM_BASE = "/problems/"
_snapshots = logging.getLogger("legacy_bridges.snapshots")


class BridgeError(Exception):
    """Base of every error the project raises on purpose.

    ``detail`` is shown to callers, so it must never hold a secret; ``context`` carries
    extra problem members (field errors, a redacted snapshot reference, …).
    """

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    private: ClassVar[frozenset[str]] = frozenset({"snapshot"})
    """Context members kept for logs and operators, never put in the problem an API caller gets."""

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.retry_after = retry_after
        self.context = context

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body for this error."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update({k: v for k, v in self.context.items() if v is not None and k not in self.private})
        return body


class InvalidInput(BridgeError):
    """The input failed validation; ``errors`` lists each field's problem."""

    status, slug, title = 422, "invalid-input", "Invalid input"

    def __init__(self, detail: str = "", *, errors: list[dict[str, Any]] | None = None, **context: Any):
        super().__init__(detail, errors=errors or [], **context)


class NotFound(BridgeError):
    """The legacy system says the record does not exist."""

    status, slug, title = 404, "not-found", "Not found"


class Unauthenticated(BridgeError):
    """No credential, or one that is not valid."""

    status, slug, title = 401, "unauthenticated", "Unauthenticated"


class Forbidden(BridgeError):
    """The credential lacks a scope the operation requires."""

    status, slug, title = 403, "forbidden", "Forbidden"


class Refused(BridgeError):
    """A write or a non-SELECT statement reached a read-only path."""

    status, slug, title = 403, "refused", "Refused by a read-only guard"


class Conflict(BridgeError):
    """The request conflicts with the current state (a review already decided, a stale change)."""

    status, slug, title = 409, "conflict", "Conflict"


class RateLimited(BridgeError):
    """The caller's request budget is spent; ``retry_after`` says when to retry."""

    status, slug, title = 429, "rate-limited", "Too many requests"


class Unavailable(BridgeError):
    """The legacy system cannot take the call now (pool exhausted, breaker open, host down)."""

    status, slug, title = 503, "unavailable", "Legacy system unavailable"


class DeadlineExceeded(BridgeError):
    """The call's deadline passed; the session or connection used was discarded."""

    status, slug, title = 504, "timeout", "Deadline exceeded"


class LegacyError(BridgeError):
    """The legacy system answered something the bridge does not recognise."""

    status, slug, title = 502, "legacy-error", "Legacy system error"


class LoginRefused(BridgeError):
    """The legacy system refused the bridge's own sign-on or login (wrong password, revoked
    user, HTTP 401/403 at login, the host's rejection message).

    A fault of the configuration, not of the caller and not of the system's health: the
    transport stops signing on for that pool (no background or request retries, which
    would revoke the user) until the configuration changes or an operator resets the
    bridge. It does not count toward the circuit breaker."""

    status, slug, title = 502, "login-refused", "Legacy login refused"


class UnexpectedScreen(LegacyError):
    """A terminal showed a screen no declaration recognises.

    Its redacted ``snapshot`` stays in ``context`` for logs and operators (logged at
    WARNING under ``snapshot_ref``); the problem an API caller gets names only the
    reference, never the screen (host banners, other customers' data)."""

    slug, title = "unexpected-screen", "Unexpected screen"

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **context: Any) -> None:
        snapshot = context.get("snapshot")
        if snapshot is not None and "snapshot_ref" not in context:
            context["snapshot_ref"] = uuid.uuid4().hex[:12]
            _snapshots.warning("unexpected screen %s: %s\n%s", context["snapshot_ref"], detail,
                               snapshot.get("text", "") if isinstance(snapshot, dict) else snapshot)
        super().__init__(detail, retry_after=retry_after, **context)


class LayoutChanged(LegacyError):
    """A page no longer matches any of the selectors declared for it."""

    slug, title = "layout-changed", "Page layout changed"


class CassetteMiss(BridgeError):
    """Strict replay met a request the cassette does not hold at this position."""

    status, slug, title = 500, "cassette-miss", "Request not in cassette"


class ConfigError(BridgeError):
    """The configuration is invalid; the message names the key."""

    status, slug, title = 500, "config", "Invalid configuration"


_BY_SLUG: dict[str, type[BridgeError]] = {
    cls.slug: cls
    for cls in (
        InvalidInput, NotFound, Unauthenticated, Forbidden, Refused, Conflict, RateLimited, Unavailable,
        DeadlineExceeded, LegacyError, LoginRefused, UnexpectedScreen, LayoutChanged, CassetteMiss, ConfigError,
    )
}


def error_for_problem(problem: dict[str, Any], retry_after: float | None = None) -> BridgeError:
    """Rebuild the typed error from a problem+json body (what HTTP clients raise)."""
    slug = str(problem.get("type", "")).removeprefix(PROBLEM_BASE)
    cls = _BY_SLUG.get(slug, BridgeError)
    context = {k: v for k, v in problem.items() if k not in {"type", "title", "status", "detail"}}
    if cls is InvalidInput:
        return InvalidInput(problem.get("detail", ""), **context)
    err = cls(problem.get("detail", ""), retry_after=retry_after, **context)
    return err
