"""Planning a discovered bridge: Python names, input and row types, selectors and examples."""

from __future__ import annotations

import pytest

from tests.web_scrape.discover_pages import BASE, LABELLED, RESULTS, SEARCH
from web_scrape.discover import read_page
from web_scrape.discover_plan import identifier, plan_search, relative_path, target_of

pytestmark = pytest.mark.unit


def _search(html: str = SEARCH, results: str = RESULTS):
    page, answer = read_page(html, BASE + "search.php"), read_page(results, BASE + "results.php")
    return plan_search("search", page.forms[0], "search.php", page.title, answer.tables[0], answer.next_link)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Account no.:", "account_no"),
        ("Ticket No.", "ticket_no"),
        ("from", "from_"),
        ("2nd line", "field_2nd_line"),
        ("Bürostadt", "burostadt"),
        ("json", "json_"),
        ("model_name", "model_name_value"),
        ("***", "field"),
    ],
)
def test_identifiers_are_snake_case_and_never_keywords_or_pydantic_names(text, name):
    assert identifier(text) == name


def test_identifiers_are_unique_within_a_model():
    taken: set[str] = set()
    assert [identifier(t, taken) for t in ("Status", "status", "Status")] == ["status", "status_2", "status_3"]


def test_form_fields_become_typed_inputs():
    plan = _search()
    account, status, opened = plan.inputs
    assert (account.attr, account.type, account.optional) == ("account_no", "str", True)
    assert account.description == "Account no. (e.g. ACC/N-10007)."
    assert (status.attr, status.type, status.default) == ("status", "choice", None)  # "-- All --" = no filter
    assert status.choices == (("open", "O"), ("waiting_on_customer", "W"))
    assert (opened.attr, opened.type, opened.date_format) == ("opened_from", "date", "%d/%m/%Y")
    assert "ISO 8601" in opened.description and "DD/MM/YYYY" in opened.description


def test_result_columns_are_typed_by_the_values_seen():
    columns = {c.attr: c for c in _search().columns}
    assert (columns["opened"].type, columns["opened"].date_format) == ("date", "%d/%m/%Y")
    assert columns["pri"].type == "int" and not columns["pri"].optional
    assert columns["closed"].type == "str" and columns["closed"].optional  # "07": a code, not a number
    assert columns["ticket_no"].link == "ticket.php?id=HD-1"


def test_the_example_is_a_value_seen_in_the_results_for_the_matching_field():
    plan = _search()
    assert plan.example == {"account_no": "ACC/E-10007"}  # "Account no." ↔ "Account"
    assert plan.next_link == "Next >>" and plan.class_stem == "Search"


def test_without_a_matching_column_the_example_comes_from_the_hint_else_none():
    unrelated = RESULTS.replace("<th>Account</th>", "<th>Client</th>")
    assert _search(results=unrelated).example == {"account_no": "ACC/N-10007"}  # "e.g. ACC/N-10007"
    no_hint = SEARCH.replace("e.g. ACC/N-10007", "")
    assert _search(no_hint, unrelated).example == {}  # every field optional: the empty search


def test_a_required_field_without_any_example_value_is_an_error():
    page = read_page(LABELLED, BASE)
    answer = read_page(RESULTS, BASE + "results.php")
    with pytest.raises(ValueError, match="Customer name"):
        plan_search("find", page.forms[0], "", "", answer.tables[0], None)


def test_a_select_without_a_no_filter_option_defaults_to_its_selected_choice():
    page, answer = read_page(LABELLED, BASE), read_page(RESULTS, BASE + "results.php")
    form = page.forms[0]
    plan = plan_search(
        "find", form.__class__(**{**form.__dict__, "fields": form.fields[1:]}), "", "", answer.tables[0], None
    )
    country, since, closed = plan.inputs
    assert (country.type, country.default, country.optional) == ("choice", "france", True)
    assert (since.type, since.date_format) == ("date", "%Y-%m-%d") and closed.type == "bool"


def test_selectors_prefer_role_and_label_over_the_name_attribute():
    fields = read_page(LABELLED, BASE).forms[0].fields
    assert [str(b) for b in target_of("q", fields[0]).candidates] == ["label=Customer name", "name=q"]
    assert [str(b) for b in target_of("Find", button="Find", name="go").candidates] == [
        'role=button[name="Find"]',
        "name=go",
    ]


def test_paths_are_relative_to_the_base_url():
    assert relative_path(BASE + "search.php?x=1", BASE) == "search.php?x=1"
    assert relative_path("http://app.test/other/a.php", BASE) == "/other/a.php"
