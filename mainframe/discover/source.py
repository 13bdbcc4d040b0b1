"""Python source of a bridge from a captured walk: screen declarations, the sign-on, one read
operation with its input and output models, and the settings — the file an engineer edits.

The source is laid out as ``ruff format`` lays it out (88 columns, its default), so the
engineer's formatter leaves it alone and ``ruff check`` finds nothing to say.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from mainframe.discover.classify import Kind, ScreenField
from mainframe.discover.screens import DiscoveredScreen, screen_of
from mainframe.discover.tables import DiscoveredTable
from mainframe.discover.walk import Capture, Typed, Walk

__all__ = ["Origin", "bridge_source", "operation_name"]

WIDTH = 88
"""ruff format's default line length."""

_SIGN_OFF = re.compile(r"(?<![A-Z0-9])(PF\d{1,2}|PA[1-3])\s*=\s*(SIGN ?OFF|LOG ?OFF|LOG ?OUT)", re.IGNORECASE)


@dataclass(frozen=True)
class Origin:
    """Where and how the walk was made: the bridge's name, the host, the sign-on user and
    code page, and the operation's name (None: ``read_`` and the read screen's name)."""

    bridge: str
    host: str
    port: int
    user: str
    code_page: str = "cp037"
    operation: str | None = None


@dataclass(frozen=True)
class _Parameter:
    capture: int  # index of the capture the value was typed on
    position: tuple[int, int]
    name: str
    value: str
    hidden: bool = False


def _q(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text, ensure_ascii=False)


def _wrap(head: str, parts: Sequence[str], tail: str, indent: int, expand: bool = False) -> list[str]:
    """``head`` + comma-separated ``parts`` + ``tail`` laid out as ruff format lays out one
    bracket pair: one line if it fits, else the parts on one indented line, else one part per
    line with a trailing comma (always so when ``expand``). A part may hold newlines (its
    further lines already indented)."""
    pad, inner = " " * indent, " " * (indent + 4)
    joined = ", ".join(parts)
    if not expand and "\n" not in joined:
        if len(pad + head + joined + tail) <= WIDTH:
            return [pad + head + joined + tail]
        if parts and len(inner + joined) <= WIDTH:
            return [pad + head, inner + joined, pad + tail]
    lines = [pad + head]
    for part in parts:
        lines += [inner + line if n == 0 else line for n, line in enumerate(part.split("\n"))]
        lines[-1] += ","
    return [*lines, pad + tail]


def _string(text: str, indent: int, used: int) -> str:
    """A string literal for a line at ``indent`` that already holds ``used`` columns; split
    into a parenthesised implicit concatenation when it does not fit."""
    if indent + used + len(_q(text)) + 1 <= WIDTH:
        return _q(text)
    pieces = textwrap.wrap(text, WIDTH - indent - 8, drop_whitespace=False, break_on_hyphens=False)
    inner = " " * (indent + 4)
    return "(\n" + "\n".join(inner + _q(p) for p in pieces) + "\n" + " " * indent + ")"


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _label(f: ScreenField) -> str:
    return re.sub(r"[\s.:=>]+$", "", f.text).strip() or f.name


# -- screens ------------------------------------------------------------------------------


def _field_line(f: ScreenField) -> str:
    args = [str(f.row), str(f.col), str(f.length)]
    if f.kind is Kind.INPUT:
        args += ["numeric=True"] * f.numeric + ["hidden=True"] * f.hidden
    kind = "InputField" if f.kind is Kind.INPUT else "OutputField"
    line = f"    {f.name} = {kind}({', '.join(args)})"
    comment = f"  # {_label(f)}" if f.text.strip() else ""
    return line + comment if len(line + comment) <= WIDTH else line


def _keys(keys: set[str]) -> str:
    order = sorted(keys, key=lambda k: (k != "Enter", k != "Clear", k[:2], int(k[2:]) if k[2:].isdigit() else 0))
    return "frozenset({" + ", ".join(_q(k) for k in order) + "})"


