"""A discovered database (:class:`rdbms.discover.Discovery`) → the source of a bridge module.

The module declares one :class:`~rdbms.tables.DeclaredView` per relation with a proven key and
a ``Bridge`` on :class:`~rdbms.bridge.DatabaseBridge` that serves them. Every guess is written
where the engineer will see it: a ``# suggested:`` comment above the column it concerns, the
proof of each key above its view, and the relations left out at the top with the reason.
The source is laid out as ``ruff format`` would (line length 120), so it stays clean when edited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rdbms.discover import DiscoveredColumn, DiscoveredView, Discovery

__all__ = ["bridge_source"]

_WIDTH = 120
_DEFAULT_NOTES = {
    "int": "a whole number",
    "float": "a floating-point number",
    "bool": "true or false",
    "dt.date": "a date",
    "dt.datetime": "a timestamp",
    "dt.time": "a time of day",
    "Decimal": "a decimal number",
    "str": "text",
}


def _q(value: Any) -> str:
    """A Python literal for a str, int, float, bool or None (double-quoted strings, as ruff formats them)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _call(head: str, args: list[str], indent: int, tail: str = "") -> list[str]:
    """``head(args)tail`` on one line when it fits, else one argument a line with a trailing comma."""
    pad = " " * indent
    line = f"{pad}{head}({', '.join(args)}){tail}"
    if len(line) <= _WIDTH:
        return [line]
    return [f"{pad}{head}(", *(f"{pad}    {a}," for a in args), f"{pad}){tail}"]


def _assign_text(name: str, text: str, indent: int) -> list[str]:
    """``name = "text"``, split into implicitly joined parts in parentheses when too long."""
    pad = " " * indent
    line = f"{pad}{name} = {_q(text)}"
    if len(line) <= _WIDTH:
        return [line]
    parts, part = [], ""
    for word in text.split(" "):
        if part and len(pad) + 4 + len(_q(part + " " + word)) > _WIDTH:
            parts.append(part + " ")
            part = word
        else:
            part = f"{part} {word}" if part else word
    return [f"{pad}{name} = (", *(f"{pad}    {_q(p)}" for p in [*parts, part]), f"{pad})"]


def _wrap_comment(text: str, indent: int) -> list[str]:
    pad, words, lines, line = " " * indent, text.split(), [], ""
    for word in words:
        if line and len(pad) + 2 + len(line) + 1 + len(word) > _WIDTH:
            lines.append(f"{pad}# {line}")
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, f"{pad}# {line}"] if line else lines


def _description(c: DiscoveredColumn) -> str:
    s = c.suggestion
    note = s.note or f"{_DEFAULT_NOTES.get(s.type, 'a value')}, {c.column.type_name}."
    return f"{note[0].upper()}{note[1:]}"


def _column_lines(c: DiscoveredColumn, view: DiscoveredView) -> list[str]:
    s = c.suggestion
    lines: list[str] = []
    for caveat in s.caveats:
        lines += _wrap_comment(caveat, 8)
    args = [_q(c.column.name), _q(c.field), s.type]
    padded = c.column.name in view.filters and s.char and c.column.kind == "char" and c.column.length
    if s.read or padded:
        args.append(s.read or "None")
    if padded:
        args.append(f"partial(pad_char, length={c.column.length})")
    args.append(f"description={_q(_description(c))}")
    if s.scale is not None:
        args.append(f"scale={s.scale}")
    return lines + _call("ViewColumn", args, 8, ",")


def _examples(view: DiscoveredView) -> list[tuple[dict[str, Any], str]]:
    """A narrow example first (one key value: an export tried with it stays small), then a code filter's."""
    by_field = {view.column(name).field: value for name, value in view.example.items()}
    key_field = view.column(view.key[0]).field
    examples = []
    if key_field in by_field:
        one = len(view.key) == 1
        summary = "One row, by its key" if one else f"The rows of one {key_field}"
        examples.append(({key_field: by_field[key_field], "limit": 1 if one else 5}, summary))
    others = [(f, v) for f, v in by_field.items() if f != key_field]
    if others:
        field, value = others[0]
        examples.append(({field: value, "limit": 5}, f"Rows whose {field} is {value}"))
    if not examples:
        examples.append(({"limit": 5}, "The first rows, in key order"))
    return examples


def _const(view: DiscoveredView) -> str:
    return view.name.upper().rstrip("_") + ("_VIEW" if view.name.upper() in {"BRIDGE", "SETTINGS"} else "")


