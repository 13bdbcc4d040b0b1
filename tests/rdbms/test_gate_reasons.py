"""The SQL gate says exactly why it refuses (the 403's detail is the caller's only clue), and
what it lets through runs as regenerated SQL: one test per path through the gate."""

from __future__ import annotations

import pytest

from bridges.core.errors import Refused
from rdbms import DEFAULT_FUNCTIONS, Dialect, SqlGate

pytestmark = pytest.mark.unit


def _reason(sql: object, dialect: Dialect = Dialect.POSTGRESQL, functions=DEFAULT_FUNCTIONS) -> str:
    with pytest.raises(Refused) as caught:
        SqlGate(dialect, functions).check(sql)  # type: ignore[arg-type]
    assert caught.value.status == 403
    return caught.value.detail


@pytest.mark.parametrize("sql", ["", "   \n\t", None, 7])
def test_empty_or_not_text(sql):
    assert _reason(sql) == "empty SQL statement"


def test_nul():
    assert _reason("SELECT 1\x00") == "SQL contains a NUL character"


@pytest.mark.parametrize("sql", ["SELECT /*! 1 */ 2", "SELECT /*M! 1 */ 2", "SELECT /*+ HINT */ 2"])
def test_executable_comments(sql):
    assert _reason(sql, Dialect.MARIADB) == "executable comments (/*! … */, /*M! … */, /*+ … */) are not allowed"


def test_a_plain_comment_is_not_executable():
    assert SqlGate(Dialect.MARIADB).check("SELECT /* fine */ 2") == "SELECT 2"


def test_what_does_not_parse_names_the_dialect():
    reason = _reason("SELECT (", Dialect.SQLITE)
    assert reason.startswith("SQL does not parse as sqlite: ") and "\n" not in reason


def test_more_than_one_statement_names_the_count():
    assert _reason("SELECT 1; SELECT 2") == "exactly one statement is allowed, got 2"
    assert _reason("SELECT 1; SELECT 2; SELECT 3") == "exactly one statement is allowed, got 3"


def test_a_trailing_semicolon_is_one_statement():
    assert SqlGate(Dialect.POSTGRESQL).check("SELECT 1 AS A;") == "SELECT 1 AS A"


@pytest.mark.parametrize(("sql", "kind"), [("DELETE FROM T", "DELETE"), ("UPDATE T SET A = 1", "UPDATE"),
                                           ("INSERT INTO T VALUES (1)", "INSERT")])
def test_only_select_or_union(sql, kind):
    assert _reason(sql) == f"only SELECT or UNION is allowed, not {kind}"


@pytest.mark.parametrize(("sql", "node"), [("SELECT * INTO EVIL FROM T", "INTO"),
                                           ("SELECT * FROM T FOR UPDATE", "LOCK")])
def test_a_write_node_inside_a_select(sql, node):
    assert _reason(sql) == f"{node} is not allowed in a read-only query"


def test_a_function_off_the_allow_list_is_named():
    assert _reason("SELECT pg_sleep(1)") == "function PG_SLEEP is not on the allow-list"
    assert _reason("SELECT set_config('a', 'b', false)") == "function SET_CONFIG is not on the allow-list"
    assert _reason("SELECT ABS(1)", functions=frozenset()) == "function ABS is not on the allow-list"


def test_the_allow_list_ignores_case():
    assert SqlGate(Dialect.POSTGRESQL, {"abs", "Pg_Sleep"}).check("SELECT ABS(PG_SLEEP(1))")


def test_operators_are_syntax_not_calls():
    gate = SqlGate(Dialect.POSTGRESQL, frozenset())
    assert gate.check("SELECT (1 + 2) * 3 AS A FROM T WHERE A = 1 AND NOT B OR -C < 0") == (
        "SELECT (1 + 2) * 3 AS A FROM T WHERE A = 1 AND NOT B OR -C < 0")


def test_a_table_function_is_refused_even_when_allow_listed():
    reason = _reason("SELECT * FROM generate_series(1, 3)", functions=DEFAULT_FUNCTIONS | {"GENERATE_SERIES"})
    assert reason == "table functions are not allowed"


