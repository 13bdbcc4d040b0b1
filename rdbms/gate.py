"""The SQL gate: only one plain SELECT (or UNION of SELECTs) gets through.

sqlglot parses the statement; the gate refuses anything but a single SELECT/UNION,
any write or session node anywhere in the tree (a writable CTE, ``SELECT INTO``,
``FOR UPDATE``…), and any function not on the allow-list — side-effecting functions
(``set_config``, ``lo_import``, ``pg_sleep``, ``load_extension``, ``sleep``…) look like
any other call in the tree, so only an allow-list stops them. What runs on the database
is the SQL regenerated from the checked tree, without comments, so a MySQL executable
comment (``/*! … */``) the parser skipped can never run.

The regenerated SQL runs only when it is proven to mean what was given:

* it parses back to the very tree that was checked (no regeneration that changes meaning);
* the text given has no two word-like tokens touching (``2b``, ``'a'b``, ``1FROM``): the
  databases read those differently from sqlglot — SQLite and PostgreSQL refuse ``2b``
  where sqlglot would read ``2 AS b`` — so the gate refuses them rather than guess.
"""

from __future__ import annotations

import functools
import itertools
import re

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from bridges.core.errors import Refused
from rdbms.types import Dialect as DatabaseDialect

__all__ = ["DEFAULT_FUNCTIONS", "SqlGate"]

# Pure, read-only functions common to the three dialects (sqlglot's names).
DEFAULT_FUNCTIONS: frozenset[str] = frozenset({
    "ABS", "AVG", "CASE", "CAST", "CEIL", "COALESCE", "CONCAT", "COUNT", "FLOOR", "GREATEST", "IF", "LEAST",
    "LENGTH", "LOWER", "LTRIM", "MAX", "MIN", "NULLIF", "ROUND", "RTRIM", "SUBSTRING", "SUM", "TRIM",
    "TRY_CAST", "UPPER", "ROW_NUMBER",
})

# Nodes that write, lock, or change the session — refused wherever they appear.
_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command",
        "Into", "Lock", "Set", "SetItem", "Transaction", "Commit", "Rollback", "Use", "Pragma", "Copy",
        "Attach", "Detach", "LoadData", "Grant", "Revoke", "Describe", "Analyze", "Cache", "Uncache",
        "Refresh", "Kill", "Returning", "Summarize", "Show", "Execute",
    )
    if hasattr(exp, name)
)

# Operators sqlglot models as functions (AND, =, +…): they are syntax, not calls.
_OPERATOR_NODES = (exp.Binary, exp.Connector, exp.Unary, exp.Paren, exp.Exists)

_EXECUTABLE_COMMENT = re.compile(r"/\*[!M+]")


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_'\"`$"


def _touching_tokens(sql: str, dialect: str) -> str | None:
    """The first two word-like tokens with nothing between them (``2b``), or None."""
    tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    for left, right in itertools.pairwise(tokens):
        if right.start == left.end + 1 and left.token_type is not TokenType.INTRODUCER \
                and _wordish(sql[left.end]) and _wordish(sql[right.start]):
            return sql[left.start:right.end + 1]
    return None


class SqlGate:
    """Checks one statement and returns the SQL to run.

    ``functions`` is the allow-list (upper-case names; sqlglot's canonical name for the
    functions it knows, the name as written for the others).
    """

    def __init__(self, dialect: DatabaseDialect, functions: frozenset[str] | set[str] = DEFAULT_FUNCTIONS) -> None:
        self.dialect = dialect
        self.functions = frozenset(f.upper() for f in functions)
        self.check = functools.lru_cache(maxsize=512)(self._check)

    def _check(self, sql: str) -> str:
        """The normalised SQL to execute, or :class:`Refused` saying why not."""
        if not isinstance(sql, str) or not sql.strip():
            raise Refused("empty SQL statement")
        if "\x00" in sql:
            raise Refused("SQL contains a NUL character")
        if _EXECUTABLE_COMMENT.search(sql):
            raise Refused("executable comments (/*! … */, /*M! … */, /*+ … */) are not allowed")
        dialect = self.dialect.sqlglot_name
        try:
            statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
            touching = _touching_tokens(sql, dialect)
        except SqlglotError as exc:
            first = str(exc).splitlines()[0][:200]
            raise Refused(f"SQL does not parse as {self.dialect.value}: {first}") from None
        if touching is not None:
            raise Refused(f"separate the tokens of {touching[:40]!r} with a space (the database may read it "
                          "as one word or refuse it)")
        if len(statements) != 1:
            raise Refused(f"exactly one statement is allowed, got {len(statements)}")
        tree = statements[0]
        if not isinstance(tree, exp.Select | exp.Union):
            raise Refused(f"only SELECT or UNION is allowed, not {tree.key.upper()}")
        for node in tree.walk():
            if isinstance(node, _FORBIDDEN_NODES):
                raise Refused(f"{node.key.upper()} is not allowed in a read-only query")
            if isinstance(node, exp.Func) and not isinstance(node, _OPERATOR_NODES):
                name = node.name.upper() if isinstance(node, exp.Anonymous) else node.sql_name().upper()
                if name not in self.functions:
                    raise Refused(f"function {name} is not on the allow-list")
            if isinstance(node, exp.PropertyEQ | exp.Parameter):
                raise Refused("variables and assignments (@a, @a := …) are not allowed in a read-only query")
            if isinstance(node, exp.Placeholder) and node.this:
                raise Refused("parameters are positional: write ? rather than a named marker")
            if isinstance(node, exp.Table) and isinstance(node.this, exp.Func):
                raise Refused("table functions are not allowed")
        regenerated = tree.sql(dialect=dialect, comments=False)
        try:
            same = sqlglot.parse_one(regenerated, read=dialect) == tree
        except SqlglotError:
            same = False
        if not same:
            raise Refused("the statement cannot be normalised without changing its meaning")
        return regenerated
