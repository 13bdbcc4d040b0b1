"""Every README promise names its test, and every test the README names exists.

A promise is a paragraph, list item or table row (outside code blocks) that says "a test…",
"tests prove…" or "never…". It must carry a reference such as
``(test: tests/x/test_y.py::test_z)`` or ``(tests: a::b, c::d)``; each reference must name a
test function that is in that file (parametrised ids and classes allowed)."""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROMISE = re.compile(r"\b(a test|tests prove|never)\b", re.IGNORECASE)
REFERENCE = re.compile(r"\btests?:\s*((?:tests/[\w/.\-]+\.py::[\w:\[\]\-]+(?:[^,;)]*)?(?:,\s*)?)+)")
NODE = re.compile(r"(tests/[\w/.\-]+\.py)((?:::\w+)+)")


def _blocks(text: str) -> list[str]:
    """Paragraphs, list items and table rows of ``text``, code blocks left out."""
    blocks, current, in_code = [], [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            current = _flush(blocks, current)
            continue
        if in_code:
            continue
        if not line.strip() or line.startswith(("- ", "|", "#")):
            current = _flush(blocks, current)
        if line.strip():
            current.append(line)
        if line.startswith(("|", "#")):
            current = _flush(blocks, current)
    _flush(blocks, current)
    return blocks


def _flush(blocks: list[str], current: list[str]) -> list[str]:
    if current:
        blocks.append(" ".join(s.strip() for s in current))
    return []


def _references(text: str) -> list[str]:
    return [m.group(1) + m.group(2) for m in NODE.finditer(" ".join(r.group(0) for r in REFERENCE.finditer(text)))]


@cache
def _tests_in(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef))
    return names


def test_every_promise_names_a_test():
    unbacked = [b for b in _blocks(README) if PROMISE.search(b) and not _references(b)]
    assert not unbacked, "README promises without a named test (add '(test: tests/…::test_…)'):\n" + "\n".join(
        b[:160] for b in unbacked)


def test_every_named_test_exists():
    named = _references(README)
    assert len(named) >= 20, named  # the parser finds the references at all
    missing = []
    for ref in named:
        path, _, name = ref.partition("::")
        if not (ROOT / path).is_file() or name not in _tests_in(path):
            missing.append(ref)
    assert not missing, f"README names tests that do not exist: {missing}"


def test_the_parser_finds_promises_and_references():
    text = ("Intro.\n\nA test fails when x (test: tests/test_layers.py::test_no_import_cycles).\n\n"
            "- it never happens\n- fine\n\n```python\n# never in code\n```\n")
    blocks = _blocks(text)
    assert [b for b in blocks if PROMISE.search(b)] == [blocks[1], blocks[2]]
    assert _references(blocks[1]) == ["tests/test_layers.py::test_no_import_cycles"]
    assert _references(blocks[2]) == []
    assert _references("(tests: tests/a.py::test_b on each database, tests/c.py::K::test_d)") == [
        "tests/a.py::test_b", "tests/c.py::K::test_d"]


def test_record_helpers_are_deselected_by_default():
    """Re-recording helpers (marker ``record``) never run in the suite: addopts deselects them."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    args = shlex.split(options["addopts"])
    assert args[args.index("-m") + 1] == "not record"
    assert any(m.startswith("record:") for m in options["markers"])
