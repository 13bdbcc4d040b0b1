"""Reflect a database's tables, views, keys and column types with SQLAlchemy's inspector, over ODBC.

SQLAlchemy ships pyodbc dialects for MySQL/MariaDB only; for SQLite and PostgreSQL this
module composes SQLAlchemy's own dialect (the system's catalog queries) with its pyodbc
connector (the driver), as SQLAlchemy composes its dialects. Every connection comes from
:class:`~rdbms.live.OdbcConnection` — the hardened, read-only connection whose account the
start-up probe has checked — and runs the catalog queries read-only under a server-side
statement timeout, so reflecting a production database changes nothing and cannot hang.
"""

from __future__ import annotations

import math
import re
import sqlite3
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy import types as sqltypes
from sqlalchemy.connectors.pyodbc import PyODBCConnector
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.mysql.mariadb import MariaDBDialect
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.pool import NullPool

from rdbms import connstr
from rdbms.types import Dialect

__all__ = [
    "Catalog",
    "ForeignKey",
    "ReflectedColumn",
    "Relation",
    "catalog_connection_string",
    "catalog_engine",
    "needs_quoting",
    "reflect",
]

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ReflectedColumn:
    """One column as the catalog declares it."""

    name: str
    type_name: str
    """The declared type as SQL (``CHAR(10)``, ``NUMERIC(7, 0)``)."""
    kind: str
    """char, varchar, integer, decimal, float, date, datetime, time, bool, binary or other."""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True