def test_what_runs_is_the_regenerated_sql_of_its_dialect():
    assert SqlGate(Dialect.POSTGRESQL).check("select a  from t -- x") == "SELECT a FROM t"
    assert SqlGate(Dialect.MARIADB).check('SELECT `a` FROM t') == "SELECT `a` FROM t"
    assert SqlGate(Dialect.SQLITE).check("SELECT a FROM t UNION SELECT b FROM u") == (
        "SELECT a FROM t UNION SELECT b FROM u")


def test_the_same_statement_is_checked_once_and_answers_the_same():
    gate = SqlGate(Dialect.SQLITE)
    assert gate.check("SELECT 1 AS A") == gate.check("SELECT 1 AS A")
    assert gate.check.cache_info().hits == 1
    for _ in range(2):
        with pytest.raises(Refused):
            gate.check("DELETE FROM T")


@pytest.mark.parametrize(("sql", "touching"), [("SELECT 2b", "'2b'"), ("SELECT 2b FROM T", "'2b'"),
                                               ("SELECT 'a'b", "\"'a'b\""),
                                               ("SELECT 1 AS a, 3e", None)])
def test_touching_word_tokens_are_refused_naming_them(sql, touching):
    if touching is None:  # 3e is one number token to every database: nothing touches
        SqlGate(Dialect.SQLITE).check(sql)
        return
    assert _reason(sql, Dialect.SQLITE) == (
        f"separate the tokens of {touching} with a space (the database may read it as one word or refuse it)")


def test_a_long_touching_token_is_quoted_to_40_characters():
    reason = _reason("SELECT '" + "a" * 50 + "'b", Dialect.SQLITE)
    assert reason == ("separate the tokens of " + repr("'" + "a" * 39) + " with a space (the database may read it "
                      "as one word or refuse it)")


def test_a_charset_introducer_touching_its_string_is_one_word():
    assert SqlGate(Dialect.MARIADB).check("SELECT _utf8'abc' AS A") == "SELECT _utf8 'abc' AS A"


@pytest.mark.parametrize("sql", ["SELECT @a", "SELECT @a := 1"])
def test_variables_and_assignments(sql):
    assert _reason(sql, Dialect.MARIADB) == (
        "variables and assignments (@a, @a := …) are not allowed in a read-only query")


@pytest.mark.parametrize("dialect", [Dialect.SQLITE, Dialect.POSTGRESQL])
def test_named_parameter_markers(dialect):
    assert _reason("SELECT :name", dialect) == "parameters are positional: write ? rather than a named marker"
    assert SqlGate(dialect).check("SELECT ? AS A") == "SELECT ? AS A"


def test_a_parse_error_is_quoted_by_its_first_line_and_at_most_200_characters(monkeypatch):
    from sqlglot.errors import ParseError

    from rdbms import gate

    def failing(*_args, **_kwargs):
        raise ParseError("E" * 500 + "\nthe rest, never shown")

    monkeypatch.setattr(gate.sqlglot, "parse", failing)
    assert _reason("SELECT 1", Dialect.SQLITE) == "SQL does not parse as sqlite: " + "E" * 200


def test_sql_that_does_not_parse_back_to_the_same_tree_is_refused(monkeypatch):
    """The regenerated SQL runs only when it means what was checked: when it does not parse back
    (or parses to another tree), the statement is refused."""
    import sqlglot
    from sqlglot.errors import ParseError

    from rdbms import gate

    def broken(*_args, **_kwargs):
        raise ParseError("cannot read it back")

    other = sqlglot.parse_one("SELECT 2 AS A")
    monkeypatch.setattr(gate.sqlglot, "parse_one", broken)
    assert _reason("SELECT 1 AS A", Dialect.SQLITE) == "the statement cannot be normalised without changing its meaning"
    monkeypatch.setattr(gate.sqlglot, "parse_one", lambda *a, **k: other)
    assert _reason("SELECT 1 AS B", Dialect.SQLITE) == "the statement cannot be normalised without changing its meaning"
