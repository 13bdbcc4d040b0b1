"""RFC 9457 problem+json responses for every error the facade returns."""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import Response, g, json, request
from werkzeug.exceptions import HTTPException

from bridges.core.errors import PROBLEM_BASE, BridgeError

__all__ = ["PROBLEM_MEDIA_TYPE", "http_problem", "install_error_handlers", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("legacy_bridges.facade")


def problem_response(error: BridgeError) -> Response:
    """The problem+json response for a core error (with Retry-After where it applies)."""
    body = error.to_problem(instance=request.path)
    body["request_id"] = getattr(g, "request_id", None)
    response = Response(json.dumps(body), status=error.status, mimetype=PROBLEM_MEDIA_TYPE)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


def http_problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> Response:
    """A problem+json response for an HTTP-level error that has no core error type."""
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail,
            "instance": request.path, "request_id": getattr(g, "request_id", None), **extra}
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)


def install_error_handlers(app: Any) -> None:
    """Turn core errors, HTTP errors and anything unexpected into problem+json."""

    @app.errorhandler(BridgeError)
    def _bridge_error(error: BridgeError) -> Response:
        return problem_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        slug = (error.name or "error").lower().replace(" ", "-")
        response = http_problem(status, error.name or "Error", error.description or "", slug)
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # Never echo an unexpected exception: its text may hold data or secrets.
        log.exception("unexpected error in %s", request.path)
        return http_problem(500, "Internal error", "an unexpected error occurred; see the request id in the logs",
                            "internal")
