"""Writing a discovered web bridge as Python source the engineer edits.

The source is written already formatted (ruff's style, 120 columns), so ``ruff check``
and ``ruff format --check`` pass on it as generated: the engineer's first diff is their
own change. One module holds the settings, the login, each search's page declarations
(form targets, results table, next-page link), its models, its flow and the bridge class.
"""

from __future__ import annotations

import re

from web_scrape.discover_detail import detail_lines, detail_operation_lines
from web_scrape.discover_format import WIDTH, call_lines, literal, target_source, wrapped
from web_scrape.discover_plan import BridgePlan, InputField, LoginPlan, SearchPlan, login_of, target_of
from web_scrape.flow import LoginSpec
from web_scrape.login import HttpLogin
from web_scrape.selectors import Target

__all__ = ["bridge_source"]


def _login_lines(login: LoginPlan) -> list[str]:
    spec = login_of(login)
    if isinstance(spec, HttpLogin):
        return [f"LOGIN = HttpLogin({literal(spec.scheme)}, probe={literal(spec.probe)})"]
    assert isinstance(spec, LoginSpec)
    return [
        "LOGIN = LoginSpec(",
        f"    path={literal(spec.path)},",
        f"    username={target_source(spec.username)},",
        f"    password={target_source(spec.password)},",
        f"    submit={target_source(spec.submit)},",
        f"    marker={literal(spec.marker)},",
        ")",
    ]


def _field_type(item: InputField, choice_alias: str) -> tuple[str, str]:
    """(annotation, default) of an input field."""
    base = {"str": "str", "date": "date", "bool": "bool", "choice": choice_alias}[item.type]
    if item.type == "bool":
        return base, "False"
    if item.type == "choice" and item.default is not None:
        return base, literal(item.default)
    if item.optional or item.type == "choice":
        return f"{base} | None", "None"
    return base, ""


def _choices_name(plan: SearchPlan, item: InputField) -> str:
    return f"{plan.op.upper()}_{item.attr.upper()}"


def _page_lines(plan: SearchPlan) -> list[str]:
    upper = plan.op.upper()
    lines = [f"# -- {plan.op}: the {plan.form.name} form on {plan.page_path} ".ljust(WIDTH - 1, "-"), ""]
    lines.append(f"{upper}_FORM = {{")
    for item in plan.inputs:
        kind = "list" if item.type == "choice" else "check box" if item.type == "bool" else "field"
        target = target_of(f"{item.source.title} {kind}", item.source)
        lines.append(f"    {literal(item.attr)}: {target_source(target)},")
    form = plan.form
    submit = target_source(target_of(f"{form.submit} button", button=form.submit, name=form.submit_name))
    lines += [f"    {literal('submit')}: {submit},", "}"]
    for item in plan.inputs:
        if item.type == "choice":
            pairs = [f"{literal(name)}: {literal(value)}" for name, value in item.choices]
            lines += call_lines(f"{_choices_name(plan, item)} = {{", pairs, close="}")
            lines.append(f'"""The {item.source.title} options: choice → the form\'s option value."""')
    lines += [
        f"{upper}_RESULTS = TableSpec(",
        f"    {literal(plan.op.replace('_', ' ') + ' results table')},",
        "    columns={",
    ]
    lines += [f"        {literal(c.attr)}: ({literal(c.header)},)," for c in plan.columns]
    lines += ["    },", ")"]
    if plan.next_link:
        lines.append(f"{upper}_NEXT = ({literal(plan.next_link)},)")
    return lines


