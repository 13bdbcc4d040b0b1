"""Reading pages for discovery: forms with their labels, hints and options, data tables, pagination."""

from __future__ import annotations

import pytest

from tests.web_scrape.discover_pages import BASE, LABELLED, LOGIN, RESULTS, SEARCH
from web_scrape.discover import date_format_of, read_page
from web_scrape.discover_capture import search_forms

pytestmark = pytest.mark.unit


def test_a_layout_table_form_gives_its_fields_with_captions_hints_and_options():
    page = read_page(SEARCH, BASE + "search.php")
    (form,) = page.forms
    assert (form.name, form.method, form.action) == ("searchform", "post", BASE + "results.php")
    assert (form.submit, form.submit_name, form.has_password, form.looks_like_search) == (
        "Search",
        "submit",
        False,
        True,
    )
    account, status, opened = form.fields  # the hidden CSRF token is the page's business, not the bridge's
    assert (account.name, account.kind, account.label, account.caption) == ("account", "text", "", "Account no.")
    assert (account.hint, account.max_length, account.title) == ("e.g. ACC/N-10007", 20, "Account no.")
    assert status.kind == "select" and status.selected == ""
    assert status.options == (("", "-- All --"), ("O", "Open"), ("W", "Waiting on customer"))
    assert (opened.caption, opened.hint) == ("Opened from", "(DD/MM/YYYY)")
    assert page.title == "Desk 2005 - Search"


def test_accessible_labels_win_and_unfillable_inputs_are_left_out():
    find, delete = read_page(LABELLED, BASE).forms
    assert [f.name for f in find.fields] == ["q", "cc", "since", "closed"]  # no file upload
    q, cc, since, closed = find.fields
    assert (q.label, q.required) == ("Customer name", True)
    assert (cc.label, cc.selected) == ("Country", "fr")
    assert (since.kind, since.label) == ("date", "Changed since")
    assert (closed.kind, closed.label) == ("checkbox", "Include closed")
    assert (find.submit, find.selector, find.looks_like_search) == ("Find", 'form[id="f"]', True)
    assert (delete.name, delete.selector, delete.looks_like_search) == ("form2", "form", False)  # a write


def test_a_login_form_is_known_by_its_password_field():
    (form,) = read_page(LOGIN, BASE + "index.php").forms
    assert form.has_password and not form.looks_like_search
    assert form.password is not None and form.password.name == "password"
    assert [f.name for f in form.fields] == ["username"]
    assert form.selector == 'form[name="loginform"]' and form.action == "http://app.test/desk/login.php"


def test_data_tables_give_columns_rows_and_links_and_layout_tables_are_skipped():
    page = read_page(RESULTS, BASE + "results.php")
    (table,) = page.tables
    assert table.columns == ("Ticket No.", "Opened", "Account", "Subject", "Pri", "Closed")
    assert table.rows[0] == ("HD-1", "27/12/2005", "ACC/E-10007", "Lieferung & Rechnung", "2", "")
    assert len(table.rows) == 2  # the spanning footer row is not data
    assert table.links == ("ticket.php?id=HD-1", None, None, None, None, None)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (RESULTS, ("Next >>", "<< Previous")),
        ('<a href="?p=2" rel="next">2</a><a href="?p=0" rel="prev">0</a>', ("2", "0")),
        ('<a href="?p=2">»</a><a href="#">Newer</a>', ("»", None)),
        ("<span>Next &gt;&gt;</span>", (None, None)),  # plain text on the last page: no link
    ],
)
def test_pagination_links_are_found_by_rel_or_text(html, expected):
    page = read_page(html, BASE)
    assert (page.next_link, page.prev_link) == expected


@pytest.mark.parametrize(
    ("hint", "fmt"),
    [
        ("(DD/MM/YYYY)", "%d/%m/%Y"),
        ("mm/dd/yyyy", "%m/%d/%Y"),
        ("TT.MM.JJJJ", None),
        ("DD.MM.YYYY", "%d.%m.%Y"),
        ("YYYY-MM-DD", "%Y-%m-%d"),
        ("e.g. ACC/N-10007", None),
    ],
)
def test_date_hints_name_their_format(hint, fmt):
    assert date_format_of(hint) == fmt


def test_frames_are_listed_for_capture():
    page = read_page(
        '<frameset><frame name="nav" src="nav.php"><frame name="main" src="/desk/search.php"></frameset>',
        BASE + "index.php",
    )
    assert page.frames == [BASE + "nav.php", BASE + "search.php"]


def test_only_forms_that_read_and_need_nothing_are_submitted():
    pages = [
        read_page(SEARCH, BASE + "search.php"),
        read_page(LABELLED, BASE + "find.php"),
        read_page(LOGIN, BASE + "login.php"),
        read_page(SEARCH, BASE + "search.php?again=1"),
    ]
    chosen = [(reading.url, form.name, index) for reading, form, index in search_forms(pages, BASE)]
    # find.php's form needs a customer name, its second form deletes, the login form logs in,
    # and search.php's form is submitted once however often its page was seen.
    assert chosen == [(BASE + "search.php", "searchform", 0)]
