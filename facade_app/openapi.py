"""The OpenAPI 3.1 document, generated from the operation declarations.

Schemas come from the pydantic models themselves (pydantic emits JSON Schema 2020-12,
which is OpenAPI 3.1's dialect); paths, parameters, examples and security come from the
declarations. Nothing here is written by hand per operation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from bridges.core.operation import Effect, Operation
from facade_app.review_models import Rejection, ReviewList, ReviewOut, ReviewStatus

__all__ = ["Problem", "build_openapi"]

_REF = "#/components/schemas/{model}"


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(description="A URI reference naming the problem type.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="Field-level problems of invalid input.")


_ERRORS = {
    "400": "The connection ended before the body its Content-Length announced.",
    "401": "No API key, or one that is not valid (`WWW-Authenticate: Bearer`).",
    "403": "The key lacks a required scope, or a read-only guard refused the call.",
    "404": "The record does not exist (the legacy system has none, or a page cursor refers to no page).",
    "408": "The request body did not arrive in full within `facade.body_timeout_s`.",
    "409": "The write conflicts with the record's current state.",
    "413": "The request body is larger than `facade.max_body_bytes` (declared or chunked).",
    "414": "The query string is longer than `facade.max_query_bytes`.",
    "422": "The input failed validation; `errors` names each field (bodies that are not UTF-8, hold a lone "
           "surrogate, or nest deeper than 32 levels included).",
    "429": "The key's request budget is spent; see Retry-After.",
    "500": "An unexpected error; quote `request_id` to the operator.",
    "502": "The legacy system answered something the bridge does not recognise.",
    "503": "The legacy system is unavailable (pool exhausted, breaker open, host down); see Retry-After.",
    "504": "The deadline passed before the legacy system answered.",
}
_HEADERS = {
    "401": {"WWW-Authenticate": "`Bearer`: the scheme to authenticate with."},
    "429": {"Retry-After": "Seconds until the budget refills."},
    "503": {"Retry-After": "Seconds after which a retry may succeed."},
}
_ANY_REQUEST = ("400", "401", "408", "413", "414", "422", "429", "500")
"""What any authenticated route can answer, whatever it does."""
_LEGACY_CALL = ("403", "404", "502", "503", "504")
"""What a call that reaches a legacy system can answer besides."""


def _problems(*statuses: str, **texts: str) -> dict[str, Any]:
    """Problem+json responses for ``statuses``, with the standard texts unless ``texts`` names one."""
    problem = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}
    responses: dict[str, Any] = {}
    for status in sorted(set(statuses) | {k.removeprefix("s") for k in texts}):
        answer: dict[str, Any] = {"description": texts.get(f"s{status}", _ERRORS[status]), "content": problem}
        if status in _HEADERS:
            answer["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                 for name, text in _HEADERS[status].items()}
        responses[status] = answer
    return responses


def build_openapi(operations: Iterable[Operation], *, title: str = "legacy-bridges facade",
                  version: str = "0.1.0", server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``operations``."""
    ops = sorted(operations, key=lambda op: (op.bridge, op.name))
    models: list[tuple[type[BaseModel], str]] = [
        (Problem, "serialization"), (ReviewOut, "serialization"), (ReviewList, "serialization"),
        (Rejection, "validation"),
    ]
    for op in ops:
        models += [(op.input_model, "validation"), (op.output_model, "serialization")]
    keyed, top = models_json_schema(models, ref_template=_REF)
    schemas = dict(top.get("$defs", {}))

    paths: dict[str, Any] = {}
    for op in ops:
        in_schema = keyed[(op.input_model, "validation")]
        out_schema = keyed[(op.output_model, "serialization")]
        paths.setdefault(op.path, {})[op.http_method.lower()] = _operation(op, in_schema, out_schema, schemas)
    paths.update(_review_paths(keyed))
    paths.update(_operator_paths())

    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Typed, authenticated, rate-limited, audited operations on legacy systems. "
                           "Errors are RFC 9457 problem+json.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API key from the configuration."},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": sorted(({"name": b} for b in {op.bridge for op in ops}), key=lambda t: t["name"]),
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _review_paths(keyed: dict[Any, Any]) -> dict[str, Any]:
    """The write-review routes (see ``facade_app.reviews``), their schemas from the pydantic models."""

    def answer(model: type[BaseModel], text: str) -> dict[str, Any]:
        return {"description": text, "content": {"application/json": {"schema": keyed[(model, "serialization")]}}}

    review_id = [{"name": "review_id", "in": "path", "required": True, "description": "The review's id (from "
                  "the 202 answer's Location header).", "schema": {"type": "string"}}]
    not_visible = "No such review visible to this key."
    decide = {"s403": "The key lacks `<bridge>:review`, or asked for the write itself.", "s404": not_visible,
              "s409": "The review is no longer pending (decided, executed or expired)."}
    common = {"tags": ["reviews"], "x-scopes": ["<bridge>:review (to decide)"]}
    return {
        "/v1/reviews": {"get": {
            "operationId": "reviews_list", "summary": "List write reviews", **common,
            "description": "Reviews the caller asked for or may decide (`<bridge>:review`), newest first; "
                           "`status` keeps those in one state.",
            "parameters": [{"name": "status", "in": "query", "required": False,
                            "description": "Only reviews in this state.",
                            "schema": {"enum": list(ReviewStatus.__args__)}}],
            "responses": {"200": answer(ReviewList, "Reviews, newest first."), **_problems(*_ANY_REQUEST)}}},
        "/v1/reviews/{review_id}": {"get": {
            "operationId": "reviews_get", "summary": "Follow a queued write", **common,
            "description": "One review and, once decided, its outcome: the write's output, or its problem.",
            "parameters": review_id,
            "responses": {"200": answer(ReviewOut, "The review."), **_problems(*_ANY_REQUEST, s404=not_visible)}}},
        "/v1/reviews/{review_id}/approve": {"post": {
            "operationId": "reviews_approve", "summary": "Approve and execute a queued write", **common,
            "description": "Approve a pending write and execute it through the bridge's guard (needs "
                           "`<bridge>:review`; nobody approves their own request). The write's own errors "
                           "(legacy system down, deadline, refused input) answer as they would for the "
                           "operation itself, and the review is then `failed` with that problem.",
            "parameters": review_id,
            "responses": {"200": answer(ReviewOut, "Executed; `result` holds the write's output."),
                          **_problems(*_ANY_REQUEST, *_LEGACY_CALL, **decide)}}},
        "/v1/reviews/{review_id}/reject": {"post": {
            "operationId": "reviews_reject", "summary": "Reject a queued write", **common,
            "description": "Reject a pending write with a reason shown to whoever asked for it (needs "
                           "`<bridge>:review`).",
            "parameters": review_id,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": keyed[(Rejection, "validation")]}}},
            "responses": {"200": answer(ReviewOut, "Rejected."),
                          **_problems(*_ANY_REQUEST, **decide, s422="No reason given, or a body that is not "
                                      "a JSON object.")}}},
    }


