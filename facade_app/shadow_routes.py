"""The shadow-mode routes: the agreement report and reconciliation (keys holding ``ops``)."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify

from facade_app.operations import http_attempt
from facade_app.pipeline import Pipeline
from facade_app.problems import problem_response

__all__ = ["register_shadow_routes"]


def register_shadow_routes(app: Flask, pipeline: Pipeline) -> None:
    """Add ``GET /v1/shadow/report`` and ``POST /v1/shadow/reconcile``."""

    @app.get("/v1/shadow/report")
    def shadow_report() -> Response:
        """Proposals shadowed, how many people made as proposed, differently, or not (yet)."""
        outcome, report = pipeline.operate(http_attempt(), "shadow.report", pipeline.shadows.report)
        g.budget = outcome.budget
        return problem_response(outcome.error) if outcome.error is not None else jsonify(report)

    @app.post("/v1/shadow/reconcile")
    def shadow_reconcile() -> Response:
        """Read each pending proposal's record again and settle what a person did."""
        outcome, counts = pipeline.operate(http_attempt(), "shadow.reconcile", pipeline.shadows.reconcile)
        g.budget = outcome.budget
        return problem_response(outcome.error) if outcome.error is not None else jsonify(counts)
