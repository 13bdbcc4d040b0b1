"""Extraction from ``page.content()`` with lxml: one parse instead of a locator per cell.

Tables are found by their header texts, not by position or markup, so added columns,
reordered columns or new attributes still map each value to the right field; a table
whose headers no longer match fails with :class:`LayoutChanged` — never wrong data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement

from bridges.core.errors import LayoutChanged

__all__ = ["TableSpec", "field_pairs", "find_link", "parse_html", "text_of"]

_SPACES = re.compile(r"\s+")


def parse_html(html: str) -> HtmlElement:
    """Parse a page's HTML (as ``page.content()`` returns it)."""
    return lxml.html.document_fromstring(html or "<html></html>")


def text_of(element: HtmlElement | None, *, keep_lines: bool = False) -> str:
    """An element's visible text, whitespace collapsed and trimmed (non-breaking spaces too);
    with ``keep_lines``, ``<br>`` breaks become newlines and each line is trimmed."""
    if element is None:
        return ""
    if not keep_lines:
        return _SPACES.sub(" ", element.text_content().replace("\xa0", " ")).strip()
    copy = deepcopy(element)  # mark line breaks without touching the caller's tree
    for br in copy.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = copy.text_content().replace("\xa0", " ").split("\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in lines).strip()


def _label(text: str) -> str:
    return text.rstrip(":").strip().casefold()


@dataclass(frozen=True)
class TableSpec:
    """A data table known by its column headers.

    ``columns`` maps each output field to the header texts that may name it (first is the
    current one; later ones are known older/newer spellings). ``required`` fields must all
    be present for a table to match.
    """

    description: str
    columns: Mapping[str, Sequence[str]]
    required: Sequence[str] = ()

    def rows(self, doc: HtmlElement, *, missing_ok: bool = False) -> list[dict[str, str]] | None:
        """Every data row of the first table whose headers match, as field → text.

        Raises :class:`LayoutChanged` when no table in ``doc`` has the required headers
        (or returns None, with ``missing_ok``)."""
        required = tuple(self.required) or tuple(self.columns)
        for table in doc.iter("table"):
            rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
            header_index = next((i for i, r in enumerate(rows) if r.xpath("./th")), None)
            if header_index is None:
                continue
            headers = [_label(text_of(cell)) for cell in rows[header_index].xpath("./th|./td")]
            positions: dict[str, int] = {}
            for field, names in self.columns.items():
                for name in names:
                    if _label(name) in headers:
                        positions[field] = headers.index(_label(name))
                        break
            if not all(field in positions for field in required):
                continue
            result = []
            for row in rows[header_index + 1:]:
                cells = row.xpath("./td|./th")
                if len(cells) != len(headers):
                    continue  # a spanning "no results" / footer row, not data
                result.append({field: text_of(cells[pos]) for field, pos in positions.items()})
            return result
        if missing_ok:
            return None
        expected = ", ".join(f"{names[0]!r}" for names in self.columns.values())
        raise LayoutChanged(f"layout changed: {self.description} not found (no table with headers {expected})",
                            selector=f"table[headers={expected}]", target=self.description)


def field_pairs(doc: HtmlElement) -> dict[str, str]:
    """Label → value pairs of a detail page: two-cell table rows (``Label:`` | value) and
    ``<dt>``/``<dd>`` lists. Labels are lower-cased and stripped of their colon."""
    pairs: dict[str, str] = {}
    for row in doc.iter("tr"):
        cells = row.xpath("./th|./td")
        if len(cells) == 2 and not cells[0].xpath(".//table"):
            pairs.setdefault(_label(text_of(cells[0])), text_of(cells[1]))
    for dt in doc.iter("dt"):
        dd = dt.getnext()
        if dd is not None and dd.tag == "dd":
            pairs.setdefault(_label(text_of(dt)), text_of(dd))
    return pairs


def find_link(doc: HtmlElement, texts: Sequence[str]) -> str | None:
    """The ``href`` of the first link whose text (or ``rel``) is one of ``texts``."""
    wanted = {_label(t) for t in texts}
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if href and (_label(text_of(anchor)) in wanted or _label(anchor.get("rel") or "") in wanted):
            return href
    return None