def _operator_paths() -> dict[str, Any]:
    """The operators' routes (see ``facade_app.operator_routes``)."""
    answer = {"type": "object", "required": ["bridge", "status"], "properties": {
        "bridge": {"type": "string", "description": "The bridge reset."},
        "status": {"const": "reset"},
        "state": {"type": "object", "description": "The bridge's state after the reset (pool, mode)."}}}
    return {"/v1/bridges/{bridge}/reset": {"post": {
        "operationId": "bridges_reset", "summary": "Reset a bridge after a refused login",
        "tags": ["operators"], "x-scopes": ["ops"],
        "description": "After its legacy system refused a sign-on or login, a bridge stops signing on (a wrong "
                       "password retried would revoke the user). Once the password or the account is fixed, "
                       "this lets it sign on again (once) and closes its breaker. Needs the `ops` scope.",
        "parameters": [{"name": "bridge", "in": "path", "required": True, "description": "The bridge instance.",
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Reset.", "content": {"application/json": {"schema": answer}}},
                      **_problems(*_ANY_REQUEST, s403="The key lacks the `ops` scope.",
                                  s404="No such bridge (told to operators only).")}}}}


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema


def _operation(op: Operation, in_schema: dict[str, Any], out_schema: dict[str, Any],
               schemas: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operationId": op.tool_name,
        "summary": op.summary,
        "description": op.description + f"\n\nEffect: **{op.effect.value}**. Scopes: `{'`, `'.join(op.scopes)}`.",
        "tags": [op.bridge],
        "x-effect": op.effect.value,
        "x-scopes": list(op.scopes),
    }
    example_in = op.examples[0].input if op.examples else None
    example_out = next((e.output for e in op.examples if e.output is not None), None)
    if op.effect is Effect.READ:
        resolved = _resolve(in_schema, schemas)
        required = set(resolved.get("required", []))
        params = []
        for name, prop in resolved.get("properties", {}).items():
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if prop.get("description"):
                param["description"] = prop["description"]
            if example_in and name in example_in:
                param["example"] = example_in[name]
            params.append(param)
        body["parameters"] = params
    else:
        media: dict[str, Any] = {"schema": in_schema}
        if example_in is not None:
            media["example"] = dict(example_in)
        body["requestBody"] = {"required": True, "content": {"application/json": media}}

    if op.streaming:
        content = {
            "application/x-ndjson": {"schema": out_schema},  # one row object per line
            "text/csv": {"schema": {"type": "string"}},
        }
        ok = {"description": "Rows, streamed (NDJSON by default, CSV with `Accept: text/csv`).", "content": content}
    else:
        media = {"schema": out_schema}
        if example_out is not None:
            media["example"] = dict(example_out)
        ok = {"description": op.summary, "content": {"application/json": media},
              "headers": {"ETag": {"schema": {"type": "string"}}} if op.effect is Effect.READ else {}}
    responses: dict[str, Any] = {"200": ok}
    if op.effect is Effect.READ and not op.streaming:
        responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)."}
    if op.effect is Effect.WRITE:
        responses["202"] = {"description": "Queued for a second person's review (review_writes, or a review "
                                           "policy); follow the Location header under /v1/reviews. Under a shadow "
                                           "policy: the shadow record instead (dry run, never executed).",
                            "headers": {"Location": {"description": "The review's URL.",
                                                     "schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {"$ref": _REF.format(model="ReviewOut")}}}}
        responses.update(_problems("409"))
    responses.update(_problems(*_ANY_REQUEST, *_LEGACY_CALL))
    body["responses"] = dict(sorted(responses.items()))
    return body
