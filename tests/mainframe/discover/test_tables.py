"""Tables found on list screens: rows that change from page to page under a heading line."""

from __future__ import annotations

import pytest

from mainframe.discover.screens import discover_screens
from mainframe.discover.walk import Capture, Typed
from tests.mainframe.discover.buffers import captured, demo_walk

pytestmark = pytest.mark.unit


def _browse_walk():
    """Menu 2, the browse's first page, PF8 to the second, PF3 back to the menu."""
    walk = demo_walk()
    walk.captures = [
        Capture(captured("cmmenu"), (Typed((10, 28), "selection", "2", False),), "Enter"),
        Capture(captured("cmbrw1"), (), "PF8"),
        Capture(captured("cmbrw2"), (), "PF3"),
        Capture(captured("cmmenu")),
    ]
    walk.read = 2
    return walk


def test_rows_that_change_between_pages_are_a_table_with_the_headings_as_columns():
    browse = discover_screens(_browse_walk())[2]
    assert browse.name == "CustomerBrowse" and browse.table is not None
    table = browse.table
    assert (table.first_row, table.last_row, table.key, table.next_key) == (6, 20, "cust_no", "PF8")
    assert [(name, col, width) for name, col, width, _ in table.columns] == [
        ("cust_no", 2, 10),
        ("name", 12, 42),
        ("city", 54, 22),
        ("ctry", 76, 5),
    ]
    names = [f.name for f in browse.fields]
    assert "page" in names and not any(name.startswith("value_") for name in names)


def test_one_page_seen_is_no_table_and_a_menu_is_never_one():
    walk = _browse_walk()
    walk.captures = walk.captures[:2] + walk.captures[3:]
    walk.captures[1] = Capture(captured("cmbrw1"), (), "PF3")
    walk.read = 1
    screens = discover_screens(walk)
    assert all(s.table is None for s in screens)


def test_the_table_is_declared_and_read_into_row_models(tmp_path):
    from mainframe.discover.source import bridge_source
    from tests.mainframe.discover.test_source import ORIGIN, _load

    walk = _browse_walk()
    module = _load(tmp_path, bridge_source(walk, discover_screens(walk), ORIGIN))
    rows = module.CustomerBrowse.table.rows(captured("cmbrw2"))
    assert len(rows) == 15 and set(rows[0]) == {"cust_no", "name", "city", "ctry"}
    result = module.ReadCustomerBrowseResult(rows=rows, **module.CustomerBrowse.read(captured("cmbrw2")))
    assert result.rows[0].cust_no.isdigit() and result.page == "2"