def _table(table: DiscoveredTable) -> list[str]:
    columns = [f"{_q(name)}: ({col}, {width})" for name, col, width, _ in table.columns]
    parts = [
        f"first_row={table.first_row}",
        f"last_row={table.last_row}",
        "\n".join(_wrap("columns={", columns, "}", 8, expand=len(", ".join(columns)) + 19 > WIDTH))[8:],
        f"key={_q(table.key)}",
    ]
    if table.next_key:
        parts.append(f"next_key={_q(table.next_key)}")
    return [
        "    # One record a row; page with next_key, and tell the last page by its message.",
        *_wrap("table = Table(", parts, ")", 4, expand=True),
    ]


def _common_fields(screens: Sequence[DiscoveredScreen]) -> list[ScreenField]:
    """Outputs every screen has at the same place under the same name, the message line first."""
    first, *rest = screens
    candidates = [f for f in (first.message, *first.fields) if f is not None and f.kind is not Kind.INPUT]
    return [
        f
        for f in candidates
        if all(any(g.name == f.name and g.position == f.position for g in (s.message, *s.fields) if g) for s in rest)
    ]


def _common_class(common: Sequence[ScreenField]) -> list[str]:
    lines = ["class _Screen(ScreenDef):", '    """What every screen of the host shows."""', ""]
    for f in common:
        if f.kind is Kind.MESSAGE:
            lines.append(f"    message = OutputField(-1, {f.col}, {f.length})  # the message line")
        else:
            lines.append(_field_line(f))
    return lines


def _screen_class(screen: DiscoveredScreen, common: set[str]) -> list[str]:
    base = "_Screen" if common else "ScreenDef"
    what = " ".join(dict.fromkeys(t for t in (screen.screen_id, screen.title) if t)).replace('"', "'")
    doc = f"The sign-on screen: {what}." if screen.sign_on else f"{what}."
    lines = [f"class {screen.name}({base}):", f'    """{doc}"""', ""]
    rules = [f"TextAt({r.row}, {r.col}, {_q(r.text)})" for r in screen.recognise]
    if len(rules) == 1:
        lines += _wrap("recognise = (", rules, ",)", 4)
    elif rules:
        lines += _wrap("recognise = (", rules, ")", 4, expand=True)
    else:
        lines.append("    recognise = ()  # no stable protected text seen: write a rule by hand")
    if screen.keys:
        lines += _wrap("keys = ", [_keys(screen.keys)], "", 4)
    if screen.message and "message" not in common:
        lines.append(f"    message = OutputField(-1, {screen.message.col}, {screen.message.length})")
    lines += [_field_line(f) for f in screen.fields if f.name not in common]
    if screen.table is not None:
        lines += _table(screen.table)
    if screen.messages and not screen.sign_on:
        lines.append("    # Messages seen in the walk (declare the host's errors as MessageRules):")
        lines += [f"    #   {m}"[:WIDTH] for m in screen.messages]
    if screen.sign_on:
        lines += [
            "    # Back on the sign-on screen with a message: refused, and never tried again.",
            *_wrap("errors = (", ['MessageRule(r"\\S", LoginRefused, "sign-on refused: {message}")'], ",)", 4),
        ]
    return lines


# -- the operation ------------------------------------------------------------------------


def _placeholder(typed: Typed) -> str:
    """The example of a non-display parameter: never what was typed."""
    return "0000" if typed.value.isdigit() else "secret"


def _parameters(walk: Walk, read: int) -> list[_Parameter]:
    """The values marked ``input``; without any, those typed just before the read screen."""
    typed = [(i, t) for i, c in enumerate(walk.captures[:read]) for t in c.typed if t.parameter]
    if not typed and read > 0:
        typed = [(read - 1, t) for t in walk.captures[read - 1].typed]
    taken: dict[str, int] = {}
    out = []
    for index, t in typed:
        count = taken[t.name] = taken.get(t.name, 0) + 1
        name = t.name if count == 1 else f"{t.name}_{count}"
        out.append(_Parameter(index, t.position, name, _placeholder(t) if t.hidden else t.value, t.hidden))
    return out


