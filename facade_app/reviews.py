"""Human review of writes (four eyes): queue, list, approve, reject.

When a bridge is configured with ``review_writes = true``, a write (other than a dry
run) is not executed when called: it is validated, queued, and answered ``202
Accepted`` with the review's URL. A second person whose key holds ``<bridge>:review``
approves it — which executes it through the same guard — or rejects it with a reason.
Nobody approves their own request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from pydantic import ValidationError

from bridges.core.errors import BridgeError, Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from bridges.core.operation import Operation
from bridges.core.runtime import Runtime, validation_errors
from facade_app.audit import AuditLog
from facade_app.auth import Caller, scope_granted
from facade_app.request_input import json_object
from facade_app.review_models import Rejection
from facade_app.review_store import Review, ReviewStore

__all__ = ["queue_for_review", "register_reviews"]


def queue_for_review(store: ReviewStore, op: Operation, data: dict[str, Any], caller: Caller) -> Response:
    """Queue a validated write; answer 202 with where to follow it."""
    review = store.submit(op.bridge, op.name, data, caller.name)
    response = jsonify(review.public())
    response.status_code = 202
    response.headers["Location"] = f"/v1/reviews/{review.id}"
    return response


def _can_review(caller: Caller, review: Review) -> bool:
    return scope_granted(f"{review.bridge}:review", caller.scopes)


def _visible(caller: Caller, review: Review) -> bool:
    return review.requested_by == caller.name or _can_review(caller, review)


def register_reviews(app: Flask, runtime: Runtime, store: ReviewStore, audit: AuditLog,
                     spend: Callable[[], Any]) -> None:
    """Add the ``/v1/reviews`` routes (charged to the caller's rate budget like operations)."""

    def _caller() -> Caller:
        spend()
        if g.caller is None:
            raise g.auth_error or Unauthenticated("an API key is required: send 'Authorization: Bearer <key>'")
        return g.caller

    def load(review_id: str, caller: Caller) -> Review:
        review = store.get(review_id)
        if review is None or not _visible(caller, review):
            raise NotFound(f"no review {review_id}")
        return review

    def decidable(review_id: str) -> tuple[Caller, Review]:
        """The caller and the review, when the caller may decide it (``<bridge>:review``)."""
        caller = _caller()
        review = load(review_id, caller)
        if not _can_review(caller, review):
            raise Forbidden(f"key '{caller.name}' lacks scope {review.bridge}:review")
        return caller, review

    @app.get("/v1/reviews")
    def list_reviews() -> Response:
        """Reviews the caller asked for or may decide, newest first (``?status=pending``)."""
        caller = _caller()
        status = request.args.get("status")
        if status not in (None, "pending", "approved", "rejected", "executed", "failed", "expired"):
            raise InvalidInput("unknown status", errors=[{"field": "status", "message": "unknown status",
                                                           "type": "enum"}])
        return jsonify(reviews=[r.public() for r in store.list(status) if _visible(caller, r)])

    @app.get("/v1/reviews/<review_id>")
    def get_review(review_id: str) -> Response:
        """One review and, once decided, its outcome."""
        return jsonify(load(review_id, _caller()).public())

    @app.post("/v1/reviews/<review_id>/approve")
    def approve(review_id: str) -> Response:
        """Approve and execute a pending write (needs ``<bridge>:review``; not your own)."""
        caller, review = decidable(review_id)
        if review.requested_by == caller.name:
            raise Forbidden("a write is approved by someone other than who asked for it")
        if not store.decide(review_id, to="approved", by=caller.name):
            raise Conflict(f"review {review_id} is {store.get(review_id).status}, not pending")  # type: ignore[union-attr]
        bridge, op = runtime.find(review.bridge, review.operation)
        try:
            result = bridge.call(op, review.input)
        except Exception as exc:
            problem = exc.to_problem() if isinstance(exc, BridgeError) else {"status": 500, "title": "Internal error"}
            store.finish(review_id, ok=False, result=problem)
            _audit(audit, review, caller, "approve", problem["status"], "failed")
            raise
        store.finish(review_id, ok=True, result=result.model_dump(mode="json"))  # type: ignore[union-attr]
        _audit(audit, review, caller, "approve", 200, "executed")
        return jsonify(store.get(review_id).public())  # type: ignore[union-attr]

    @app.post("/v1/reviews/<review_id>/reject")
    def reject(review_id: str) -> Response:
        """Reject a pending write with a reason (needs ``<bridge>:review``)."""
        caller, review = decidable(review_id)
        try:
            reason = Rejection.model_validate(json_object()).reason
        except ValidationError as exc:
            raise InvalidInput("a rejection needs a reason", errors=validation_errors(exc)) from None
        if not store.decide(review_id, to="rejected", by=caller.name, reason=reason):
            raise Conflict(f"review {review_id} is {store.get(review_id).status}, not pending")  # type: ignore[union-attr]
        _audit(audit, review, caller, "reject", 200, "rejected")
        return jsonify(store.get(review_id).public())  # type: ignore[union-attr]


def _audit(audit: AuditLog, review: Review, caller: Caller, action: str, status: int, outcome: str) -> None:
    audit.record(event=f"{review.bridge}.{review.operation}.{action}", effect="write", caller=caller.name,
                 request_id=g.request_id, status=status, duration_ms=(time.perf_counter() - g.started) * 1000,
                 inputs={"review_id": review.id, "requested_by": review.requested_by}, outcome=outcome)
