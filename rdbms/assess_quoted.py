"""Relations whose names need quoting (``"Customer Accounts"``, a mixed-case PostgreSQL name, a reserved
word): counted and profiled by the assessment with every name quoted as the dialect quotes it.

``bridges discover`` leaves them out (a declared view writes names unquoted), so the assessment reads
them itself: one bounded ``SELECT`` of the first rows, each column profiled like any other. Their key
is the one the catalog declares (a primary key or unique index; no proof by query), and they are not
offered to ``bridges discover``: their ``problem`` says to declare them by hand. :func:`read_relation`
reads a relation's rows the same careful way (customer records compared across systems).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.dialects.mysql.mariadb import MariaDBDialect
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError
from rdbms.catalog_port import open_catalog_port
from rdbms.profile import NEEDS_WORK, Finding, profile_column
from rdbms.reflect import Relation
from rdbms.suggest import suggest
from rdbms.types import Dialect, ReadOnlyConnection

__all__ = ["QUOTED_PROBLEM", "profile_quoted", "quoted_name", "read_relation"]

QUOTED_PROBLEM = "its name or a column name needs quoting: profiled here, but bridges discover cannot declare it"
_DIALECTS = {Dialect.SQLITE: SQLiteDialect, Dialect.POSTGRESQL: PGDialect, Dialect.MARIADB: MariaDBDialect}


def quoted_name(dialect: Dialect, name: str, schema: str | None = None) -> str:
    """``name`` (qualified by ``schema``) quoted as ``dialect`` quotes identifiers (only where it must)."""
    preparer = _DIALECTS[dialect]().identifier_preparer
    return (f"{preparer.quote_schema(schema)}." if schema else "") + preparer.quote(name)


def profile_quoted(
    db: ReadOnlyConnection,
    relation: Any,
    rel: Relation,
    *,
    dialect: Dialect,
    qualified: str,
    sample_rows: int,
    timeout_s: float,
    as_of: dt.date | None,
) -> None:
    """Sample ``rel`` (at ``qualified``, already quoted) and fill ``relation`` (a ``RelationAssessment``):
    its sampled rows, declared key, column profiles, or the problem that stopped it."""
    columns = ", ".join(quoted_name(dialect, c.name) for c in rel.columns)
    try:
        with deadline_scope(Deadline(timeout_s)):
            sql = f"SELECT {columns} FROM {qualified} LIMIT {int(sample_rows)}"
            rows = db.query(sql, max_rows=sample_rows).rows
    except BridgeError as exc:
        relation.problem = f"not readable: {exc.detail}"
        return
    relation.problem = QUOTED_PROBLEM
    relation.sampled = len(rows)
    key = rel.primary_key or next(iter(rel.unique_keys), ())
    if key:
        relation.key = tuple(key)
        relation.key_proof = "its primary key" if rel.primary_key else "a unique index"
    else:
        relation.key_problem = "no primary key or unique index declared"
        relation.findings.append(Finding("no_key", "-", 1, len(rows), NEEDS_WORK, [], relation.key_problem))
    for i, column in enumerate(rel.columns):
        values = [row[i] for row in rows]
        present = [v for v in values if v is not None]
        relation.columns.append(
            profile_column(
                column,
                values,
                total_rows=relation.count.rows,
                as_of=as_of,
                suggestion=suggest(column, present),
            )
        )


def read_relation(
    settings: Any,
    *,
    password: str | None,
    schema: str | None,
    relation: str,
    columns: list[str],
    timeout_s: float,
) -> list[tuple[Any, ...]]:
    """The first ``settings.max_rows`` rows of ``columns`` of ``relation`` (the facade's cap of one answer),
    read-only like the assessment (the account probed, one connection, one gated SELECT under a deadline)."""
    dialect = Dialect(settings.dialect)
    live = open_catalog_port(settings, password)
    try:
        shown = ", ".join(quoted_name(dialect, c) for c in columns)
        sql = f"SELECT {shown} FROM {quoted_name(dialect, relation, schema)} LIMIT {int(settings.max_rows)}"
        with deadline_scope(Deadline(timeout_s)):
            return [tuple(row) for row in live.query(sql, max_rows=settings.max_rows).rows]
    finally:
        live.close()