def _steps(
    walk: Walk, screens: Sequence[DiscoveredScreen], first: int, last: int, params: Sequence[_Parameter]
) -> list[str]:
    """Press each capture's key with what was typed, expecting the next capture's screen."""
    lines: list[str] = []
    by_place = {(p.capture, p.position): p.name for p in params}
    for index in range(first, last):
        capture: Capture = walk.captures[index]
        here = screen_of(screens, capture.screen).name
        there = screen_of(screens, walk.captures[index + 1].screen).name
        values = [
            f"{t.name}=query.{by_place[(index, t.position)]}{'.get_secret_value()' if t.hidden else ''}"
            if (index, t.position) in by_place
            else f"{t.name}={_q(t.value)}"
            for t in capture.typed
        ]
        args = ["terminal", _q(capture.key or "Enter"), *(["screen"] if index else []), *values]
        lines += _wrap(f"screen = {here}.press(", args, ")", 12)
        lines.append(f"            self.expect(screen, {there})")
    return lines


def _query_model(
    name: str, op: str, screens: Sequence[DiscoveredScreen], walk: Walk, params: Sequence[_Parameter]
) -> list[str]:
    lines = [
        f"class {name}(BaseModel):",
        f'    """What {op} types into the screens."""',
        "",
        '    model_config = {"extra": "forbid"}',
    ]
    for p in params:
        screen = screen_of(screens, walk.captures[p.capture].screen)
        f = next(f for f in screen.fields if f.position == p.position)
        kwargs = [f"max_length={f.length}"] + ['pattern=r"^[0-9]*$"'] * (f.numeric and not p.hidden)
        description = f"{_label(f)} on {screen.name} ({f.length} characters at most)."
        if p.hidden:
            description = f"{_label(f)} on {screen.name}: a non-display field, kept secret."
        kwargs += [f"description={_string(description, 8, len('description=') + 1)}", f"examples=[{_q(p.value)}]"]
        kind = "SecretStr" if p.hidden else "str"
        lines += ["", *_wrap(f"{p.name}: {kind} = Field(", kwargs, ")", 4, expand=True)]
    return lines


def _row_model(name: str, read: DiscoveredScreen, table: DiscoveredTable) -> list[str]:
    lines = [f"class {name}(BaseModel):", f'    """One row of {read.name}\'s table."""', ""]
    for column, col, width, heading in table.columns:
        description = f"{heading or 'The row'} (columns {col} to {col + width - 1})."
        lines += _wrap(
            f"{column}: str = Field(", [f"description={_string(description, 8, len('description=') + 1)}"], ")", 4
        )
    return lines


def _result_model(name: str, op: str, read: DiscoveredScreen, common: Sequence[ScreenField]) -> list[str]:
    lines = [f"class {name}(BaseModel):", f'    """What {op} reads off {read.name} (a blank field is null)."""', ""]
    if read.table is not None:
        description = f"The table's rows on the screen read (a row with a blank {read.table.key} is no row)."
        lines += _wrap(
            f"rows: list[{read.name}Row] = Field(",
            [f"description={_string(description, 8, len('description=') + 1)}"],
            ")",
            4,
        )
    outputs = [f for f in (*read.fields, read.message) if f is not None and f.kind is not Kind.INPUT]
    for f in outputs:
        label = "The message line" if f.kind is Kind.MESSAGE else _label(f)
        description = f"{label} (row {f.row}, column {f.col})."
        head = f"{f.name}: str | None = Field("
        lines += _wrap(head, [f"description={_string(description, 8, len('description=') + 1)}"], ")", 4)
    return lines


def operation_name(walk: Walk, screens: Sequence[DiscoveredScreen], origin: Origin) -> str:
    """The read operation's name: the one asked for, else ``read_`` and the read screen's name."""
    return origin.operation or f"read_{_snake(screen_of(screens, walk.read_capture.screen).name)}"


