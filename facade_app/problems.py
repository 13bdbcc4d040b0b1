"""RFC 9457 problem+json responses for every error the facade returns, and what each type means."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from flask import Response, g, request
from werkzeug.exceptions import HTTPException, default_exceptions

from bridges.core.errors import PROBLEM_BASE, BridgeError

__all__ = ["PROBLEM_MEDIA_TYPE", "PROBLEM_TYPES", "http_problem", "http_slug", "install_error_handlers",
           "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("legacy_bridges.facade")

_HTTP_SLUGS = {404: "unknown-url", 408: "request-timeout", 413: "content-too-large", 414: "uri-too-long",
               500: "internal"}

PROBLEM_TYPES: dict[str, str] = {
    "invalid-input": "The input failed validation. `errors` lists each field with its problem (a body that is not "
                     "UTF-8, holds a lone surrogate, or is nested too deeply is invalid input too).",
    "not-found": "The record does not exist: the legacy system has no such record, or no such review is visible "
                 "to this key.",
    "unauthenticated": "No API key was sent, or it is not valid. Send `Authorization: Bearer <key>`.",
    "forbidden": "The API key lacks a scope the operation requires, or the review rules forbid the decision.",
    "refused": "A write or a non-SELECT statement reached a read-only path.",
    "conflict": "The request conflicts with the current state: a review that is no longer pending, a stale change.",
    "rate-limited": "The key's request budget is spent; retry after the Retry-After header's seconds.",
    "unavailable": "The legacy system cannot take the call now; retry after Retry-After.",
    "shutting-down": "This server is draining before it stops (calls in flight finish, new ones are turned "
                     "away); retry after Retry-After, when another server takes the call.",
    "timeout": "The deadline passed; the session or connection used was discarded.",
    "legacy-error": "The legacy system answered something the bridge does not recognise.",
    "login-refused": "The legacy system refused the bridge's own sign-on or login (wrong password, revoked user, "
                     "HTTP 401/403 at login). `bridge` names it. The bridge signs on no more until its configuration "
                     "changes or an operator resets it: retrying does not help.",
    "unexpected-screen": "A terminal showed a screen no declaration recognises; its redacted snapshot is in the "
                         "operator's log under `snapshot_ref`.",
    "layout-changed": "A page no longer matches the selectors declared for it.",
    "cassette-miss": "Replay met a request the recorded cassette does not hold (a test or demo set-up problem).",
    "config": "The configuration is invalid; the operator's log names the key.",
    "internal": "An unexpected error. Quote the request id: the operator's log holds it with the traceback.",
    "unknown-url": "Nothing is served at this URL. The routes are listed in /openapi.json.",
    "content-too-large": "The request body is larger than the facade accepts (facade.max_body_bytes), "
                         "whether its length was declared or it came chunked.",
    "request-timeout": "The request body did not arrive in full within facade.body_timeout_s.",
    "incomplete-body": "The connection ended before the body its Content-Length announced.",
    "uri-too-long": "The query string is longer than the facade accepts (facade.max_query_bytes).",
}


def _http_types() -> dict[str, str]:
    """A type for every HTTP error Werkzeug can raise (routing, methods, framing)."""
    types = {}
    for code, cls in default_exceptions.items():
        error = cls()
        types.setdefault(http_slug(code), f"HTTP {code} {error.name}: {error.description}")
    return types


def http_slug(status: int) -> str:
    """The problem type of an HTTP-level error (``405`` → ``method-not-allowed``)."""
    if status in _HTTP_SLUGS:
        return _HTTP_SLUGS[status]
    cls = default_exceptions.get(status)
    name = cls().name if cls is not None else "error"
    return name.lower().replace(" ", "-").replace("'", "")


for _slug, _text in _http_types().items():
    PROBLEM_TYPES.setdefault(_slug, _text)


def _body(body: dict[str, Any]) -> bytes:
    """UTF-8 JSON; a value that cannot be encoded (a lone surrogate) is escaped, never fatal."""
    text = json.dumps(body, ensure_ascii=False, default=str)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, default=str).encode("ascii")


def _respond(body: dict[str, Any], status: int) -> Response:
    response = Response(_body(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="legacy-bridges"'
    return response


def problem_response(error: BridgeError) -> Response:
    """The problem+json response for a core error (with Retry-After where it applies)."""
    body = error.to_problem(instance=request.path)
    body["request_id"] = getattr(g, "request_id", None)
    response = _respond(body, error.status)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


def http_problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> Response:
    """A problem+json response for an HTTP-level error that has no core error type."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail,
            "instance": request.path, "request_id": getattr(g, "request_id", None), **extra}
    return _respond(body, status)


def install_error_handlers(app: Any) -> None:
    """Turn core errors, HTTP errors and anything unexpected into problem+json."""

    @app.errorhandler(BridgeError)
    def _bridge_error(error: BridgeError) -> Response:
        return problem_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = http_problem(status, error.name or "Error", error.description or "", http_slug(status))
        allow = error.get_response().headers.get("Allow")
        if status == 405 and allow:
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # Never echo an unexpected exception: its text may hold data or secrets.
        log.exception("unexpected error in %s %s (request id %s)", request.method, request.path,
                      getattr(g, "request_id", None))
        return http_problem(500, "Internal error", "an unexpected error occurred; quote the request id to the "
                            "operator, whose log holds it with the details", "internal")