def _view_lines(view: DiscoveredView) -> list[str]:
    rel = view.relation
    what = "view" if rel.is_view else "table"
    keys = ", ".join(view.key)
    lines = _wrap_comment(f"{rel.name} ({what}, {view.sampled} rows sampled): key {keys} — {view.key_proof}.", 0)
    if "not declared by the database" in view.key_proof:
        lines += _wrap_comment(
            "Caveat: nothing in the database keeps this key unique; the start-up check refuses "
            "the bridge once it is not.",
            0,
        )
    key_fields = [view.column(k).field for k in view.key]
    key = _q(key_fields[0]) if len(key_fields) == 1 else "(" + ", ".join(_q(f) for f in key_fields) + ")"
    filters = [view.column(f).field for f in view.filters]
    lines.append(f"{_const(view)} = DeclaredView(")
    lines.append(f"    name={_q(view.name)},")
    lines.append(f"    relation={_q(rel.name)},")
    lines.append(f"    title={_q(rel.name)},")
    lines.append(f"    description={_q(f'Rows of the {what} {rel.name}')},")
    lines.append(f"    key={key},")
    if filters:
        lines.append(f"    filters=({', '.join(_q(f) for f in filters)}{',' if len(filters) == 1 else ''}),")
    lines.append("    columns=(")
    for c in view.columns:
        if c.suggestion.skip:
            lines += _wrap_comment(f"{c.column.name} left out: {c.suggestion.skip}.", 8)
        else:
            lines += _column_lines(c, view)
    lines.append("    ),")
    examples = []
    for example, summary in _examples(view):
        literal = "{" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in example.items()) + "}"
        examples.append(_call("Example", [literal, f"summary={_q(summary)}"], 8, ","))
    single = f"    examples=({examples[0][0].strip()}),"
    if len(examples) == 1 and len(examples[0]) == 1 and len(single) <= _WIDTH:
        lines.append(single)
    else:
        lines += ["    examples=(", *(line for example in examples for line in example), "    ),"]
    lines.append(")")
    return lines


def _imports(views: Iterable[DiscoveredView]) -> list[str]:
    codecs: set[str] = set()
    types: set[str] = set()
    partial = False
    for view in views:
        for c in view.exposed:
            s = c.suggestion
            types.add(s.type)
            if s.read:
                codecs.add(s.read.removeprefix("partial(").split(",")[0].strip(")"))
                partial = partial or s.read.startswith("partial(")
            if c.column.name in view.filters and s.char and c.column.kind == "char" and c.column.length:
                codecs.add("pad_char")
                partial = True
    lines = ["from __future__ import annotations", ""]
    stdlib = []
    if any(t.startswith("dt.") for t in types):
        stdlib.append("import datetime as dt")
    if "Decimal" in types:
        stdlib.append("from decimal import Decimal")
    if partial:
        stdlib.append("from functools import partial")
    if stdlib:
        lines += [*stdlib, ""]
    if codecs:
        line = f"from bridges.core.codecs import {', '.join(sorted(codecs))}"
        lines += [line] if len(line) <= _WIDTH else _call("from bridges.core.codecs import ", sorted(codecs), 0)
    lines += [
        "from bridges.core.operation import Example",
        "from rdbms.bridge import DatabaseBridge, DatabaseSettings",
        "from rdbms.tables import DeclaredView, ViewColumn",
    ]
    return lines


def bridge_source(found: Discovery, name: str, *, source: str = "") -> str:
    """The bridge module for ``found``, its bridge named ``name``; ``source`` says where it was
    discovered (a connection string without secrets), for the docstring."""
    views = [v for v in found.views if v.key]
    where = f"the {found.dialect.value} database" + (f", schema {found.schema}" if found.schema else "")
    head = [
        f'"""The {name} bridge: read-only views of {where}, as `bridges discover odbc` found them.',
        "",
        "Each declared view below is served as two operations, `list_<view>` (keyset-paged) and",
        "`export_<view>` (streamed). The codecs are suggestions from the declared column types and a",
        f"sample of at most {found.sample_rows} rows per relation: check each `# suggested:` comment, rename the",
        "fields, and drop the columns and views callers do not need. Every key is proven unique again",
        "when the bridge starts.",
    ]
    if source:
        head += ["", f"Discovered from: {source}"]
    lines = [*head, '"""', "", *_imports(views), "", '__all__ = ["Bridge", "Settings"]', ""]
    left_out = [(v.relation.name, f"no usable key: {v.key_problem}") for v in found.views if not v.key]
    left_out += found.skipped
    if left_out:
        lines.append("# Not declared (add them by hand once you know how to read them):")
        for relation, why in left_out:
            lines += _wrap_comment(f"- {relation}: {why}", 0)
        lines.append("")
    lines += [
        "",
        "class Settings(DatabaseSettings):",
        f'    """Options of the {name} bridge: those of every database bridge (connection, pool, caps)."""',
        "",
        '    model_config = {"extra": "forbid"}',
        "",
    ]
    for view in views:
        lines += ["", *_view_lines(view)]
    names = ", ".join(v.relation.name for v in views) or "none yet"
    lines += [
        "",
        "",
        "class Bridge(DatabaseBridge):",
        f'    """Read-only views of {where}, normalised by their declared codecs."""',
        "",
        f"    name = {_q(name)}",
        f"    title = {_q(f'{name} database')}",
        *_assign_text("description", f"Read-only access to {where}: {names}.", 4),
        "    Settings = Settings",
    ]
    consts = [_const(v) for v in views]
    lines += _call("views = ", consts, 4) if len(consts) != 1 else [f"    views = ({consts[0]},)"]
    if views:
        lines.append("")
    for view in views:
        lines.append(f"    list_{view.name}, export_{view.name} = {_const(view)}.operations()")
    return "\n".join(lines) + "\n"
