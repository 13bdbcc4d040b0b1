"""From what discovery saw to what the bridge will declare: names, types, examples.

A :class:`SearchPlan` turns a search form and the results table its submission showed
into an operation: the form's fields become the input model (a select's options become
named choices, a field hinted ``(DD/MM/YYYY)`` a date), the table's columns the row model
(typed by the values seen), and a value seen in the table the example. A
:class:`LoginPlan` is the login to declare. :mod:`web_scrape.discover_source` writes
them out as Python.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from web_scrape.discover import DataTable, FormField, PageForm, date_format_of
from web_scrape.flow import LoginSpec
from web_scrape.login import HttpLogin
from web_scrape.selectors import Target, by_label, by_name, by_role

if TYPE_CHECKING:
    from web_scrape.discover_detail import DetailPlan

__all__ = [
    "BridgePlan",
    "Column",
    "InputField",
    "LoginPlan",
    "SearchPlan",
    "identifier",
    "plan_search",
    "relative_path",
    "target_of",
]

_RESERVED = frozenset(dir(BaseModel)) | {"self", "query", "page", "run"}
_ISO = "%Y-%m-%d"
_NUMBER = re.compile(r"^-?(0|[1-9]\d{0,17})$")
_EXAMPLE_HINT = re.compile(r"\be\.?g\.?\s*:?\s*(\S+)", re.I)
_NOISE_WORDS = frozenset({"no", "nr", "num", "number", "of", "the", "a", "code", "id"})


def identifier(text: str, taken: set[str] | None = None, *, fallback: str = "field") -> str:
    """A snake_case Python name for ``text`` (``Account no.:`` → ``account_no``), not a keyword,
    not a pydantic attribute, and not one of ``taken`` (which it joins)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^0-9a-z]+", "_", ascii_text.casefold().replace("'", "")).strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith("model_"):
        name += "_value" if name.startswith("model_") else "_"
    base, number = name, 2
    while taken is not None and name in taken:
        name, number = f"{base}_{number}", number + 1
    if taken is not None:
        taken.add(name)
    return name


def relative_path(url: str, base_url: str) -> str:
    """``url`` as a path relative to the application's base URL (absolute when outside it)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    if url.startswith(base):
        return url[len(base) :]
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def target_of(description: str, field: FormField | None = None, *, button: str = "", name: str = "") -> Target:
    """The selectors of a form control that survive markup changes, best first: a button's
    role and text, a field's label, then the ``name`` the server reads."""
    selectors = []
    if button:
        selectors.append(by_role("button", button))
    if field is not None and field.label:
        selectors.append(by_label(field.label))
    if field is not None and field.name:
        selectors.append(by_name(field.name))
    elif name:
        selectors.append(by_name(name))
    return Target(description, *selectors)


@dataclass(frozen=True)
class InputField:
    """One input of a search operation and the form field it fills."""

    attr: str
    source: FormField
    type: str
    """``str``, ``date``, ``bool`` or ``choice`` (a select: named choices)."""
    date_format: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    """(name in the API, option value in the form) for a select, "no filter" options left out."""
    optional: bool = True
    default: str | None = None
    """A select's default choice name (None: no filter)."""

    @property
    def description(self) -> str:
        """The field description: its label and the hint beside it."""
        text = self.source.title
        if self.type == "date":
            text += " (ISO 8601; the form takes " + _format_words(self.date_format or _ISO) + ")"
        elif self.type == "choice":
            text += " (one of the form's options, named after their texts)"
        elif self.source.hint:
            text += f" ({self.source.hint})"
        return text.rstrip(".") + "."


@dataclass(frozen=True)
class Column:
    """One column of a results table and the row field it fills."""

    attr: str
    header: str
    type: Literal["str", "int", "date"] = "str"
    date_format: str | None = None
    optional: bool = False
    link: str | None = None
    """Where the first row's cell links to (a detail page, worth an operation of its own)."""


@dataclass(frozen=True)
class SearchPlan:
    """A search operation: fill a form, submit it, read the results table page by page."""

    op: str
    page_path: str
    """The page showing the form, relative to the base URL."""
    page_title: str
    form: PageForm
    inputs: tuple[InputField, ...]
    columns: tuple[Column, ...]
    next_link: str | None
    example: dict[str, Any]
    example_summary: str

    @property
    def class_stem(self) -> str:
        """``search_tickets`` → ``SearchTickets``, the prefix of its models and flow."""
        return "".join(part.capitalize() for part in self.op.split("_"))


@dataclass(frozen=True)
class LoginPlan:
    """How the bridge logs in: ``form`` (a login form at ``path``), ``basic``, ``digest`` or ``none``."""

    kind: Literal["form", "basic", "digest", "none"]
    path: str = ""
    """The login page (form) or the probe page (HTTP authentication), relative to the base URL."""
    form: PageForm | None = None


