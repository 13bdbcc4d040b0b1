"""An MCP server whose tools are the declared operations (Model Context Protocol SDK 2.x).

    bridges mcp --config bridges.toml --key-env MY_AGENT_KEY

Each operation becomes a tool named ``<bridge>_<operation>`` whose input schema is the
operation's input model. Tool annotations (read-only, destructive) are hints to the
model; every call is the MCP adapter of :class:`facade_app.pipeline.Pipeline`, so it
runs the same rules as HTTP: the key's scopes and budget, validation by the operation's
own model, the write's policy (review for bridges with ``review_writes`` or by a rule; a queued write answers
the pending review, and nothing runs until a second person approves it over HTTP), the
guard, one audit line per call — failed and refused ones included. Errors are the
problem+json of HTTP, never echoing an input value.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.types import ToolAnnotations
from pydantic import ConfigDict

from bridges.core.errors import BridgeError
from bridges.core.operation import Effect, Operation
from facade_app.auth import Caller
from facade_app.pipeline import Attempt, Pipeline
from facade_app.tools import tool_description

__all__ = ["build_mcp_server"]


class _RawArguments(ArgModelBase):
    """Takes the arguments as given: the operation's own model validates them in the
    pipeline (the SDK's own validation would echo rejected values in its message)."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        """Every argument, under one keyword."""
        return {"arguments": dict(self.model_extra or {})}


def build_mcp_server(pipeline: Pipeline, caller: Caller) -> MCPServer:
    """An MCP server exposing the operations ``caller`` may call (others are not listed)."""
    tools = []
    for instance, op in pipeline.runtime.operations():
        if op.streaming:
            continue  # row streams are for HTTP exports, not for a model's context window
        try:
            caller.require(op)
        except BridgeError:
            continue
        tools.append(_tool(pipeline, instance, op, caller))
    return MCPServer(name="legacy-bridges", tools=tools,
                     instructions="Typed operations on legacy systems of record. Tools marked destructive change "
                                  "the legacy system; on bridges that review writes they queue the change for a "
                                  "second person's approval and answer the pending review.")


def _tool(pipeline: Pipeline, instance: str, op: Operation, caller: Caller) -> Tool:
    description = tool_description(op)
    if pipeline.policies.may_review(instance, op):
        description += (" On this server the change may be queued for a second person's approval: the answer "
                        "is then the review (status pending), not the change.")
    if pipeline.policies.may_shadow(instance, op):
        description += (" On this server the change may be shadowed: checked by a dry run and recorded for "
                        "comparison with what a person does, never executed; the answer is then the shadow record.")

    def call(arguments: dict[str, Any]) -> dict[str, Any]:
        attempt = Attempt(caller=caller, request_id="mcp-" + uuid.uuid4().hex, client="mcp")
        outcome = pipeline.call(attempt, instance, op, lambda: arguments)
        if outcome.error is not None:
            problem = {**outcome.error.to_problem(), "request_id": attempt.request_id}
            if outcome.error.retry_after is not None:  # what HTTP says in its Retry-After header
                problem["retry_after"] = max(1, math.ceil(outcome.error.retry_after))
            raise ToolError(json.dumps(problem, ensure_ascii=False))
        if outcome.review is not None:
            return outcome.review.public()
        if outcome.shadow is not None:
            return outcome.shadow.public()
        return outcome.result.model_dump(mode="json")  # type: ignore[union-attr]

    async def run(arguments: dict[str, Any]) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(call, arguments)

    tool = Tool.from_function(
        run, name=op.tool_name, title=op.summary, description=description, structured_output=True,
        annotations=ToolAnnotations(
            read_only_hint=op.effect is Effect.READ,
            destructive_hint=op.effect is Effect.WRITE,
            idempotent_hint=op.effect is Effect.READ,
            open_world_hint=False,
        ),
    )
    # Advertise the operation's input model; accept the arguments as given (see _RawArguments).
    metadata = tool.fn_metadata.model_copy(update={"arg_model": _RawArguments})
    return tool.model_copy(update={"parameters": op.input_model.model_json_schema(by_alias=True),
                                   "fn_metadata": metadata})
