"""What a page offers a bridge: its forms, data tables and pagination links, read with lxml.

``bridges discover web`` captures pages in the browser (:mod:`web_scrape.discover_capture`)
and reads them here, then writes a bridge from what it found
(:mod:`web_scrape.discover_source`). Everything here works on static HTML, so it is
tested without a browser:

    page = read_page(html, "http://host/app/search.php")
    page.forms[0].fields[0]   # FormField(name="account", label="Account no.", kind="text", ...)
    page.tables[0].columns    # ["Ticket No.", "Opened", ...]
    page.next_link            # "Next >>"

Labels come first from what a screen reader would read (``<label>``, ``aria-label``),
which Playwright's ``get_by_label`` finds too; an old page's plain text beside the field
(the cell before it in a layout table) is kept as the field's description only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml.html import HtmlElement

from web_scrape.extract import parse_html, text_of

__all__ = [
    "DataTable",
    "FormField",
    "PageForm",
    "PageReading",
    "date_format_of",
    "read_forms",
    "read_page",
    "read_pagination",
    "read_tables",
]

# Input types a bridge fills as text; others (file, image, reset, button) are left alone.
_TEXT_TYPES = frozenset({"text", "search", "email", "tel", "url", "number", "date", "password", ""})
_SEARCH_WORDS = re.compile(r"search|find|filter|query|look ?up|list|show|go\b|report", re.I)
_NEXT_TEXTS = re.compile(r"^(next\b.*|>>?|»|›|more\b.*)$", re.I)
_PREV_TEXTS = re.compile(r"^(.*\bprev(ious)?\b.*|<<?|«|‹)$", re.I)
# Date hints in a field's surrounding text, and the strftime format each one means.
_DATE_HINTS = (
    (re.compile(r"\bDD/MM/(YYYY|CCYY)\b", re.I), "%d/%m/%Y"),
    (re.compile(r"\bMM/DD/(YYYY|CCYY)\b", re.I), "%m/%d/%Y"),
    (re.compile(r"\bDD\.MM\.(YYYY|CCYY)\b", re.I), "%d.%m.%Y"),
    (re.compile(r"\bDD-MM-(YYYY|CCYY)\b", re.I), "%d-%m-%Y"),
    (re.compile(r"\b(YYYY|CCYY)-MM-DD\b", re.I), "%Y-%m-%d"),
)


@dataclass(frozen=True)
class FormField:
    """One control of a form: what the server reads (``name``) and what a user sees (``label``)."""

    name: str
    kind: str
    """``text`` (and its kin: search, email, number, date, …), ``select``, ``textarea`` or ``checkbox``."""
    label: str = ""
    """The accessible label (``<label>``, ``aria-label``): ``get_by_label`` finds the field by it."""
    caption: str = ""
    """Plain text beside the field (an old layout table's cell before it) when there is no label."""
    hint: str = ""
    """Text after the field in its cell: an example or a format, e.g. ``(DD/MM/YYYY)``."""
    required: bool = False
    max_length: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    """A select's (value, text) pairs, in page order."""
    selected: str | None = None
    """A select's preselected value (the first option when none is marked)."""

    @property
    def title(self) -> str:
        """What to call the field in prose: its label, caption, or name."""
        return self.label or self.caption or self.name


@dataclass(frozen=True)
class PageForm:
    """A form of a page: where it goes and what it asks."""

    name: str
    action: str
    """The absolute URL the form submits to."""
    method: str
    fields: tuple[FormField, ...]
    submit: str
    """The submit button's text (empty when the form has none)."""
    submit_name: str = ""
    password: FormField | None = None
    """The password field of a login form."""
    selector: str = "form"
    """CSS matching the form: by its ``name`` or ``id`` when it has one."""

    @property
    def has_password(self) -> bool:
        """A login form: it asks for a password."""
        return self.password is not None

    @property
    def looks_like_search(self) -> bool:
        """A form that only reads: method GET, or a submit button or name that says search/find/filter."""
        if self.has_password:
            return False
        return self.method == "get" or bool(_SEARCH_WORDS.search(f"{self.submit} {self.name}"))


@dataclass(frozen=True)
class DataTable:
    """A table with a header row: its column headers and some data rows' texts."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    links: tuple[str | None, ...] = ()
    """Per column, the first data row's link target (None where the cell has no link)."""


@dataclass
class PageReading:
    """Everything :func:`read_page` found on one page (or frame)."""

    url: str
    title: str
    forms: list[PageForm] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)
    next_link: str | None = None
    """The text of the link to the next page of results (None: no pagination seen)."""
    prev_link: str | None = None
    frames: list[str] = field(default_factory=list)
    """URLs of the page's frames (a frameset's pages), absolute."""