def _model_lines(plan: SearchPlan) -> list[str]:
    stem = plan.class_stem
    lines = [
        "",
        "",
        f"class {stem}Input(BaseModel):",
        f'    """What to search for: the fields of the {plan.form.name} form."""',
        "",
        '    model_config = {"extra": "forbid"}',
        "",
    ]
    for item in plan.inputs:
        alias = f"{stem}{''.join(p.capitalize() for p in item.attr.split('_'))}"
        annotation, default = _field_type(item, alias)
        args = [default] if default else []
        if item.type == "str" and item.source.max_length:
            args.append(f"max_length={item.source.max_length}")
        args.append(f"description={literal(item.description)}")
        lines += call_lines(f"    {item.attr}: {annotation} = Field(", args)
    if plan.next_link:
        text = f"How many result pages to read, following the {plan.next_link} link."
        lines += call_lines("    pages: int = Field(", ["1", "ge=1", "le=50", f"description={literal(text)}"])
    what = plan.op.replace("_", " ")
    lines += ["", "", f"class {stem}Row(BaseModel):", f'    """One row of the {what} results."""', ""]
    for column in plan.columns:
        annotation = column.type + (" | None" if column.optional and column.type != "str" else "")
        link = re.sub(r"=[^&#]*", "=…", column.link or "")  # the page, not the first row's values
        text = f"The {column.header} column" + (f" (it links to {link})" if link else "") + "."
        lines += call_lines(f"    {column.attr}: {annotation} = Field(", [f"description={literal(text)}"])
    lines += [
        "",
        "",
        f"class {stem}Result(BaseModel):",
        '    """The rows of the result pages read."""',
        "",
        f"    rows: list[{stem}Row] = Field(description=\"The results table's rows, in the application's order.\")",
    ]
    more = "True when a next page was left unread." if plan.next_link else "Always False: no pagination was seen."
    lines.append(f"    more: bool = Field(description={literal(more)})")
    return lines


def _choice_aliases(plan: SearchPlan) -> list[str]:
    lines = []
    for item in plan.inputs:
        if item.type == "choice":
            alias = f"{plan.class_stem}{''.join(p.capitalize() for p in item.attr.split('_'))}"
            lines += call_lines(f"{alias} = Literal[", [literal(name) for name, _ in item.choices], close="]")
    return lines


def _fill_line(plan: SearchPlan, item: InputField) -> list[str]:
    target = f'{plan.op.upper()}_FORM["{item.attr}"]'
    value = f"query.{item.attr}"
    if item.type == "bool":
        return [
            f"        box = {target}.resolve(page.page)",
            f"        box.set_checked({value}, timeout=page.timeout_ms())",
        ]
    if item.type == "choice":
        mapped = f"{_choices_name(plan, item)}[{value}]"
        if item.default is None:
            mapped += f' if {value} else ""'
        return call_lines("        page.select(", [target, mapped])
    if item.type == "date":
        formatted = f"{value}.strftime({literal(item.date_format or '%Y-%m-%d')})"
        text = f'{formatted} if {value} else ""' if item.optional else formatted
        return call_lines("        page.fill(", [target, text])
    return call_lines("        page.fill(", [target, f'{value} or ""' if item.optional else value])


def _row_lines(plan: SearchPlan) -> list[str]:
    stem = plan.class_stem
    lines = [
        "",
        "",
        f"def _{plan.op}_row(cells: dict[str, str]) -> dict[str, Any]:",
        f'    """A results row\'s cell texts as {stem}Row fields (pydantic reads the numbers)."""',
        "    return {",
    ]
    for column in plan.columns:
        cell = f'cells["{column.attr}"]'
        if column.type == "date":
            cell = f"_date({cell}, {literal(column.date_format or '%Y-%m-%d')})"
        elif column.type == "int" and column.optional:
            cell += " or None"
        lines.append(f'        "{column.attr}": {cell},')
    return [*lines, "    }"]


