"""The conformance checks every bridge passes, the project's own and out-of-tree ones alike.

    from bridges.core.conformance import assert_conformant

    def test_my_bridge_is_conformant():
        assert_conformant(MyBridge)

A bridge conforms when it has a title and operations, and every operation has a summary,
a description, examples whose inputs (and outputs, when given) validate against its
models, an output model with fields, and a description on every field of its input and
output models (nested models included): the facade turns these into the OpenAPI
document and the AI tools' JSON, where a missing word leaves a caller guessing.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from bridges.core.operation import Bridge, Operation

__all__ = ["MIN_DESCRIPTION", "assert_conformant", "check_bridge", "check_operation"]

MIN_DESCRIPTION = 20
"""An operation's description is at least this many characters: a sentence, not a label."""


def check_bridge(bridge_class: type[Bridge]) -> list[str]:
    """What ``bridge_class`` lacks, one line per problem; an empty list when it conforms."""
    if not (isinstance(bridge_class, type) and issubclass(bridge_class, Bridge)):
        return [f"{bridge_class!r} is not a Bridge subclass"]
    name = getattr(bridge_class, "name", bridge_class.__name__)
    problems = []
    if not (bridge_class.title or "").strip():
        problems.append(f"bridge {name}: no title")
    if not bridge_class.operations:
        problems.append(f"bridge {name}: no operations")
    for op in bridge_class.operations.values():
        problems += check_operation(op)
    return problems


def check_operation(op: Operation) -> list[str]:
    """What one declared operation lacks (see the module docstring)."""
    where = op.qualified_name
    problems = []
    if not op.summary.strip():
        problems.append(f"{where}: no summary")
    if len(op.description.strip()) < MIN_DESCRIPTION:
        problems.append(f"{where}: no description (a docstring or description= of {MIN_DESCRIPTION}+ characters)")
    if not op.examples:
        problems.append(f"{where}: no examples")
    for number, example in enumerate(op.examples, 1):
        try:
            op.input_model.model_validate(dict(example.input))
        except ValidationError as exc:
            problems.append(f"{where}: example {number}'s input is not valid: {_first_error(exc)}")
        if example.output is not None:
            try:
                op.output_model.model_validate(dict(example.output))
            except ValidationError as exc:
                problems.append(f"{where}: example {number}'s output is not valid: {_first_error(exc)}")
    if not op.output_model.model_fields:
        problems.append(f"{where}: the output model {op.output_model.__name__} has no fields")
    problems += [f"{where}: input {p}" for p in _undescribed(op.input_model)]
    problems += [f"{where}: output {p}" for p in _undescribed(op.output_model)]
    return problems


def assert_conformant(bridge_class: type[Bridge]) -> None:
    """Raise :class:`AssertionError` listing every problem :func:`check_bridge` finds."""
    problems = check_bridge(bridge_class)
    if problems:
        raise AssertionError(f"{len(problems)} conformance problem(s):\n  " + "\n  ".join(problems))


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_input=False, include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"


def _undescribed(model: type[BaseModel], prefix: str = "", seen: set[type] | None = None) -> list[str]:
    """Fields of ``model`` and of the models nested in it that have no description."""
    seen = seen if seen is not None else set()
    if model in seen:
        return []
    seen.add(model)
    found = []
    for field, info in model.model_fields.items():
        path = f"{prefix}{field}"
        if not (info.description or "").strip():
            found.append(f"field {path!r} of {model.__name__} has no description")
        for nested in _models_in(info.annotation):
            found += _undescribed(nested, f"{path}.", seen)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation names (``Model``, ``list[Model]``, ``Model | None`` …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is None and not isinstance(annotation, types.UnionType):
        return []
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
