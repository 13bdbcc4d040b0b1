"""``run_sql``: one caller-written SELECT, limited to an allow-list of relations, answered in plain JSON.

The statement passes the SQL gate like every other (one SELECT/UNION, no write or
session node, allow-listed functions), and then :class:`RelationAllowList`: every table
or view it names must be a declared view of the bridge or lie in a schema named in
configuration; catalog relations (``pg_catalog``, ``information_schema``, ``mysql.*``,
``sqlite_master``/``sqlite_schema``, anything ``pg_…`` or ``sqlite_…``) are refused
whatever the configuration says. Values come back as plain JSON, the same on every
database (:func:`json_value`).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlglot
from pydantic import BaseModel, Field
from sqlglot import exp

from bridges.core.errors import Refused
from rdbms.rows import NON_FINITE
from rdbms.types import Dialect, ReadOnlyConnection

__all__ = ["CATALOG_SCHEMAS", "RawRows", "RawSql", "RelationAllowList", "json_value", "run_sql"]

CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema", "mysql", "performance_schema", "sys", "pg_toast"})
"""Schemas refused by ``run_sql`` even when configured."""
_CATALOG_PREFIXES = ("pg_", "sqlite_")


class RawSql(BaseModel):
    """One SELECT statement with `?` parameters (only when raw SQL is switched on)."""

    model_config = {"extra": "forbid"}
    sql: str = Field(min_length=1, max_length=20_000, description="One SELECT (or UNION); `?` marks a parameter.")
    params: list[str | int | float | bool | None] = Field(
        default_factory=list, max_length=100, description="Values bound to the `?` markers, in order.")
    limit: int = Field(100, ge=1, le=1000, description="Most rows returned (then `truncated`).")


class RawRows(BaseModel):
    """Rows of a raw SELECT, values as plain JSON (see ``json_value``)."""

    columns: list[str] = Field(description="The result's column names, in order.")
    rows: list[list[Any]] = Field(description="One list of values per row, in column order.")
    truncated: bool = Field(description="True when the row or byte cap cut the result short.")


def json_value(value: Any) -> Any:
    """A database value as plain JSON, identical on every database.

    Text and booleans as they are; a whole number (int, or a whole Decimal or float, as
    NUMERIC(n,0) and sqliteodbc's NUMERIC floats give) as an int; any other number as the
    exact decimal text (``"7.5"`` — trailing zeros dropped, so PostgreSQL's ``7.50`` and
    SQLite's ``7.5`` agree); NaN and ±Infinity as ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
    dates and times ISO 8601; bytes base64; UUIDs as text.
    """
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return NON_FINITE[repr(value)]
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return NON_FINITE["nan" if value.is_nan() else "-inf" if value < 0 else "inf"]
        if value == value.to_integral_value():
            return int(value)
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


class RelationAllowList:
    """The relations ``run_sql`` may read: ``relations`` (qualified as configured) and all of ``schemas``.

    An unqualified name passes only when it is one of ``relations`` written unqualified;
    a name in another schema only when that schema is listed. Names compare
    case-insensitively except on MariaDB (whose table names are case-sensitive on Linux)."""

    def __init__(self, dialect: Dialect | str, relations: Iterable[str], schemas: Iterable[str] = ()) -> None:
        self.dialect = Dialect(dialect)
        self._fold = (lambda s: s) if self.dialect is Dialect.MARIADB else str.casefold
        self.relations = frozenset(self._key(*_split(r)) for r in relations)
        self.schemas = frozenset(self._fold(s) for s in schemas)
        refused = self.schemas & {self._fold(s) for s in CATALOG_SCHEMAS}
        if refused:
            raise ValueError(f"catalog schemas cannot be allowed to run_sql: {sorted(refused)}")

    def _key(self, schema: str | None, name: str) -> tuple[str | None, str]:
        return (None if schema is None else self._fold(schema), self._fold(name))

    def check(self, sql: str) -> None:
        """Refuse ``sql`` (already through the gate) when it names a relation outside the list."""
        try:
            tree = sqlglot.parse_one(sql, read=self.dialect.sqlglot_name)
        except sqlglot.errors.SqlglotError:
            raise Refused("SQL does not parse") from None
        ctes = {self._fold(cte.alias) for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            schema, name, catalog = table.db or None, table.name, table.catalog or None
            shown = ".".join(p for p in (catalog, schema, name) if p)
            if name.lower().startswith(_CATALOG_PREFIXES) or (schema or "").lower() in CATALOG_SCHEMAS \
                    or (catalog or "").lower() in CATALOG_SCHEMAS:
                raise Refused(f"run_sql does not read catalog relations ({shown})")
            if catalog is not None:
                raise Refused(f"run_sql does not read relations of another database ({shown})")
            if schema is None and self._fold(name) in ctes:
                continue
            if self._key(schema, name) in self.relations:
                continue
            if schema is not None and self._fold(schema) in self.schemas:
                continue
            raise Refused(f"run_sql reads only the declared views and configured schemas, not {shown}")


def _split(relation: str) -> tuple[str | None, str]:
    schema, _, name = relation.rpartition(".")
    return schema or None, name


def run_sql(db: ReadOnlyConnection, query: RawSql, allow: RelationAllowList, *, max_rows: int,
            max_bytes: int | None = None) -> RawRows:
    """Run ``query`` through the gate and ``allow``; rows as plain JSON."""
    checked = db.gate.check(query.sql) if getattr(db, "gate", None) is not None else query.sql
    allow.check(checked)
    result = db.query(query.sql, query.params, max_rows=min(query.limit, max_rows), max_bytes=max_bytes)
    return RawRows(columns=result.names, rows=[[json_value(v) for v in row] for row in result.rows],
                   truncated=result.truncated)
