"""Operation routes: GET for reads (query parameters), POST for writes (JSON body)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from pydantic import BaseModel

from bridges.core.errors import BridgeError, InvalidInput, Unauthenticated
from bridges.core.operation import Effect, Operation
from bridges.core.runtime import BridgeRuntime, Runtime
from bridges.core.streaming import RowStream
from facade_app.audit import AuditLog
from facade_app.problems import problem_response
from facade_app.request_input import json_object, pending_error
from facade_app.review_store import ReviewStore
from facade_app.reviews import queue_for_review
from facade_app.streaming import stream_response

__all__ = ["register_operations"]


def register_operations(app: Flask, runtime: Runtime, audit: AuditLog, spend: Callable[[], Any],
                        reviews: dict[str, ReviewStore]) -> None:
    """Add one route per operation served by ``runtime``. ``spend`` charges the caller's
    rate budget; ``reviews`` maps the instances whose writes wait for a second person."""
    for instance, op in runtime.operations():
        view = _make_view(runtime.bridges[instance], op, audit, spend, reviews.get(instance))
        app.add_url_rule(op.path, endpoint=op.tool_name, view_func=view, methods=[op.http_method])


def _parameter_names(model: type[BaseModel]) -> frozenset[str]:
    """The names a query may use: each field's alias (``from``) or its own name."""
    names = set()
    by_name = model.model_config.get("populate_by_name") or model.model_config.get("validate_by_name")
    for name, field in model.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
        names.add(alias or name)
        if by_name or not alias:
            names.add(name)
    return frozenset(names)


def _read_input(op: Operation) -> dict[str, Any]:
    if op.effect is Effect.READ:
        pending_error()  # a bad query string or body, found before the view
        fields = _parameter_names(op.input_model)
        unknown = [k for k in request.args if k not in fields]
        repeated = [k for k in request.args if len(request.args.getlist(k)) > 1]
        problems = [{"field": k, "message": "unknown parameter", "type": "extra_forbidden"} for k in unknown[:20]]
        problems += [{"field": k, "message": "given more than once", "type": "repeated"} for k in repeated[:20]]
        if problems:
            raise InvalidInput(f"invalid query parameters for {op.qualified_name}", errors=problems)
        return request.args.to_dict()
    return json_object()


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


def _make_view(bridge: BridgeRuntime, op: Operation, audit: AuditLog, spend: Callable[[], Any],
               review: ReviewStore | None) -> Callable[[], Response]:
    fields = list(op.output_model.model_fields)

    def view() -> Response:
        status, outcome, inputs = 500, "error", None
        try:
            spend()
            if g.caller is None:
                raise g.auth_error or Unauthenticated("an API key is required: send 'Authorization: Bearer <key>'")
            g.caller.require(op)
            inputs = _read_input(op)
            if review is not None and op.effect is Effect.WRITE:
                parsed = bridge.parse_input(op, inputs)
                if not getattr(parsed, "dry_run", False):  # a dry run changes nothing: no review
                    status, outcome = 202, "queued-for-review"
                    return queue_for_review(review, op, parsed.model_dump(mode="json"), g.caller)
            result = bridge.call(op, inputs)
            if isinstance(result, RowStream):
                status, outcome = 200, "streamed"
                return stream_response(result, fields, request.headers.get("Accept", ""), op.tool_name)
            body = result.model_dump_json()
            if op.effect is Effect.WRITE:
                status, outcome = 200, "ok"
                return Response(body, mimetype="application/json")
            response = _conditional(body)
            status, outcome = response.status_code, "ok"
            return response
        except BridgeError as exc:
            status, outcome = exc.status, exc.slug
            return problem_response(exc)
        finally:
            audit.record(
                event=op.qualified_name, effect=op.effect.value,
                caller=g.caller.name if g.caller else None, request_id=g.request_id, status=status,
                duration_ms=(time.perf_counter() - g.started) * 1000, inputs=inputs, outcome=outcome,
            )

    view.__name__ = op.tool_name
    view.__doc__ = op.summary
    return view
