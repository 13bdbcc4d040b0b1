"""The Flask app factory: one route per declared operation, plus health, docs, OpenAPI.

    app = create_app(load_config("bridges.toml"))

Every operation route authenticates (deny by default), checks scopes, rate-limits per
key, validates input (422 problem+json naming each field), calls the bridge through its
guard, validates the output, answers with an ETag for reads, and writes an audit event.
"""

from __future__ import annotations

import atexit
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from bridges.core.config import Config
from bridges.core.errors import RateLimited
from bridges.core.registry import build_runtime
from bridges.core.runtime import Runtime
from facade_app.audit import AuditLog
from facade_app.auth import Caller, KeyRing, presented_key
from facade_app.operations import register_operations
from facade_app.pages import register_pages
from facade_app.problems import http_problem, install_error_handlers, problem_response
from facade_app.review_store import ReviewStore
from facade_app.reviews import register_reviews

__all__ = ["create_app"]

log = logging.getLogger("legacy_bridges.facade")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def create_app(config: Config, runtime: Runtime | None = None) -> Flask:
    """Build the facade for ``config`` (building its bridges unless ``runtime`` is given)."""
    runtime = runtime if runtime is not None else build_runtime(config)
    app = Flask("facade_app")
    app.config.update(MAX_CONTENT_LENGTH=config.facade.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # UTF-8 bodies: legacy names stay readable
    app.extensions["legacy_bridges"] = {"config": config, "runtime": runtime}
    keyring = KeyRing(config.api_keys)
    audit = AuditLog(config.path(config.facade.audit_log) if config.facade.audit_log else None)

    @app.before_request
    def _identify() -> Response | None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        if len(request.query_string) > config.facade.max_query_bytes:
            return http_problem(414, "URI Too Long", f"the query string exceeds {config.facade.max_query_bytes} bytes",
                                "uri-too-long")
        key = presented_key(request.headers)
        g.caller = None
        g.auth_error = None
        if key is not None:
            try:
                g.caller = keyring.authenticate(key)
            except Exception as exc:  # kept for the view: public pages ignore a bad key
                g.auth_error = exc
        return None

    @app.after_request
    def _stamp(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if g.get("retry_after"):
            response.headers["Retry-After"] = g.retry_after
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    limiter = Limiter(
        key_func=_rate_key,
        app=app,
        storage_uri=config.facade.rate_limit_storage,
        headers_enabled=True,
        retry_after="delta-seconds",
        key_prefix="legacy-bridges",
    )

    def current_limit() -> str:
        caller: Caller | None = g.get("caller")
        return (caller.rate_limit if caller and caller.rate_limit else None) or config.facade.rate_limit

    install_error_handlers(app)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded) -> Response:
        reset = getattr(getattr(limiter, "current_limit", None), "reset_at", None)
        retry = max(1, int(reset - time.time()) + 1) if reset else 60
        return problem_response(RateLimited(f"rate limit {error.description} exceeded", retry_after=retry))

    store = ReviewStore(config.facade.review_store, config.facade.review_ttl_s)
    reviewed = {name: store for name, entry in config.bridges.items() if entry.review_writes}
    register_operations(app, runtime, audit, limiter.shared_limit(current_limit, scope="operations"), reviewed)
    register_reviews(app, runtime, store, audit)
    register_pages(app, runtime, limiter)
    atexit.register(runtime.close)
    return app


def _rate_key() -> str:
    caller: Caller | None = g.get("caller")
    return f"key:{caller.name}" if caller else f"ip:{request.remote_addr}"


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response (used by the public pages)."""
    response = jsonify(body)
    response.status_code = status
    return response