def _operation(
    walk: Walk, screens: Sequence[DiscoveredScreen], origin: Origin, common: Sequence[ScreenField]
) -> tuple[list[list[str]], list[str]]:
    """The two models and the decorated method of the walk's read operation."""
    read_at = walk.read if walk.read is not None else len(walk.captures) - 1
    read = screen_of(screens, walk.captures[read_at].screen)
    home = screen_of(screens, walk.captures[0].screen)
    op = operation_name(walk, screens, origin)
    query, result = f"{_camel(op)}Query", f"{_camel(op)}Result"
    params = _parameters(walk, read_at)
    models = [_query_model(query, op, screens, walk, params), _result_model(result, op, read, common)]
    if read.table is not None:
        models.insert(1, _row_model(f"{read.name}Row", read, read.table))
    route = " → ".join(dict.fromkeys(screen_of(screens, c.screen).name for c in walk.captures[: read_at + 1]))
    typing = ", ".join(p.name for p in params) or "nothing"
    description = (
        f"Walks {route} as discovered, typing {typing}, reads the output fields of {read.name}, "
        f"then returns to {home.name}."
    )
    example = "{" + ", ".join(f"{_q(p.name)}: {_q(p.value)}" for p in params) + "}"
    example_lines = _wrap(
        "Example(", [example, 'summary="The values typed when the screens were discovered"'], ")", 12, expand=True
    )
    body = [
        *_steps(walk, screens, 0, read_at, params),
        f"            {read.name}.check_errors(screen)"
        if read_at
        else "            screen = terminal.last or terminal.screen()",
        f"            data = {read.name}.read(screen)",
    ]
    if read.table is not None:
        body.append(f"            rows = {read.name}.table.rows(screen)")
    # The way home: the walk's steps after the read, up to its first return home.
    back = next(
        (i for i in range(read_at, len(walk.captures)) if screen_of(screens, walk.captures[i].screen) is home), None
    )
    body += _steps(walk, screens, read_at, back if back is not None else len(walk.captures) - 1, params)
    if back is None:
        body.append(f"            # The walk ended away from {home.name}: the pool closes this session.")
    method = [
        "    @operation(",
        f"        summary={_q('Read ' + (read.title or read.name).lower())},",
        f"        description={_string(description, 8, len('description=') + 1)},",
        "        examples=[",
        "\n".join(example_lines),
        "        ],",
        "    )",
        *_wrap(f"def {op}(", ["self", f"query: {query}"], f") -> {result}:", 4),
        "        with self.session() as terminal:",
        *body,
        f"        return {result}({'rows=rows, ' if read.table else ''}**data)",
    ]
    return models, method


# -- the module ---------------------------------------------------------------------------


def _sign_off(home: DiscoveredScreen) -> str | None:
    for capture in home.captures:
        for line in capture.lines:
            match = _SIGN_OFF.search(line)
            if match:
                return match.group(1).upper()
    return None


def _mask(text: str) -> str:
    """What a clock or date is masked with in recordings (``HH:MM:SS``, ``99/99/9999``)."""
    if re.fullmatch(r"\d\d:\d\d(:\d\d)?", text):
        return "HH:MM:SS"[: len(text)]
    return re.sub(r"\d", "9", text)


def _settings(origin: Origin, user_length: int | None) -> list[str]:
    if user_length is None:
        user_field = _wrap(
            "user: str | None = Field(", ["None", 'description="Not used: the host needs no sign-on."'], ")", 4
        )
        return [
            "class Settings(TN3270Settings):",
            '    """How to reach the host: the bridge\'s ``options``."""',
            "",
            *user_field,
        ]
    user_field = _wrap(
        "user: str = Field(",
        [_q(origin.user), "min_length=1", f"max_length={user_length}", 'description="User id of the pooled sessions."'],
        ")",
        4,
        expand=True,
    )
    return [
        "class Settings(TN3270Settings):",
        '    """How to reach the host: the bridge\'s ``options`` in the configuration."""',
        "",
        *user_field,
    ]


def _sign_on(walk: Walk, screens: Sequence[DiscoveredScreen], home: DiscoveredScreen) -> list[str]:
    """The sign-on declaration (or its absence: then the first screen is home)."""
    if walk.sign_on is None:
        return [
            "    # The host shows its screens without a sign-on: sessions start and rest here.",
            "    sign_on = None",
            f"    home_screens = ({home.name},)",
            "    required_secrets = ()",
        ]
    sign_on_screen = next(s for s in screens if s.sign_on)
    spec = [sign_on_screen.name, f"home={home.name}"]
    user, password = walk.sign_on.user_field.name, walk.sign_on.password_field.name
    if user != "user_id":
        spec.append(f"user_field={_q(user)}")
    if password != "password":
        spec.append(f"password_field={_q(password)}")
    sign_off = _sign_off(home)
    if sign_off:
        spec.append(f"sign_off={_q(sign_off)}")
    return _wrap("sign_on = SignOnSpec(", spec, ")", 4)


