"""Writing Python as ruff formats it (120 columns), for the sources discovery generates.

Helpers only: string literals, calls that fit or split as ruff splits them, wrapped docstring
prose, and a :class:`~web_scrape.selectors.Target` as the expression that builds it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from web_scrape.selectors import Target

__all__ = ["WIDTH", "call_lines", "literal", "target_source", "wrapped"]

WIDTH = 120
"""The line length the generated sources are written for (``[tool.ruff] line-length``)."""


def literal(value: str) -> str:
    """A Python string literal as ruff formats it: double quotes unless the text has some."""
    text = repr(value)
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


def call_lines(head: str, args: Iterable[str], *, close: str = ")", tail: str = "") -> list[str]:
    """``head`` + arguments + ``close`` on one line if it fits, else ruff's two split forms
    (the arguments on one indented line, else one a line with a trailing comma)."""
    args = list(args)
    indent = head[: len(head) - len(head.lstrip())]
    head = head.lstrip()
    joined = ", ".join(args)
    one = f"{indent}{head}{joined}{close}{tail}"
    if len(one) <= WIDTH:
        return [one]
    inner = indent + "    "
    if len(inner + joined) <= WIDTH:
        return [f"{indent}{head}", inner + joined, f"{indent}{close}{tail}"]
    return [f"{indent}{head}", *(f"{inner}{arg}," for arg in args), f"{indent}{close}{tail}"]


def wrapped(text: str, indent: str) -> list[str]:
    """Prose for a docstring, wrapped to the line length."""
    return [indent + line for line in textwrap.wrap(text, WIDTH - len(indent) - 4)]


def target_source(target: Target) -> str:
    """A ``Target(...)`` expression as source."""
    selectors = []
    for by in target.candidates:
        args = [literal(by.value)] + ([literal(by.name)] if by.name else [])
        selectors.append(f"by_{by.kind}({', '.join(args)})")
    return f"Target({', '.join([literal(target.description), *selectors])})"