def date_format_of(hint: str) -> str | None:
    """The strftime format a hint such as ``(DD/MM/YYYY)`` names, or None."""
    for pattern, fmt in _DATE_HINTS:
        if pattern.search(hint):
            return fmt
    return None


def _label_texts(doc: HtmlElement) -> dict[str, str]:
    labels: dict[str, str] = {}
    for label in doc.iter("label"):
        target = label.get("for")
        if target:
            labels.setdefault(target, _clean_label(text_of(label)))
    return labels


def _clean_label(text: str) -> str:
    return text.strip().rstrip(":*").strip()


def _accessible_label(control: HtmlElement, labels: dict[str, str], doc: HtmlElement) -> str:
    if control.get("id") and control.get("id") in labels:
        return labels[control.get("id")]
    wrapping = next((a for a in control.iterancestors("label")), None)
    if wrapping is not None:
        own = text_of(control) if control.tag in ("select", "textarea") else ""
        return _clean_label(text_of(wrapping).replace(own, "", 1))
    if control.get("aria-label"):
        return _clean_label(control.get("aria-label"))
    ids = (control.get("aria-labelledby") or "").split()
    parts = [text_of(found[0]) for i in ids if (found := doc.xpath("//*[@id=$i]", i=i))]
    return _clean_label(" ".join(parts))


def _caption(control: HtmlElement) -> str:
    """The text before the control: its table cell's left neighbour, else text just before it."""
    cell = next((a for a in control.iterancestors("td", "th")), None)
    if cell is not None:
        before = cell.getprevious()
        if before is not None and before.tag in ("td", "th"):
            return _clean_label(text_of(before))
    previous = control.getprevious()
    text = (previous.tail if previous is not None else control.getparent().text) or ""
    return _clean_label(text)[-60:]


def _hint(control: HtmlElement) -> str:
    """Text after the control inside its table cell (an example, a date format)."""
    cell = next((a for a in control.iterancestors("td", "th")), None)
    if cell is None:
        return text_of(control.getnext()) if control.getnext() is not None else (control.tail or "").strip()
    parts, seen = [], False
    for node in cell.iter():
        if node is control:
            seen = True
            parts.append(node.tail or "")
            continue
        if seen and node.tag not in ("input", "select", "textarea", "option"):
            parts.append(node.text or "")
            if node not in control.iterancestors():
                parts.append(node.tail or "")
    return re.sub(r"\s+", " ", "".join(parts).replace("\xa0", " ")).strip()


def _max_length(control: HtmlElement) -> int | None:
    value = control.get("maxlength") or ""
    return int(value) if value.isdigit() and int(value) > 0 else None


def _field(control: HtmlElement, labels: dict[str, str], doc: HtmlElement) -> FormField | None:
    name = control.get("name") or ""
    if control.tag == "select":
        options = tuple((o.get("value", text_of(o)), text_of(o)) for o in control.iter("option"))
        chosen = [o.get("value", text_of(o)) for o in control.iter("option") if o.get("selected") is not None]
        selected = chosen[0] if chosen else (options[0][0] if options else None)
        kind = "select"
    elif control.tag == "textarea":
        options, selected, kind = (), None, "textarea"
    else:
        kind = (control.get("type") or "text").lower()
        if kind not in _TEXT_TYPES and kind != "checkbox":
            return None
        kind = kind or "text"
        options, selected = (), None
    if not name:
        return None
    return FormField(
        name=name,
        kind=kind,
        label=_accessible_label(control, labels, doc),
        caption=_caption(control),
        hint=_hint(control) if kind not in ("select", "checkbox") else "",
        required=control.get("required") is not None or control.get("aria-required") == "true",
        max_length=_max_length(control),
        options=options,
        selected=selected,
    )


