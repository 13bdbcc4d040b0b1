"""Operation routes: GET for reads (query parameters), POST for writes (JSON body).

Each route is the HTTP adapter of :class:`facade_app.pipeline.Pipeline`: it reads the
input the HTTP way and renders the outcome as a response; the rules live in the pipeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from bridges.core.errors import BridgeError, InvalidInput
from bridges.core.operation import Effect, Operation
from bridges.core.streaming import RowStream
from facade_app.pipeline import Attempt, Outcome, Pipeline
from facade_app.pipeline import parameter_names as _parameter_names  # noqa: F401  (tests use it)
from facade_app.problems import http_slug, problem_response
from facade_app.request_input import json_object, pending_error
from facade_app.streaming import stream_response

__all__ = ["HttpRefusal", "http_attempt", "http_input", "json_body", "register_operations", "render_review"]

T = TypeVar("T")


def register_operations(app: Flask, pipeline: Pipeline) -> None:
    """Add one route per operation served by ``pipeline``'s runtime."""
    for instance, op in pipeline.runtime.operations():
        view = _make_view(pipeline, instance, op)
        app.add_url_rule(op.path, endpoint=op.tool_name, view_func=view, methods=[op.http_method])


def http_attempt() -> Attempt:
    """The current request as the pipeline sees it (set up by the app's request hooks)."""
    return Attempt(caller=g.caller, request_id=g.request_id, auth_error=g.auth_error,
                   client=str(request.remote_addr), started=g.started)


class HttpRefusal(BridgeError):
    """An HTTP-level refusal met while reading input (413 and the like), as a core error
    so the pipeline audits and answers it like any other."""

    def __init__(self, error: HTTPException) -> None:
        super().__init__(error.description or error.name or "")
        self.status = error.code or 400  # type: ignore[misc]
        self.slug = http_slug(self.status)  # type: ignore[misc]  # a type /problems/ describes
        self.title = error.name or "Bad request"  # type: ignore[misc]


def http_input(reader: Callable[[], T]) -> Callable[[], T]:
    """``reader`` with Werkzeug's HTTP errors turned into :class:`HttpRefusal`."""

    def read() -> T:
        try:
            return reader()
        except HTTPException as exc:
            raise HttpRefusal(exc) from None

    return read


def json_body() -> dict[str, Any]:
    """The request's JSON object, or :class:`InvalidInput` (the one place a body is parsed)."""
    return json_object()


def _query_input(op: Operation) -> dict[str, Any]:
    pending_error()  # a bad query string or body, found before the view
    repeated = [k for k in request.args if len(request.args.getlist(k)) > 1]
    problems = [{"field": k, "message": "given more than once", "type": "repeated"} for k in repeated[:20]]
    if problems:  # (unknown names are refused by the pipeline, on every path)
        raise InvalidInput(f"invalid query parameters for {op.qualified_name}", errors=problems)
    return request.args.to_dict()


def _conditional(body: str) -> Response:
    """A read's answer with its ETag, or 304 when the caller already holds it.

    (Werkzeug's ``make_conditional`` also handles dates and ranges, which a JSON answer of
    a legacy lookup has no use for, at several times the cost.)"""
    etag = '"' + hashlib.blake2b(body.encode(), digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    wanted = request.headers.get("If-None-Match")
    if wanted and (wanted.strip() == "*" or etag in (t.strip().removeprefix("W/") for t in wanted.split(","))):
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)


def render_review(outcome: Outcome) -> Response:
    """A review outcome as HTTP: 202 with ``Location`` when queued, else the review."""
    assert outcome.review is not None
    response = jsonify(outcome.review.public())
    response.status_code = outcome.status
    if outcome.status == 202:
        response.headers["Location"] = f"/v1/reviews/{outcome.review.id}"
    return response


def _make_view(pipeline: Pipeline, instance: str, op: Operation) -> Callable[[], Response]:
    fields = list(op.output_model.model_fields)
    read_input = http_input((lambda: _query_input(op)) if op.effect is Effect.READ else json_body)

    def view() -> Response:
        outcome = pipeline.call(http_attempt(), instance, op, read_input)
        g.budget = outcome.budget
        if outcome.error is not None:
            return problem_response(outcome.error)
        if outcome.review is not None:
            return render_review(outcome)
        if outcome.shadow is not None:
            response = jsonify(outcome.shadow.public())
            response.status_code = 202
            return response
        if isinstance(outcome.result, RowStream):
            return stream_response(outcome.result, fields, request.headers.get("Accept", ""), op.tool_name)
        body = outcome.result.model_dump_json()  # type: ignore[union-attr]
        if op.effect is Effect.WRITE:
            return Response(body, mimetype="application/json")
        return _conditional(body)

    view.__name__ = op.tool_name
    view.__doc__ = op.summary
    return view
