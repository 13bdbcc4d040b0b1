"""Operators' routes: ``POST /v1/bridges/<bridge>/reset`` after a refused login.

A bridge whose legacy system refused its sign-on or login stops signing on (a wrong
password retried would revoke the user); once the configuration or the account is fixed,
an operator (a key holding ``ops``) resets it: the transport signs on again, once, and the
breaker closes. The reset runs through :class:`facade_app.pipeline.Pipeline` — key, rate
budget, scope, one audit line — like every other call.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify

from facade_app.operations import http_attempt
from facade_app.pipeline import Pipeline
from facade_app.problems import problem_response
from facade_app.request_input import pending_error

__all__ = ["AUDITED_ENDPOINTS", "register_operator_routes"]

AUDITED_ENDPOINTS = frozenset({"reset_bridge"})
"""Endpoints whose request errors (a body too large …) the view raises, to audit them."""


def register_operator_routes(app: Flask, pipeline: Pipeline) -> None:
    """Add ``POST /v1/bridges/<bridge>/reset``."""

    @app.post("/v1/bridges/<bridge>/reset")
    def reset_bridge(bridge: str) -> Response:
        """Let a bridge sign on again after a refused login, and close its breaker (needs ``ops``)."""
        outcome = pipeline.reset(http_attempt(), bridge, pending_error)
        g.budget = outcome.budget
        if outcome.error is not None:
            return problem_response(outcome.error)
        readiness = current_app.extensions["legacy_bridges"].get("readiness")
        if readiness is not None:
            readiness.forget(bridge)  # /readyz pings afresh instead of showing the refusal until it expires
        return jsonify(bridge=bridge, status="reset", state=pipeline.runtime.bridges[bridge].bridge.status())
