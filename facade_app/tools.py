"""AI-tool descriptions generated from the same declarations as the routes.

OpenAI function tools and Anthropic tools take a JSON Schema of the input; the tool
name is ``<bridge>_<operation>`` (the OpenAPI operationId). Write operations say so in
their description, and the facade enforces scopes whatever a model is told.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bridges.core.operation import Effect, Operation

__all__ = ["anthropic_tools", "openai_tools", "tool_description"]


def tool_description(op: Operation) -> str:
    """Summary, description and the effect, for a model to read."""
    warning = " This operation CHANGES the legacy system." if op.effect is Effect.WRITE else ""
    return f"{op.summary}.{warning}\n\n{op.description}".strip()


def _schema(op: Operation) -> dict[str, Any]:
    return op.input_model.model_json_schema()


def openai_tools(operations: Iterable[Operation]) -> list[dict[str, Any]]:
    """OpenAI ``tools`` entries (type ``function``)."""
    return [
        {"type": "function",
         "function": {"name": op.tool_name, "description": tool_description(op), "parameters": _schema(op)}}
        for op in operations
    ]


def anthropic_tools(operations: Iterable[Operation]) -> list[dict[str, Any]]:
    """Anthropic ``tools`` entries."""
    return [
        {"name": op.tool_name, "description": tool_description(op), "input_schema": _schema(op)}
        for op in operations
    ]
