"""The Flask app factory: one route per declared operation, plus health, docs, OpenAPI.

    app = create_app(load_config("bridges.toml"))

Every operation route authenticates (deny by default), checks scopes, rate-limits per
key, validates input (422 problem+json naming each field), calls the bridge through its
guard, validates the output, answers with an ETag for reads, and writes an audit event —
through :class:`facade_app.pipeline.Pipeline`, the same rules MCP tools and review
decisions run.
"""

from __future__ import annotations

import atexit
import logging
import re
import secrets
import time

from flask import Flask, Response, g, request

from bridges.core.config import Config
from bridges.core.errors import Unauthenticated
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime
from facade_app.auth import KeyRing, presented_key
from facade_app.console import register_console
from facade_app.drain import register_drain
from facade_app.logs import set_request_id
from facade_app.metrics import Metrics, register_metrics
from facade_app.operations import register_operations
from facade_app.operator_routes import AUDITED_ENDPOINTS, register_operator_routes
from facade_app.pages import register_pages
from facade_app.pipeline import Pipeline
from facade_app.problems import install_error_handlers, problem_response
from facade_app.ratelimit import Budget
from facade_app.readiness import Readiness, register_readiness
from facade_app.readiness_board import ReadinessBoard
from facade_app.request_input import buffer_request
from facade_app.reset_board import ResetBoard
from facade_app.reviews import register_reviews
from facade_app.rollout_routes import register_rollout_routes
from facade_app.shadow_routes import register_shadow_routes

__all__ = ["create_app"]

log = logging.getLogger("legacy_bridges.facade")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class _Facade(Flask):
    """Flask, answering OPTIONS with 204 and ``Allow`` only (no body, no CORS, no key needed)."""

    def make_default_options_response(self) -> Response:
        response = super().make_default_options_response()
        response.status_code = 204
        response.headers.pop("Content-Type", None)
        return response


def create_app(config: Config, runtime: Runtime | None = None, *, several_processes: bool = False) -> Flask:
    """Build the facade for ``config`` (building its bridges unless ``runtime`` is given).

    ``several_processes``: other worker processes serve the same configuration on this host
    (gunicorn), so readiness pings are coordinated through ``facade.state_dir``."""
    runtime = runtime if runtime is not None else build_runtime(config)
    app = _Facade("facade_app")
    app.config.update(MAX_CONTENT_LENGTH=config.facade.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # UTF-8 bodies: legacy names stay readable
    app.extensions["legacy_bridges"] = {"config": config, "runtime": runtime}
    keyring = KeyRing(config.api_keys)
    # endpoints of the operation routes and review decisions (their views raise it, to audit it)
    audited = {op.tool_name for _, op in runtime.operations()} | {"approve", "reject"} | AUDITED_ENDPOINTS

    @app.before_request
    def _identify() -> Response | None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(16)
        set_request_id(g.request_id)
        buffer_request(config.facade.max_query_bytes, config.facade.max_body_bytes, config.facade.body_timeout_s)
        if g.input_error is not None and request.endpoint not in audited:
            return problem_response(g.input_error)  # an operation's view raises it, to audit it
        key = presented_key(request.headers)
        g.caller = None
        g.auth_error = None
        if key is not None:
            try:
                g.caller = keyring.authenticate(key)
            except Unauthenticated as exc:  # kept for the view: public pages ignore a bad key
                g.auth_error = exc
        return None

    @app.after_request
    def _stamp(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        budget: Budget | None = g.get("budget")
        if budget is not None:
            response.headers.update(budget.headers)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    register_drain(app)  # after _identify: a request turned away still has its request id
    install_error_handlers(app)

    pipeline = Pipeline.from_config(config, runtime)
    app.extensions["legacy_bridges"]["pipeline"] = pipeline
    if several_processes:  # an operator's reset reaches one worker; the others learn of it here
        pipeline.resets = ResetBoard(config.path(config.facade.state_dir) / "resets.db")
        pipeline.resets.catch_up(runtime)  # this worker's baseline: resets before it started are done
    register_operations(app, pipeline)
    register_reviews(app, pipeline)
    register_shadow_routes(app, pipeline)
    register_rollout_routes(app, pipeline)
    register_operator_routes(app, pipeline)
    register_pages(app, runtime)
    board = ReadinessBoard(config.path(config.facade.state_dir) / "readiness.db") if several_processes else None
    readiness = Readiness(runtime, config.facade.readiness_ttl_s, config.facade.ready_requires, board=board)
    app.extensions["legacy_bridges"]["readiness"] = readiness
    register_readiness(app, readiness)
    writer = pipeline.audit.writer
    metrics = Metrics(runtime, pending=pipeline.reviews.pending_count, audit_queue=writer.depth if writer else None)
    if config.facade.metrics:
        pipeline.observe = metrics.observe
        if writer is not None:
            writer.on_lost, writer.on_error = metrics.audit_lost, metrics.audit_failed
        pipeline.rollouts.counted = metrics.rollout_run
        pipeline.shadows.settled = metrics.shadow_settled
        register_metrics(app, metrics)
    if several_processes and config.facade.metrics:
        metrics.start()  # each worker keeps its gauges fresh for whichever worker answers /metrics
    register_console(app, config, pipeline, readiness, keyring, metrics)
    if config.facade.mcp_path:
        _mount_mcp(app, config, pipeline, keyring)
    atexit.register(runtime.close)
    atexit.register(pipeline.audit.close)  # runs first (last registered): the calls' events are committed
    return app


def _mount_mcp(app: Flask, config: Config, pipeline: Pipeline, keyring: KeyRing) -> None:
    """MCP over streamable HTTP at ``facade.mcp_path``, on the same pipeline (see :mod:`facade_app.mcp_mount`)."""
    from facade_app.mcp_http import McpHttpApp
    from facade_app.mcp_mount import McpMount

    path = config.facade.mcp_path
    mount = McpMount(app.wsgi_app, lambda: McpHttpApp(pipeline, keyring, path=path, host=config.facade.host),
                     path, config.facade.max_body_bytes)
    app.wsgi_app = mount  # type: ignore[method-assign]
    app.extensions["legacy_bridges"]["mcp"] = mount