def _bridge(origin: Origin, screens: Sequence[DiscoveredScreen], walk: Walk, method: list[str]) -> list[str]:
    home = screen_of(screens, walk.captures[0].screen)
    volatile = {(v.row, v.col, len(v.text), _mask(v.text)) for s in screens for v in s.volatile}
    title = f"{origin.bridge} on {origin.host}:{origin.port}"
    description = (
        f"Screens of the TN3270 host at {origin.host}:{origin.port}, discovered by "
        "bridges discover tn3270; edit the declarations and operations to taste."
    )
    lines = [
        "class Bridge(TN3270Bridge):",
        f'    """The {origin.bridge} bridge: one pooled session per call."""',
        "",
        f"    name = {_q(origin.bridge)}",
        f"    title = {_q(title)}",
        f"    description = {_string(description, 4, len('description = '))}",
        "    Settings = Settings",
        *_wrap("screens = (", [s.name for s in screens], ",)" if len(screens) == 1 else ")", 4),
        *_sign_on(walk, screens, home),
    ]
    if volatile:
        parts = [f"Volatile({row}, {col}, {length}, {_q(mask)})" for row, col, length, mask in sorted(volatile)]
        lines += ["    # Clocks and dates on the screens: masked in recordings."]
        lines += _wrap("volatile = (", parts, ",)" if len(parts) == 1 else ")", 4, expand=len(parts) > 1)
    return [*lines, "", *method]


def bridge_source(walk: Walk, screens: Sequence[DiscoveredScreen], origin: Origin) -> str:
    """The whole ``bridge.py`` of a discovered bridge: class ``Bridge`` on ``TN3270Bridge``,
    settings ``Settings``, one class per screen and the read operation's models."""
    common = _common_fields(screens)
    common_names = {f.name for f in common}
    models, method = _operation(walk, screens, origin, common)
    model_names = [block[0].removeprefix("class ").split("(")[0] for block in models]
    names = ["Bridge", "Settings", *(s.name for s in screens), *model_names]
    header = [
        f'"""The {origin.bridge} bridge, discovered from the TN3270 host at {origin.host}:{origin.port}.',
        "",
        "Written by ``bridges discover tn3270`` from one walk through the host's screens: the",
        "screen declarations (fields from their 3270 attributes, recognise rules from protected",
        "text), the sign-on, and one read operation. Edit freely: name fields, add MessageRules",
        "for the host's error messages, convert outputs, add operations. Discovering again",
        "overwrites this file.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from bridges.core.errors import LoginRefused",
        "from bridges.core.operation import Example, operation",
        "from mainframe import (",
        *(
            f"    {n},"
            for n in (
                "InputField",
                "MessageRule",
                "OutputField",
                "ScreenDef",
                "SignOnSpec",
                "Table",
                "TextAt",
                "TN3270Bridge",
                "TN3270Settings",
                "Volatile",
            )
        ),
        ")",
        "from pydantic import BaseModel, Field, SecretStr",
        "",
        *_wrap("__all__ = [", [_q(n) for n in sorted(names)], "]", 0, expand=True),
    ]
    blocks = [header]
    if common:
        blocks.append(_common_class(common))
    blocks += [_screen_class(s, common_names) for s in screens]
    blocks += models
    user_length = walk.sign_on.user_field.length if walk.sign_on else None
    blocks += [_settings(origin, user_length), _bridge(origin, screens, walk, method)]
    text = "\n\n\n".join("\n".join(block) for block in blocks) + "\n"
    return _drop_unused_imports(text)


def _drop_unused_imports(text: str) -> str:
    """Leave out the ``mainframe`` names the generated code does not use (Volatile, InputField…)."""
    body = text.split("\n__all__", 1)[1]
    for name in ("InputField", "MessageRule", "ScreenDef", "SignOnSpec", "Table", "Volatile", "LoginRefused"):
        if not re.search(rf"\b{name}\b", body):
            text = text.replace(f"    {name},\n", "", 1).replace(f"from bridges.core.errors import {name}\n", "")
    if not re.search(r"\bSecretStr\b", body):
        text = text.replace("from pydantic import BaseModel, Field, SecretStr", "from pydantic import BaseModel, Field")
    return text