def _flow_lines(plan: SearchPlan) -> list[str]:
    stem, upper = plan.class_stem, plan.op.upper()
    lines = [
        "",
        "",
        f"class {stem}Flow(Flow):",
        f'    """Fill the {plan.form.name} form on {plan.page_path}, submit it and read the results."""',
        "",
        f"    name = {literal(plan.op)}",
        f"    input_model = {stem}Input",
        f"    output_model = {stem}Result",
        '    steps: ClassVar[tuple[str, ...]] = ("open_form", "fill_form", "submit", "read_results")',
        "",
        "    def open_form(self, page: FlowPage, run: FlowRun) -> None:",
        f"        page.goto({literal(plan.page_path)})",
        "",
        "    def fill_form(self, page: FlowPage, run: FlowRun) -> None:",
        f"        query: {stem}Input = run.input",
    ]
    for item in plan.inputs:
        lines += _fill_line(plan, item)
    lines += [
        "",
        "    def submit(self, page: FlowPage, run: FlowRun) -> None:",
        f'        page.submit({upper}_FORM["submit"])',
        "",
        "    def read_results(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:",
        '        """The results table\'s rows; a page without the table fails with LayoutChanged (teach it',
        '        the application\'s "nothing found" message here)."""',
        "        doc = page.doc()",
        f"        rows = {upper}_RESULTS.rows(doc) or []",
    ]
    if plan.next_link:
        lines += [
            f"        next_href = find_link(doc, {upper}_NEXT)",
            "        for _ in range(run.input.pages - 1):",
            "            if next_href is None:",
            "                break",
            "            page.goto(urljoin(page.page.url, next_href))",
            "            doc = page.doc()",
            f"            rows += {upper}_RESULTS.rows(doc) or []",
            f"            next_href = find_link(doc, {upper}_NEXT)",
            f'        return {{"rows": [_{plan.op}_row(c) for c in rows], "more": next_href is not None}}',
        ]
    else:
        lines.append(f'        return {{"rows": [_{plan.op}_row(c) for c in rows], "more": False}}')
    return lines


def _operation_lines(plan: SearchPlan) -> list[str]:
    stem = plan.class_stem
    fields = ", ".join(item.source.title for item in plan.inputs) or "no fields"
    columns = ", ".join(c.header for c in plan.columns)
    summary = f"{plan.form.submit or 'Search'} with the {plan.form.name} form of {plan.page_path}"
    example = ", ".join(f"{literal(k)}: {literal(str(v))}" for k, v in plan.example.items())
    lines = ["", "    @operation("]
    lines += call_lines("        summary=", [literal(summary)], close="", tail=",")
    lines += call_lines(
        "        examples=[Example(",
        [f"{{{example}}}", f"summary={literal(plan.example_summary)}"],
        close=")]",
        tail=",",
    )
    pages = (
        f"page by page, following the {plan.next_link} link up to ``pages`` pages."
        if plan.next_link
        else "of the one page the form shows."
    )
    text = (
        f"Fills the {plan.form.name} form of {plan.page_path} ({fields}) and submits it with its "
        f"{plan.form.submit or 'submit'} button, then reads the results table ({columns}) {pages}"
    )
    doc = wrapped(text, "        ")
    doc[0] = '        """' + doc[0].lstrip()
    lines += [
        "    )",
        f"    def {plan.op}(self, query: {stem}Input) -> {stem}Result:",
        *doc,
        '        """',
        f"        return self.run({stem}Flow(), query)",
    ]
    return lines


def _targets(plan: BridgePlan) -> list[Target]:
    """Every target the module declares (to import just the selector kinds it uses)."""
    spec = login_of(plan.login)
    found = [spec.username, spec.password, spec.submit] if isinstance(spec, LoginSpec) else []
    for search in plan.searches:
        found += [target_of("", item.source) for item in search.inputs]
        found.append(target_of("", button=search.form.submit, name=search.form.submit_name))
    return found


