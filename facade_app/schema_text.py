"""Readable types and inline code for the human docs page, from an operation's JSON Schema."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

__all__ = ["inline_code", "type_label"]

_BACKTICKS = re.compile(r"`([^`]+)`")


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**defs.get(ref.removeprefix("#/$defs/"), {}), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def type_label(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> str:
    """``string (date)``, ``one of "A", "B"``, ``array of integer``, ``string or null``… for one property."""
    defs = defs or {}
    schema = _resolve(schema, defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [type_label(s, defs) for s in schema[key]]
            return " or ".join(dict.fromkeys(p for p in parts if p))
    if "enum" in schema:
        return "one of " + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"' if isinstance(schema["const"], str) else str(schema["const"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(type_label({**schema, "type": k}, defs) for k in kind)
    if kind == "array":
        items = schema.get("items")
        return f"array of {type_label(items, defs)}" if isinstance(items, dict) else "array"
    if kind == "object" and schema.get("title") and "properties" in schema:
        return f"object ({schema['title']})"
    if kind:
        fmt = schema.get("format")
        return f"{kind} ({fmt})" if fmt else str(kind)
    return "any value"


def inline_code(text: str | None) -> Markup:
    """``text`` escaped, with Markdown's `code` spans as ``<code>`` (the descriptions use them)."""
    return Markup(_BACKTICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text or ""))))
