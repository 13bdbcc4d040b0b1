"""Detail pages: a results column that links to one record's page becomes a "get one" operation.

When the first row's cell links to a page whose query carries the cell's own text
(``ticket.php?id=HD-2005-004711`` in a ``Ticket No.`` column), discovery opens that page and
plans an operation that opens it for any value and reads its label/value pairs
(:func:`~web_scrape.extract.field_pairs`: two-cell rows ``Label:`` | value, ``<dt>``/``<dd>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from web_scrape.discover import DataTable, read_tables
from web_scrape.discover_format import call_lines, literal, wrapped
from web_scrape.discover_plan import identifier, relative_path
from web_scrape.extract import field_pairs, parse_html

__all__ = ["DetailLink", "DetailPlan", "detail_lines", "detail_link", "detail_operation_lines", "plan_detail"]

_NOISE = frozenset({"no", "nr", "num", "number", "of", "the", "id", "ref", "code"})


@dataclass(frozen=True)
class DetailLink:
    """A results column whose cells link to their record's page."""

    header: str
    value: str
    """The first row's cell text, which the link's query carries."""
    url: str
    """The first row's link, absolute."""
    param: str
    """The query parameter holding the value."""


@dataclass(frozen=True)
class DetailPlan:
    """A "get one" operation: open ``path?param=value`` and read the page's labelled values."""

    op: str
    path: str
    param: str
    attr: str
    header: str
    example: str
    fields: tuple[tuple[str, str], ...]
    """(field name, the label as :func:`field_pairs` keys it: lower case, no colon)."""
    tables: tuple[tuple[str, ...], ...] = ()
    """Column headers of data tables the page also shows (left for the engineer)."""

    @property
    def class_stem(self) -> str:
        """``get_ticket`` → ``GetTicket``."""
        return "".join(part.capitalize() for part in self.op.split("_"))


def detail_link(table: DataTable, page_url: str) -> DetailLink | None:
    """The first column whose first cell links to a page of the same site with the cell's text
    as a query value, if any."""
    if not table.rows:
        return None
    for index, href in enumerate(table.links):
        value = table.rows[0][index]
        if not href or not value or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(page_url, href)
        if urlsplit(url).netloc != urlsplit(page_url).netloc:
            continue
        param = next((k for k, v in parse_qsl(urlsplit(url).query) if v == value), None)
        if param:
            return DetailLink(table.columns[index], value, url, param)
    return None


def plan_detail(link: DetailLink, html: str, base_url: str, taken: set[str]) -> DetailPlan | None:
    """The operation reading pages like ``html`` (the page ``link`` opened), or None when the
    page has no label/value pairs."""
    doc = parse_html(html)
    pairs = {label: value for label, value in field_pairs(doc).items() if label and len(label) <= 40}
    if not pairs:
        return None
    words = [w for w in re.findall(r"[a-z0-9]+", link.header.casefold()) if w not in _NOISE]
    op = identifier("get_" + "_".join(words or ["detail"]), taken, fallback="get_detail")
    names: set[str] = set()
    fields = tuple((identifier(label, names), label) for label in pairs)
    tables = tuple(t.columns for t in read_tables(doc))
    path = relative_path(link.url, base_url).split("?", 1)[0]
    return DetailPlan(op, path, link.param, identifier(link.header), link.header, link.value, fields, tables)


def detail_lines(plan: DetailPlan) -> list[str]:
    """The page declaration, models and flow of a "get one" operation."""
    stem, upper = plan.class_stem, plan.op.upper()
    lines = [f"# -- {plan.op}: the {plan.path} page a {plan.header} links to ".ljust(119, "-"), ""]
    lines += [f"{upper}_LABELS = {{", *(f"    {literal(a)}: {literal(label)}," for a, label in plan.fields), "}"]
    lines.append('"""Field → the label the page shows it under (lower case, no colon)."""')
    text = f"The {plan.header} whose page to read (the {plan.param} parameter of {plan.path})."
    lines += [
        "",
        "",
        f"class {stem}Input(BaseModel):",
        f'    """Which {plan.header} to read."""',
        "",
        '    model_config = {"extra": "forbid"}',
        "",
    ]
    lines += call_lines(
        f"    {plan.attr}: str = Field(", ["min_length=1", "max_length=200", f"description={literal(text)}"]
    )
    lines += ["", "", f"class {stem}Result(BaseModel):", f'    """The labelled values of the {plan.path} page."""', ""]
    for attr, label in plan.fields:
        description = f"What the page shows as {label!r}."
        lines += call_lines(f"    {attr}: str = Field(", [f"description={literal(description)}"])
    lines += [
        "",
        "",
        f"class {stem}Flow(Flow):",
        f'    """Open {plan.path} for one {plan.header} and read its labelled values."""',
        "",
        f"    name = {literal(plan.op)}",
        f"    input_model = {stem}Input",
        f"    output_model = {stem}Result",
        '    steps: ClassVar[tuple[str, ...]] = ("open_page", "read_page")',
        "",
        "    def open_page(self, page: FlowPage, run: FlowRun) -> None:",
    ]
    lines += call_lines(
        "        page.goto(",
        [f"{literal(plan.path + '?')} + urlencode({{{literal(plan.param)}: run.input.{plan.attr}}})"],
    )
    doc = f"The labelled values; a missing label (an unknown {plan.header} too) fails with LayoutChanged."
    if plan.tables:
        shown = "; ".join(", ".join(columns) for columns in plan.tables)
        doc += f" The page also shows a table ({shown}): read it with a TableSpec as the search does."
    docstring = wrapped(doc, "        ")
    docstring[0] = '        """' + docstring[0].lstrip()
    docstring[-1] += '"""'
    lines += [
        "",
        "    def read_page(self, page: FlowPage, run: FlowRun) -> dict[str, Any]:",
        *docstring,
        "        pairs = field_pairs(page.doc())",
        f"        missing = [label for label in {upper}_LABELS.values() if label not in pairs]",
        "        if missing:",
    ]
    lines += call_lines(
        "            raise LayoutChanged(",
        [
            f'f"layout changed: {{missing[0]!r}} not found on {plan.path}"',
            'selector=f"label={missing[0]}"',
            f"target={literal(plan.path + ' ' + plan.header)}",
        ],
    )
    lines.append(f"        return {{field: pairs[label] for field, label in {upper}_LABELS.items()}}")
    return lines


def detail_operation_lines(plan: DetailPlan) -> list[str]:
    """The bridge method of a "get one" operation."""
    stem = plan.class_stem
    summary = f"Read the {plan.path} page of one {plan.header}"
    lines = ["", "    @operation("]
    lines += call_lines("        summary=", [literal(summary)], close="", tail=",")
    lines += call_lines(
        "        examples=[Example(",
        [f"{{{literal(plan.attr)}: {literal(plan.example)}}}", f"summary={literal(f'The page of {plan.example}')}"],
        close=")]",
        tail=",",
    )
    labels = ", ".join(label for _, label in plan.fields)
    doc = wrapped(
        f"Opens {plan.path} with its {plan.param} parameter set to the {plan.header} and reads the "
        f"page's labelled values ({labels}).",
        "        ",
    )
    doc[0] = '        """' + doc[0].lstrip()
    lines += [
        "    )",
        f"    def {plan.op}(self, query: {stem}Input) -> {stem}Result:",
        *doc,
        '        """',
        f"        return self.run({stem}Flow(), query)",
    ]
    return lines