@dataclass
class BridgePlan:
    """Everything the generated bridge declares."""

    name: str
    title: str
    base_url: str
    user: str
    login: LoginPlan
    searches: list[SearchPlan] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    """The pages discovery visited, relative to the base URL (named in the module docstring)."""
    details: list[DetailPlan] = field(default_factory=list)
    """"Get one" operations: the pages a results column links to."""

    @property
    def operations(self) -> list[str]:
        """The names of the operations the bridge will declare."""
        return [s.op for s in self.searches] + [d.op for d in self.details]


def _format_words(fmt: str) -> str:
    return fmt.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY")


def _choice_name(label: str, value: str, taken: set[str]) -> str:
    return identifier(label if re.search(r"[A-Za-z0-9]", label) else value, taken, fallback="choice")


def _input(source: FormField, taken: set[str]) -> InputField | None:
    attr = identifier(source.label or source.caption or source.name, taken)
    if source.kind == "checkbox":
        return InputField(attr, source, "bool", optional=False)
    if source.kind == "select":
        names: set[str] = set()
        choices = tuple((_choice_name(text, value, names), value) for value, text in source.options if value)
        if not choices:
            return None
        no_filter = any(not value for value, _ in source.options)
        default = None if no_filter or not source.selected else dict((v, n) for n, v in choices).get(source.selected)
        return InputField(attr, source, "choice", choices=choices, default=default)
    fmt = _ISO if source.kind == "date" else date_format_of(source.hint)
    if fmt:
        return InputField(attr, source, "date", date_format=fmt, optional=not source.required)
    return InputField(attr, source, "str", optional=not source.required)


def _column_type(values: list[str], formats: list[str]) -> tuple[str, str | None]:
    filled = [v for v in values if v]
    if not filled:
        return "str", None
    if all(_NUMBER.match(v) for v in filled):
        return "int", None
    for fmt in formats:
        try:
            for value in filled:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        return "date", fmt
    return "str", None


def _columns(table: DataTable, formats: list[str]) -> tuple[Column, ...]:
    taken: set[str] = set()
    columns = []
    for index, header in enumerate(table.columns):
        values = [row[index] for row in table.rows]
        kind, fmt = _column_type(values, formats)
        link = table.links[index] if index < len(table.links) else None
        columns.append(
            Column(
                identifier(header, taken),
                header,
                kind,
                fmt,  # type: ignore[arg-type]
                optional=any(not v for v in values),
                link=link,
            )
        )
    return tuple(columns)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _NOISE_WORDS}


def _example(
    inputs: tuple[InputField, ...],
    columns: tuple[Column, ...],
    table: DataTable,
) -> tuple[dict[str, Any], str]:
    """An example input from a value seen in the results (the first row), else from a
    field's ``e.g.`` hint, else none (every field optional)."""
    for item in inputs:
        if item.type != "str":
            continue
        wanted = _words(f"{item.source.title} {item.source.name}")
        for index, column in enumerate(columns):
            value = table.rows[0][index] if table.rows else ""
            fits = not item.source.max_length or len(value) <= item.source.max_length
            if value and fits and wanted & _words(column.header):
                return {item.attr: value}, f"Rows whose {column.header} is {value}"
    for item in inputs:
        hinted = _EXAMPLE_HINT.search(item.source.hint) if item.type == "str" else None
        if hinted:
            return {item.attr: hinted.group(1)}, f"Rows for {item.source.title} {hinted.group(1)}"
    required = [item for item in inputs if not item.optional and item.type != "bool"]
    if required:
        raise ValueError(f"no example value seen for the required field {required[0].source.title!r}")
    return {}, "The first page of every row"


def plan_search(
    op: str, form: PageForm, page_path: str, page_title: str, results: DataTable, next_link: str | None
) -> SearchPlan:
    """The search operation for ``form`` (shown at ``page_path``) whose submission showed ``results``."""
    taken: set[str] = {"pages"} if next_link else set()
    inputs = tuple(item for f in form.fields if (item := _input(f, taken)) is not None)
    formats = [item.date_format for item in inputs if item.date_format] + [_ISO, "%d.%m.%Y"]
    columns = _columns(results, list(dict.fromkeys(formats)))
    example, summary = _example(inputs, columns, results)
    return SearchPlan(op, page_path, page_title, form, inputs, columns, next_link, example, summary)


def login_of(plan: LoginPlan) -> LoginSpec | HttpLogin | None:
    """The port's login for ``plan`` (the same declaration the generated source writes)."""
    if plan.kind in ("basic", "digest"):
        return HttpLogin(plan.kind, probe=plan.path)  # type: ignore[arg-type]
    if plan.kind == "none" or plan.form is None or plan.form.password is None:
        return None
    form = plan.form
    user_field = next((f for f in form.fields if f.kind in ("text", "email")), None)
    return LoginSpec(
        path=plan.path,
        username=target_of(f"{user_field.title if user_field else 'Username'} field", user_field),
        password=target_of(f"{form.password.title} field", form.password),
        submit=target_of(f"{form.submit} button", button=form.submit, name=form.submit_name),
        marker=f"{form.selector} input[type=password]",
    )
