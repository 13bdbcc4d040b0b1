"""The public routes: health, OpenAPI, the human docs page, the interactive API docs (Swagger UI
from the flask-swagger-ui package's bundled assets: nothing is fetched from a CDN), problem
types, AI tools."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_swagger_ui import get_swaggerui_blueprint
from werkzeug.exceptions import NotFound

from bridges.core.errors import Forbidden
from bridges.core.operation import Operation
from bridges.core.runtime import Runtime
from facade_app.openapi import build_openapi
from facade_app.problems import PROBLEM_TYPES
from facade_app.schema_text import inline_code, type_label
from facade_app.tools import anthropic_tools, openai_tools

__all__ = ["register_pages"]


def register_pages(app: Flask, runtime: Runtime) -> None:
    """Add the public routes (no key, no rate limit)."""
    operations = [op for _, op in runtime.operations()]

    @app.get("/healthz")
    def healthz() -> Response:
        """The process is up."""
        return jsonify(status="ok")

    @app.get("/openapi.json")
    def openapi() -> Response:
        """The OpenAPI 3.1 document."""
        return jsonify(build_openapi(operations, server_url=request.host_url.rstrip("/")))

    @app.get("/tools/<flavour>.json")
    def tools(flavour: str) -> Response:
        """AI tool definitions: ``openai`` or ``anthropic``; with a valid key, only the tools its scopes grant."""
        makers: dict[str, Any] = {"openai": openai_tools, "anthropic": anthropic_tools}
        if flavour not in makers:
            raise NotFound("no such tool flavour; try openai or anthropic")
        caller = g.get("caller")
        granted = operations if caller is None else [op for op in operations if _grants(caller, op)]
        return jsonify(makers[flavour](granted))

    @app.get("/")
    @app.get("/docs")
    def docs() -> str:
        """The human docs page."""
        by_bridge: dict[str, list[Any]] = {}
        for op in operations:
            by_bridge.setdefault(op.bridge, []).append(op)
        return render_template("docs.html", bridges=by_bridge, base=request.host_url.rstrip("/"),
                               schema_of=lambda model: model.model_json_schema(), type_label=type_label,
                               inline_code=inline_code)

    # "Try it out" sends the key given under "Authorize" (the document's bearer scheme); the
    # page keeps it in memory only.
    app.register_blueprint(get_swaggerui_blueprint(
        "/docs/api", "/openapi.json",
        config={"app_name": "legacy-bridges API", "deepLinking": True, "persistAuthorization": False,
                "displayRequestDuration": True}))

    @app.get("/problems/<slug>")
    def problem_type(slug: str) -> Response:
        """What a problem type means."""
        if slug not in PROBLEM_TYPES:
            raise NotFound("no such problem type")
        return jsonify(type=f"/problems/{slug}", description=PROBLEM_TYPES[slug])


def _grants(caller: Any, op: Operation) -> bool:
    try:
        caller.require(op)
    except Forbidden:
        return False
    return True
