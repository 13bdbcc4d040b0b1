"""Human review of writes (four eyes): queue, list, approve, reject.

When a bridge is configured with ``review_writes = true``, a write (other than a dry
run) is not executed when called — over HTTP or MCP alike: it is validated, queued, and
answered ``202 Accepted`` with the review's URL. A second person whose key holds
``<bridge>:review`` approves it — which executes it through the same guard — or rejects
it with a reason; for a write that takes ``dry_run``, the review shows what its dry run answered
when it was queued. Nobody decides their own request; every decision, refused ones
included, is audited (the rules are in :class:`facade_app.pipeline.Pipeline`).
"""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, request
from pydantic import ValidationError

from bridges.core.errors import InvalidInput
from bridges.core.runtime import validation_errors
from facade_app.operations import http_attempt, http_input, json_body, render_review
from facade_app.pipeline import Decision, Outcome, Pipeline, visible
from facade_app.problems import problem_response
from facade_app.request_input import pending_error
from facade_app.review_models import Rejection

__all__ = ["register_reviews"]

_STATUSES = (None, "pending", "approved", "rejected", "executed", "failed", "expired")


def _reason() -> str:
    """The rejection's reason from the JSON body, or :class:`InvalidInput`."""
    try:
        return Rejection.model_validate(json_body()).reason
    except InvalidInput as exc:
        raise InvalidInput('a rejection needs a reason: send {"reason": "…"}', errors=exc.context["errors"]) from None
    except ValidationError as exc:
        raise InvalidInput("a rejection needs a reason", errors=validation_errors(exc)) from None


def _render(outcome: Outcome) -> Response:
    g.budget = outcome.budget
    if outcome.error is not None:
        return problem_response(outcome.error)
    return render_review(outcome)


def register_reviews(app: Flask, pipeline: Pipeline) -> None:
    """Add the ``/v1/reviews`` routes (charged to the caller's rate budget like operations)."""

    @app.get("/v1/reviews")
    def list_reviews() -> Response:
        """Reviews the caller asked for or may decide, newest first (``?status=pending``)."""
        caller, g.budget = pipeline.admit(http_attempt())
        status = request.args.get("status")
        if status not in _STATUSES:
            raise InvalidInput("unknown status", errors=[{"field": "status", "message": "unknown status",
                                                           "type": "enum"}])
        return jsonify(reviews=[r.public() for r in pipeline.reviews.list(status) if visible(caller, r)])

    @app.get("/v1/reviews/<review_id>")
    def get_review(review_id: str) -> Response:
        """One review and, once decided, its outcome."""
        caller, g.budget = pipeline.admit(http_attempt())
        return jsonify(pipeline.find_review(caller, review_id).public())

    def decide(review_id: str, decision: Decision) -> Response:
        reader = http_input(_reason) if decision == "reject" else None
        return _render(pipeline.decide(http_attempt(), review_id, decision, reader, pending_error))

    @app.post("/v1/reviews/<review_id>/approve")
    def approve(review_id: str) -> Response:
        """Approve and execute a pending write (needs ``<bridge>:review``; not your own)."""
        return decide(review_id, "approve")

    @app.post("/v1/reviews/<review_id>/reject")
    def reject(review_id: str) -> Response:
        """Reject a pending write with a reason (needs ``<bridge>:review``)."""
        return decide(review_id, "reject")