def _submit_of(form: HtmlElement) -> tuple[str, str]:
    for control in form.iter("input", "button"):
        kind = (control.get("type") or ("submit" if control.tag == "button" else "text")).lower()
        if kind in ("submit", "image"):
            text = control.get("value") or control.get("alt") or text_of(control) or "Submit"
            return text.strip(), control.get("name") or ""
    return "", ""


def read_forms(doc: HtmlElement, url: str) -> list[PageForm]:
    """The forms of ``doc`` (a page at ``url``), each with its fillable fields.

    Hidden fields (CSRF tokens, state) are not listed: the page sends them itself when
    its form is submitted."""
    labels = _label_texts(doc)
    found = []
    for index, form in enumerate(doc.iter("form")):
        controls = form.xpath(".//input|.//select|.//textarea")
        fields = [f for c in controls if (f := _field(c, labels, doc)) is not None]
        submit, submit_name = _submit_of(form)
        selector = (
            f'form[name="{form.get("name")}"]'
            if form.get("name")
            else f'form[id="{form.get("id")}"]'
            if form.get("id")
            else "form"
        )
        found.append(
            PageForm(
                name=form.get("name") or form.get("id") or f"form{index + 1}",
                action=urljoin(url, form.get("action") or url),
                method=(form.get("method") or "get").lower(),
                fields=tuple(f for f in fields if f.kind != "password"),
                submit=submit,
                submit_name=submit_name,
                password=next((f for f in fields if f.kind == "password"), None),
                selector=selector,
            )
        )
    return found


def read_tables(doc: HtmlElement, *, sample_rows: int = 5) -> list[DataTable]:
    """Tables with a header row (``<th>`` cells) and at least one data row of the same width.

    Layout tables (no header cells) are skipped, and so are tables that only hold other
    tables."""
    found = []
    for table in doc.iter("table"):
        rows = table.xpath("./tr|./thead/tr|./tbody/tr")
        header_at = next((i for i, row in enumerate(rows) if row.xpath("./th")), None)
        if header_at is None:
            continue
        columns = tuple(_clean_label(text_of(cell)) for cell in rows[header_at].xpath("./th|./td"))
        data = [row.xpath("./td|./th") for row in rows[header_at + 1 :]]
        data = [cells for cells in data if len(cells) == len(columns)]
        if len(columns) < 2 or not data or not all(columns):
            continue
        links = tuple(next(iter(cell.xpath(".//a/@href")), None) for cell in data[0])
        found.append(DataTable(columns, tuple(tuple(text_of(c) for c in cells) for cells in data[:sample_rows]), links))
    return found


def read_pagination(doc: HtmlElement) -> tuple[str | None, str | None]:
    """The texts of the next-page and previous-page links (``rel`` or text: Next, >>, »…)."""
    next_text = prev_text = None
    for anchor in doc.iter("a"):
        if not anchor.get("href"):
            continue
        text, rel = text_of(anchor), (anchor.get("rel") or "").lower()
        if next_text is None and (rel == "next" or _NEXT_TEXTS.match(text)):
            next_text = text
        elif prev_text is None and (rel == "prev" or _PREV_TEXTS.match(text)):
            prev_text = text
    return next_text, prev_text


def read_page(html: str, url: str) -> PageReading:
    """Read one page's (or frame's) HTML as found at ``url``."""
    doc = parse_html(html)
    title = text_of(next(iter(doc.iter("title")), None))
    next_link, prev_link = read_pagination(doc)
    frames = [urljoin(url, f.get("src")) for f in doc.iter("frame", "iframe") if f.get("src")]
    return PageReading(
        url=url,
        title=title,
        forms=read_forms(doc, url),
        tables=read_tables(doc),
        next_link=next_link,
        prev_link=prev_link,
        frames=frames,
    )
