"""The rollout routes: each rollout's report, and its share changed while serving (keys holding ``ops``)."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify
from pydantic import BaseModel, Field, ValidationError

from bridges.core.errors import InvalidInput, NotFound
from bridges.core.runtime import validation_errors
from facade_app.operations import http_attempt, http_input, json_body
from facade_app.pipeline import Pipeline
from facade_app.problems import problem_response

__all__ = ["RolloutShare", "register_rollout_routes"]


class RolloutShare(BaseModel):
    """A rollout's new share."""

    model_config = {"extra": "forbid"}

    share: float = Field(ge=0, le=1, description="Share of the calls the candidate runs on; 0 stops it.")


def register_rollout_routes(app: Flask, pipeline: Pipeline) -> None:
    """Add ``GET /v1/rollouts`` and ``PUT /v1/rollouts/<bridge>/<operation>``."""

    @app.get("/v1/rollouts")
    def rollouts_report() -> Response:
        """Each rollout's share, candidate runs, matches, mismatches (kept with both answers) and errors."""
        outcome, report = pipeline.operate(http_attempt(), "rollouts.report", pipeline.rollouts.report)
        g.budget = outcome.budget
        return problem_response(outcome.error) if outcome.error is not None else jsonify(rollouts=report)

    @app.put("/v1/rollouts/<bridge>/<operation>")
    def rollout_share(bridge: str, operation: str) -> Response:
        """Change a rollout's share while serving (``{"share": 0}`` is the kill switch)."""
        read = http_input(json_body)
        caller = g.get("caller")

        def change() -> dict:
            if pipeline.rollouts.find(bridge, operation) is None:
                raise NotFound(f"no rollout of {bridge[:64]}.{operation[:64]}")
            try:
                share = RolloutShare.model_validate(read()).share
            except ValidationError as exc:
                raise InvalidInput("invalid rollout share", errors=validation_errors(exc)) from None
            return pipeline.rollouts.set_share(bridge, operation, share, caller.name if caller else "?")

        outcome, report = pipeline.operate(http_attempt(), "rollouts.share", change)
        g.budget = outcome.budget
        return problem_response(outcome.error) if outcome.error is not None else jsonify(report)
