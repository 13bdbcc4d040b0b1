"""An MCP server whose tools are the declared operations (Model Context Protocol SDK 2.x).

    bridges mcp --config bridges.toml --key-env MY_AGENT_KEY

Each operation becomes a tool named ``<bridge>_<operation>`` with the operation's input
model as its parameters. Tool annotations (read-only, destructive) are hints to the
model; the server itself enforces the key's scopes, runs each call through the same
guard, and writes the same audit events as the HTTP facade.
"""

from __future__ import annotations

import inspect
import json
import time
import uuid
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from bridges.core.errors import BridgeError
from bridges.core.operation import Effect, Operation
from bridges.core.runtime import BridgeRuntime, Runtime
from facade_app.audit import AuditLog
from facade_app.auth import Caller
from facade_app.tools import tool_description

__all__ = ["build_mcp_server"]


def build_mcp_server(runtime: Runtime, caller: Caller, audit: AuditLog | None = None) -> MCPServer:
    """An MCP server exposing the operations ``caller`` may call (others are not listed)."""
    server = MCPServer(name="legacy-bridges", instructions="Typed operations on legacy systems of record. "
                       "Tools marked destructive change the legacy system.")
    audit = audit or AuditLog(None)
    for instance, op in runtime.operations():
        if op.streaming:
            continue  # row streams are for HTTP exports, not for a model's context window
        try:
            caller.require(op)
        except BridgeError:
            continue
        server.add_tool(
            _tool(runtime.bridges[instance], op, caller, audit),
            name=op.tool_name,
            title=op.summary,
            description=tool_description(op),
            annotations=ToolAnnotations(
                read_only_hint=op.effect is Effect.READ,
                destructive_hint=op.effect is Effect.WRITE,
                idempotent_hint=op.effect is Effect.READ,
                open_world_hint=False,
            ),
            structured_output=True,
        )
    return server


def _tool(bridge: BridgeRuntime, op: Operation, caller: Caller, audit: AuditLog) -> Any:
    def call(arguments: dict[str, Any]) -> dict[str, Any]:
        started, status, outcome = time.perf_counter(), 500, "error"
        try:
            caller.require(op)  # enforced here too: annotations are only hints
            result = bridge.call(op, arguments)
            status, outcome = 200, "ok"
            return result.model_dump(mode="json")  # type: ignore[union-attr]
        except BridgeError as exc:
            status, outcome = exc.status, exc.slug
            raise ToolError(json.dumps(exc.to_problem(), ensure_ascii=False)) from None
        finally:
            audit.record(event=op.qualified_name, effect=op.effect.value, caller=caller.name,
                         request_id="mcp-" + uuid.uuid4().hex, status=status,
                         duration_ms=(time.perf_counter() - started) * 1000, inputs=arguments, outcome=outcome)

    async def tool(**arguments: Any) -> dict[str, Any]:
        given = {k: v for k, v in arguments.items() if v is not inspect.Parameter.empty}
        return await anyio.to_thread.run_sync(call, given)

    # The SDK reads a tool's parameters from its signature: give it the input model's fields.
    params = []
    for name, field in op.input_model.model_fields.items():
        default = inspect.Parameter.empty if field.is_required() else field.get_default(call_default_factory=True)
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                        annotation=Annotated[field.annotation, field]))
    tool.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    tool.__name__ = op.tool_name
    tool.__doc__ = tool_description(op)
    return tool