def _imports(plan: BridgePlan) -> list[str]:
    inputs = [item for search in plan.searches for item in search.inputs]
    columns = [c for search in plan.searches for c in search.columns]
    paged = any(s.next_link for s in plan.searches)
    flows = bool(plan.searches or plan.details)
    datetime_names = sorted(
        {"date" for item in inputs if item.type == "date"}
        | ({"date", "datetime"} if any(c.type == "date" for c in columns) else set())
    )
    typing_names = (["Any", "ClassVar"] if flows else []) + (
        ["Literal"] if any(i.type == "choice" for i in inputs) else []
    )
    web = {"WebBridge", "WebSettings"}
    web |= {"Flow", "FlowPage", "FlowRun"} if flows else set()
    web |= {"TableSpec"} if plan.searches else set()
    web |= {"field_pairs"} if plan.details else set()
    web |= {"find_link"} if paged else set()
    web |= {"HttpLogin"} if plan.login.kind in ("basic", "digest") else set()
    web |= {"LoginSpec"} if plan.login.kind == "form" else set()
    targets = _targets(plan)
    web |= {"Target"} if targets else set()
    web |= {f"by_{by.kind}" for target in targets for by in target.candidates}
    parse_names = (["urlencode"] if plan.details else []) + (["urljoin"] if paged else [])
    lines = ["from __future__ import annotations", ""]
    if datetime_names:
        lines.append(f"from datetime import {', '.join(datetime_names)}")
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
    if parse_names:
        lines.append(f"from urllib.parse import {', '.join(parse_names)}")
    if len(lines) > 2:
        lines.append("")
    # In the bridge's own package, legacy-bridges is a third-party distribution like pydantic:
    # one import block, as ruff's isort sorts it there.
    if plan.details:
        lines.append("from bridges.core.errors import LayoutChanged")
    if flows:
        lines.append("from bridges.core.operation import Example, operation")
    lines.append(f"from pydantic import {'BaseModel, Field' if flows else 'Field'}")
    names = sorted(web, key=lambda n: (not n[0].isupper(), n))  # isort: classes first, then functions
    one = f"from web_scrape import {', '.join(names)}"
    return (
        [*lines, one] if len(one) <= WIDTH else [*lines, "from web_scrape import (", *(f"    {n}," for n in names), ")"]
    )


def bridge_source(plan: BridgePlan) -> str:
    """The Python module of the discovered bridge: class ``Bridge`` and its ``Settings``."""
    pages = ", ".join(plan.pages) or "its start page"
    lines = [f'"""The {plan.name} bridge: {plan.title}, read through a headless browser.', ""]
    lines += wrapped(
        f"Written by ``bridges discover web`` from the pages it saw at {plan.base_url} ({pages}); "
        "edit it freely. Check the row fields' types (guessed from the values seen), what a results "
        "page shows when nothing matches, and each example (taken from the application).",
        "",
    )
    lines[-1] += '"""'
    lines.append("")
    lines += _imports(plan)
    lines += ["", '__all__ = ["Bridge", "Settings"]']
    lines += [
        "",
        "",
        "class Settings(WebSettings):",
        '    """The bridge\'s ``options`` (the password is a secret, not an option)."""',
        "",
    ]
    lines += call_lines(
        "    base_url: str = Field(",
        [literal(plan.base_url), 'pattern=r"^https?://"', 'description="The application\'s base URL."'],
    )
    lines += call_lines(
        "    user: str = Field(",
        [literal(plan.user), "min_length=1", "max_length=64", 'description="The user the bridge logs in as."'],
    )
    if plan.login.kind != "none":
        lines += ["", "", *_login_lines(plan.login)]
    for search in plan.searches:
        lines += ["", "", *_page_lines(search)]
        aliases = _choice_aliases(search)
        lines += [*aliases] if aliases else []
        lines += _model_lines(search)
    if any(c.type == "date" for s in plan.searches for c in s.columns):
        lines += [
            "",
            "",
            "def _date(text: str, fmt: str) -> date | None:",
            '    """A date as the application writes it (``fmt``); None for an empty cell."""',
            "    return datetime.strptime(text, fmt).date() if text else None",
        ]
    for search in plan.searches:
        lines += _row_lines(search)
        lines += _flow_lines(search)
    for detail in plan.details:
        lines += ["", "", *detail_lines(detail)]
    lines += [
        "",
        "",
        "class Bridge(WebBridge):",
        f'    """{plan.title} through a headless browser; the web_scrape base owns the browser, the login,',
        '    cassettes, ping, status and close."""',
        "",
        f"    name = {literal(plan.name)}",
        f"    title = {literal(plan.title)}",
    ]
    lines.append(f"    description = {literal(plan.title + ', read through headless Chromium.')}")
    lines.append("    Settings = Settings")
    if plan.login.kind == "form" or plan.login.kind in ("basic", "digest"):
        lines.append("    login = LOGIN")
    else:
        lines.append("    required_secrets = ()")
    for search in plan.searches:
        lines += _operation_lines(search)
    for detail in plan.details:
        lines += detail_operation_lines(detail)
    return "\n".join(lines) + "\n"
