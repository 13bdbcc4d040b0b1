"""lxml extraction: tables by header text, label/value pairs, links, text normalisation."""

from __future__ import annotations

import pytest

from bridges.core.errors import LayoutChanged
from web_scrape import TableSpec, field_pairs, find_link, parse_html, text_of

pytestmark = pytest.mark.unit

SPEC = TableSpec("orders table", {"no": ("No.", "Ref"), "name": ("Name", "Client")})

CLASSIC = """<table><tr><td>layout<table border=1>
<tr><th>No.</th><th>Name</th></tr>
<tr><td><a href="x?id=1">1</a></td><td><font>J&uuml;rgen&nbsp;M\u00fcller </font></td></tr>
<tr><td colspan=2>footer</td></tr>
</table></td></tr></table>"""
REORDERED = ("<table><tr><th>Client</th><th>Extra</th><th>Ref</th></tr>"
             "<tr><td>Ana</td><td>x</td><td>7</td></tr></table>")


def test_a_table_is_found_by_its_headers_inside_layout_tables():
    assert SPEC.rows(parse_html(CLASSIC)) == [{"no": "1", "name": "Jürgen Müller"}]


def test_reordered_and_renamed_columns_still_map_to_the_right_fields():
    assert SPEC.rows(parse_html(REORDERED)) == [{"no": "7", "name": "Ana"}]


def test_unknown_headers_raise_layout_changed_naming_the_table():
    strict = TableSpec("orders table", {"no": ("No.",), "name": ("Name",)})
    with pytest.raises(LayoutChanged) as err:
        strict.rows(parse_html(REORDERED))
    assert "orders table" in err.value.detail and "'No.'" in err.value.detail
    assert err.value.context["selector"]
    assert strict.rows(parse_html(REORDERED), missing_ok=True) is None


def test_label_value_pairs_from_rows_and_definition_lists():
    doc = parse_html("<table><tr><td><b>Ticket No.:</b></td><td> A-1 </td></tr></table>"
                     "<dl><dt>Status:</dt><dd>OPEN</dd></dl>")
    assert field_pairs(doc) == {"ticket no.": "A-1", "status": "OPEN"}


def test_links_by_text_and_line_breaks_kept_on_request():
    doc = parse_html('<p><a href="p?page=2">Next &gt;&gt;</a> <a href="p?page=0" rel="prev">&lt;&lt;</a></p>'
                     "<div>line 1<br>line <b>2</b><br> </div>")
    assert find_link(doc, ["Next >>"]) == "p?page=2"
    assert find_link(doc, ["prev"]) == "p?page=0"
    assert find_link(doc, ["Next »"]) is None
    assert text_of(doc.find(".//div"), keep_lines=True) == "line 1\nline 2"