@dataclass(frozen=True)
class Relation:
    """A table or view: its columns and the keys its catalog declares."""

    name: str
    is_view: bool
    columns: tuple[ReflectedColumn, ...]
    primary_key: tuple[str, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()
    problem: str = ""
    """Why the catalog could not describe it (its columns are then empty)."""

    @property
    def plain(self) -> bool:
        """Whether the relation and every column name work unquoted (what declared views write)."""
        return bool(_PLAIN_NAME.match(self.name)) and all(_PLAIN_NAME.match(c.name) for c in self.columns)


_KINDS: tuple[tuple[type[Any], str], ...] = (
    (sqltypes.Boolean, "bool"),
    (sqltypes.Integer, "integer"),
    (sqltypes.Float, "float"),  # before Numeric: a Float is a Numeric
    (sqltypes.Numeric, "decimal"),
    (sqltypes.DateTime, "datetime"),
    (sqltypes.Date, "date"),
    (sqltypes.Time, "time"),
    (sqltypes._Binary, "binary"),
)
_CHAR_TYPES = {"CHAR", "NCHAR", "CHARACTER", "BPCHAR"}


def _kind(sa_type: Any) -> str:
    kind = next((kind for base, kind in _KINDS if isinstance(sa_type, base)), None)
    if kind is not None:
        return kind
    if isinstance(sa_type, sqltypes.String):
        return "char" if type(sa_type).__name__.upper() in _CHAR_TYPES else "varchar"
    return "other"


def _column(entry: dict[str, Any]) -> ReflectedColumn:
    sa_type = entry["type"]
    try:
        type_name = str(sa_type)
    except Exception:  # a type SQLAlchemy reflects but cannot render (NullType): name it by its class
        type_name = type(sa_type).__name__
    return ReflectedColumn(
        name=entry["name"],
        type_name=type_name,
        kind=_kind(sa_type),
        length=getattr(sa_type, "length", None),
        precision=getattr(sa_type, "precision", None),
        scale=getattr(sa_type, "scale", None),
        nullable=bool(entry.get("nullable", True)),
    )


# -- the ODBC dialects -------------------------------------------------------------------


class _PyodbcForSqlite(types.ModuleType):
    """pyodbc as SQLAlchemy's SQLite dialect wants its DBAPI module (it asks for the library version)."""

    sqlite_version_info = sqlite3.sqlite_version_info

    def __getattr__(self, name: str) -> Any:
        import pyodbc

        return getattr(pyodbc, name)


class SQLiteOdbcDialect(PyODBCConnector, SQLiteDialect):  # type: ignore[misc]
    """SQLite's catalog (``PRAGMA table_info`` …) over sqliteodbc."""

    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return _PyodbcForSqlite("pyodbc")

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        return sqlite3.sqlite_version_info


def _pg_array(text: str) -> list[str | None]:
    """A one-dimensional PostgreSQL array literal (``{a,"b c",NULL}``) → its items as text."""
    inner, items, i = text[1:-1], [], 0
    while i < len(inner):
        if inner[i] == '"':
            j, out = i + 1, []
            while inner[j] != '"':
                if inner[j] == "\\":
                    j += 1
                out.append(inner[j])
                j += 1
            items.append("".join(out))
            i = j + 2
        else:
            j = inner.find(",", i)
            j = len(inner) if j < 0 else j
            items.append(None if inner[i:j] == "NULL" else inner[i:j])
            i = j + 1
    return items


class _TextArray(postgresql.ARRAY):  # type: ignore[type-arg]
    """psqlODBC hands arrays back as their text literal (``{a,b}``, or ``0 1`` for the catalog's
    ``int2vector``): parse it before SQLAlchemy reads the items."""

    cache_ok = True

    def result_processor(self, dialect: Any, coltype: object) -> Callable[[Any], Any]:
        inner = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            if isinstance(value, str):
                value = _pg_array(value) if value.startswith("{") else value.split()
                if self.item_type._type_affinity is sqltypes.Integer:
                    value = [None if v is None else int(v) for v in value]
            return inner(value)

        return process


class PostgresOdbcDialect(PyODBCConnector, PGDialect):  # type: ignore[misc]
    """PostgreSQL's catalog (``pg_catalog``) over psqlODBC."""

    supports_statement_cache = True
    colspecs = {**PGDialect.colspecs, sqltypes.ARRAY: _TextArray, postgresql.ARRAY: _TextArray}

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        text = connection.exec_driver_sql("SHOW server_version").scalar()
        return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


_DIALECTS: dict[Dialect, str] = {
    Dialect.SQLITE: "sqlite+lbodbc://",
    Dialect.POSTGRESQL: "postgresql+lbodbc://",
    Dialect.MARIADB: "mariadb+pyodbc://",
}


def _register() -> None:
    from sqlalchemy.dialects import registry

    registry.register("sqlite.lbodbc", __name__, "SQLiteOdbcDialect")
    registry.register("postgresql.lbodbc", __name__, "PostgresOdbcDialect")


def needs_quoting(dialect: Dialect, relation: Relation) -> bool:
    """Whether a name of ``relation`` cannot be written unquoted in ``dialect``'s SQL: not a plain
    identifier, one of its reserved words, or (PostgreSQL, which folds unquoted names to lower
    case) not in lower case."""
    if not relation.plain:
        return True
    base = {Dialect.SQLITE: SQLiteDialect, Dialect.POSTGRESQL: PGDialect, Dialect.MARIADB: MariaDBDialect}[dialect]
    reserved = base().identifier_preparer.reserved_words
    names = [relation.name, *(c.name for c in relation.columns)]
    return any(n.lower() in reserved or (dialect is Dialect.POSTGRESQL and n != n.lower()) for n in names)


def catalog_connection_string(dialect: Dialect, connection: str) -> str:
    """``connection`` with what reading the catalog through the driver needs: psqlODBC binds
    parameters client-side (its server-side prepare cannot type SQLAlchemy's untyped ones) and
    hands booleans back as booleans, not '1'/'0' text."""
    if dialect is not Dialect.POSTGRESQL:
        return connection
    pairs = connstr.parse_connection_string(connection)
    pairs = connstr.put(connstr.put(pairs, "UseServerSidePrepare", "0"), "BoolsAsChar", "0")
    return connstr.format_connection_string(pairs)


def catalog_engine(dialect: Dialect, connect: Callable[[], Any], timeout_s: float) -> Engine:
    """An engine over ``connect`` (a read-only pyodbc connection) whose every statement is read-only
    and stopped by the server after ``timeout_s``."""
    _register()

    def creator() -> Any:
        cnxn = connect()
        cursor = cnxn.cursor()
        try:
            if dialect is Dialect.POSTGRESQL:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cursor.execute(f"SET statement_timeout = {max(1, math.ceil(timeout_s * 1000))}")
                cnxn.commit()
            elif dialect is Dialect.MARIADB:
                cursor.execute(f"SET SESSION max_statement_time = {max(0.001, timeout_s):.3f}")
        finally:
            cursor.close()
        return cnxn

    return create_engine(_DIALECTS[dialect], creator=creator, poolclass=NullPool)


def _unique_keys(inspector: Any, name: str, schema: str | None) -> list[tuple[str, ...]]:
    try:
        unique = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(name, schema=schema)]
        indexes = inspector.get_indexes(name, schema=schema)
    except Exception:  # not readable by this account: the key is then found from the data
        return []
    return unique + [tuple(i["column_names"]) for i in indexes if i.get("unique") and all(i["column_names"])]


@dataclass(frozen=True)
class Catalog:
    """What the catalog says: the relations asked for, and the primary key of every table
    (a view over a table usually carries its key)."""

    relations: list[Relation]
    table_keys: dict[str, tuple[str, ...]]
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    """The foreign keys the catalog declares among the relations asked for."""


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key the catalog declares: ``child.columns`` → ``parent.keys``."""

    child: str
    columns: tuple[str, ...]
    parent: str
    keys: tuple[str, ...]


def _foreign_keys(inspector: Any, schema: str | None, names: set[str]) -> list[ForeignKey]:
    try:
        declared = inspector.get_multi_foreign_keys(schema=schema)
    except Exception:  # not readable by this account: references are then inferred from names alone
        return []
    found = []
    for (_, child), keys in sorted(declared.items(), key=lambda item: str(item[0][1])):
        for fk in keys:
            parent = fk.get("referred_table")
            if child in names and parent in names and fk.get("constrained_columns"):
                found.append(
                    ForeignKey(child, tuple(fk["constrained_columns"]), parent, tuple(fk.get("referred_columns") or ()))
                )
    return found


_INFO_COLUMNS = (
    "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE"
    " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
)


def _information_schema_columns(engine: Engine, schema: str, name: str) -> list[dict[str, Any]]:
    """The columns of ``name`` from ``information_schema`` (MariaDB's inspector reads a view's
    columns with ``SHOW CREATE``, which a SELECT-only account may not run)."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_INFO_COLUMNS, (schema, name)).fetchall()
    columns = []
    for column, data_type, length, precision, scale, nullable in rows:
        kind = engine.dialect.ischema_names.get(str(data_type).lower(), sqltypes.NullType)
        if issubclass(kind, sqltypes.String) and length:
            sa_type = kind(length=int(length))
        elif issubclass(kind, sqltypes.Numeric) and not issubclass(kind, sqltypes.Float) and precision:
            sa_type = kind(precision=int(precision), scale=int(scale or 0))
        else:
            sa_type = kind()
        columns.append({"name": column, "type": sa_type, "nullable": str(nullable).upper() == "YES"})
    return columns


def reflect(engine: Engine, schema: str | None = None, include: Callable[[str], bool] = lambda _: True) -> Catalog:
    """The tables and views of ``schema`` (the default one when None) that ``include`` accepts, by name.

    A relation whose columns cannot be read is kept with no columns and the reason in ``problem``."""
    inspector = inspect(engine)
    tables = inspector.get_table_names(schema=schema)
    found = [(name, False) for name in tables] + [(name, True) for name in inspector.get_view_names(schema=schema)]
    keys = {
        name: tuple(pk.get("constrained_columns") or ())
        for (_, name), pk in inspector.get_multi_pk_constraint(schema=schema).items()
    }
    relations = []
    for name, is_view in sorted(found, key=lambda item: item[0].lower()):
        if not include(name):
            continue
        try:
            entries = inspector.get_columns(name, schema=schema)
        except Exception:  # the driver's refusal: read the standard catalog instead
            try:
                entries = _information_schema_columns(engine, schema or inspector.default_schema_name, name)
            except Exception as exc:  # neither is readable: say so, go on with the others
                relations.append(Relation(name, is_view, (), problem=str(exc).splitlines()[0]))
                continue
        unique = [] if is_view else _unique_keys(inspector, name, schema)
        relations.append(
            Relation(
                name, is_view, tuple(_column(c) for c in entries), keys.get(name, ()), tuple(dict.fromkeys(unique))
            )
        )
    foreign = _foreign_keys(inspector, schema, {r.name for r in relations})
    return Catalog(relations, {name: pk for name, pk in keys.items() if pk}, foreign)
