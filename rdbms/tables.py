"""Declared views → read operations with generated pydantic models (a whitelist only).

A bridge lists the views it exposes, each with its columns, their normalised field
names and types, the unique sort key (one column or several) and the columns callers
may filter on; nothing else of the database is reachable. For each view two operations
are generated: a keyset-paged ``list_<name>`` and a streamed ``export_<name>``::

    class OrdersBridge(DatabaseBridge):
        views = (PRODUCTS,)
        list_products, export_products = PRODUCTS.operations()   # PRODUCTS = DeclaredView("products", …)

The bridge provides ``db`` (a :class:`~rdbms.types.ReadOnlyConnection`), ``keyset``
(:class:`~rdbms.keyset.KeysetCursors`) and ``relation(name)`` (the qualified view name);
:class:`~rdbms.bridge.DatabaseBridge` provides all three. A key that is not unique
loses rows in paging, so :func:`check_views` proves it unique at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import ConfigError, DeadlineExceeded, InvalidInput, LegacyError, Refused
from bridges.core.operation import Example, operation
from bridges.core.streaming import RowStream
from rdbms.dialects import rules_for
from rdbms.keyset import after_clause, bind_key, keyset_chunks
from rdbms.rows import compile_row, compile_rows
from rdbms.types import Dialect

__all__ = ["DeclaredView", "ViewColumn", "check_views", "verify_columns"]

# Typed answers follow the export policy for non-finite floats: "NaN", "Infinity", "-Infinity".
_ROW_CONFIG = ConfigDict(ser_json_inf_nan="strings")


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class ViewColumn:
    """One exposed column: the database name, the field it becomes, its type and codecs."""

    column: str
    field: str
    type: Any
    read: Callable[[Any], Any] = _identity
    """database value → field value (trim CHAR, cents → Decimal …)"""
    bind: Callable[[Any], Any] = _identity
    """filter value → the parameter bound in SQL (enum → code, pad CHAR …)"""
    description: str = ""
    scale: int | None = None
    """Decimal places of a Decimal field: every database then gives the same digits ("7.50")."""


@dataclass(frozen=True)
class DeclaredView:
    """A view (or table) a bridge exposes read-only, and the operations generated for it.

    ``key`` names the field (or the fields, in order) that identify a row; their columns
    must be unique together and never NULL — :meth:`check_key` proves it."""

    name: str
    relation: str
    columns: tuple[ViewColumn, ...]
    key: str | tuple[str, ...]
    filters: tuple[str, ...] = ()
    title: str = ""
    description: str = ""
    examples: tuple[Example, ...] = (Example({}),)
    max_limit: int = 500
    chunk_rows: int = 5000
    """Rows per keyset chunk of an export where the driver cannot stream (MariaDB)."""
    fetch_rows: int = 500
    """Rows an export fetches at a time: smaller batches are still in cache when the row
    function reads them (1,000 measured ~3 % slower on the bench export), much smaller ones pay
    the per-batch upkeep more often."""
    _models: dict[str, type[BaseModel]] = field(default_factory=dict, compare=False, repr=False)
    _row_functions: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [c.field for c in self.columns]
        for f in (*self.key_fields, *self.filters):
            if f not in names:
                raise ValueError(f"view {self.name}: {f!r} is not one of its fields")
        if not self.key_fields or len(set(self.key_fields)) != len(self.key_fields):
            raise ValueError(f"view {self.name}: the key names distinct fields")

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The key's fields, in sort order."""
        return (self.key,) if isinstance(self.key, str) else tuple(self.key)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The key's database columns, in sort order."""
        return tuple(self.column(f).column for f in self.key_fields)

    def column(self, field_name: str) -> ViewColumn:
        """The column behind ``field_name``."""
        return next(c for c in self.columns if c.field == field_name)

    @property
    def row_model(self) -> type[BaseModel]:
        """One normalised row."""
        if "row" not in self._models:
            fields = {c.field: (c.type | None, Field(None, description=c.description)) for c in self.columns}
            self._models["row"] = create_model(  # type: ignore[call-overload]
                _camel(self.name) + "Row", __config__=_ROW_CONFIG, **fields)
        return self._models["row"]

    @property
    def filter_model(self) -> type[BaseModel]:
        """The optional equality filters of an export."""
        if "filter" not in self._models:
            fields: dict[str, Any] = {
                f: (self.column(f).type | None, Field(None, description=f"Only rows with this {f}."))
                for f in self.filters
            }
            self._models["filter"] = create_model(
                _camel(self.name) + "Filter", __config__={"extra": "forbid"}, **fields  # type: ignore[call-overload]
            )
        return self._models["filter"]

    @property
    def page_input(self) -> type[BaseModel]:
        """Filters plus ``limit`` and ``cursor``."""
        if "input" not in self._models:
            self._models["input"] = create_model(
                _camel(self.name) + "Query",
                __base__=self.filter_model,
                limit=(int, Field(50, ge=1, le=self.max_limit, description="Rows per page.")),
                cursor=(str | None, Field(None, max_length=1024, description="`next_cursor` of the previous page.")),
            )
        return self._models["input"]

    @property
    def page_output(self) -> type[BaseModel]:
        """Rows plus ``next_cursor`` and ``truncated``."""
        if "output" not in self._models:
            self._models["output"] = create_model(
                _camel(self.name) + "Page",
                __config__=_ROW_CONFIG,
                rows=(list[self.row_model],  # type: ignore[name-defined]
                      Field(description="The rows of this page, in key order.")),
                next_cursor=(str | None, Field(None, description="Pass as `cursor` for the next page.")),
                truncated=(bool, Field(False, description="A row or byte cap cut this page short.")),
            )
        return self._models["output"]

    def select(self, relation: str, filters: dict[str, Any], after: Sequence[Any] | None, limit: int | None
               ) -> tuple[str, list[Any]]:
        """The SELECT in key order and its parameters; ``after`` is the bound key the rows follow."""
        where, params = [], []
        for name, value in filters.items():
            if value is not None:
                where.append(f"{self.column(name).column} = ?")
                params.append(self.column(name).bind(value))
        if after is not None:
            clause, values = after_clause(self.key_columns, list(after))
            where.append(clause)
            params += values
        sql = f"SELECT {', '.join(c.column for c in self.columns)} FROM {relation}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {', '.join(self.key_columns)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def to_row(self, values: Sequence[Any]) -> dict[str, Any]:
        """A database row → the normalised row mapping (every value of its field's type)."""
        return self.row_function(values)

    @cached_property
    def row_function(self) -> Callable[[Sequence[Any]], dict[str, Any]]:
        """The generated function behind :meth:`to_row` (see :mod:`rdbms.rows`)."""
        return compile_row(self.columns, _identity)

    @cached_property
    def rows_function(self) -> Callable[[Sequence[Sequence[Any]]], list[dict[str, Any]]]:
        """:attr:`row_function` for a whole batch (what exports use)."""
        return compile_rows(self.columns, _identity)

    def rows_function_for(self, driver: tuple[str, ...]) -> Callable[[Sequence[Sequence[Any]]], list[tuple[Any, ...]]]:
        """:attr:`rows_function` specialised to the result's column types (made once per shape),
        each row a tuple in field order (what an export's :class:`RowStream` carries)."""
        key = f"rows:{driver}"
        if key not in self._row_functions:
            fn = compile_rows(self.columns, _identity, driver if len(driver) == len(self.columns) else None,
                              tuples=True)
            self._row_functions[key] = fn
        return self._row_functions[key]

    @cached_property
    def _key_indexes(self) -> tuple[int, ...]:
        fields = [c.field for c in self.columns]
        return tuple(fields.index(f) for f in self.key_fields)

    def key_of(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """The key of a database row, as read."""
        return tuple(row[i] for i in self._key_indexes)

    def check_key(self, db: Any, relation: str, timeout_s: float = 30.0) -> str:
        """Prove the key unique and never NULL in ``relation``; say how, or raise ConfigError naming the view.

        A primary key or unique index of a table (PostgreSQL, MariaDB catalogs) proves
        uniqueness; otherwise, and for views, a bounded scan looks for a duplicate key
        and a NULL within ``timeout_s``. Not finishing in time is a ConfigError too."""
        columns = self.key_columns
        what = f"view {self.name}: key ({', '.join(self.key_fields)}) on {relation}"
        try:
            with deadline_scope(Deadline(timeout_s)):
                proof = _catalog_proof(db, relation, columns)
                nulls = " OR ".join(f"{c} IS NULL" for c in columns)
                if db.query(f"SELECT 1 FROM {relation} WHERE {nulls} LIMIT 1", max_rows=1).rows:
                    raise ConfigError(f"{what} holds NULL: keyset paging would lose those rows")
                if proof:
                    return proof
                keys = ", ".join(columns)
                duplicate = db.query(f"SELECT {keys} FROM {relation} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 1",
                                     max_rows=1)
        except DeadlineExceeded:
            raise ConfigError(f"{what}: could not prove it unique within {timeout_s:g}s "
                              "(declare the key of a primary key or unique index, or raise key_check_s)") from None
        except (LegacyError, Refused) as exc:
            raise ConfigError(f"{what}: the key check failed: {exc.detail}") from None
        if duplicate.rows:
            raise ConfigError(f"{what} is not unique: paging by it would lose or repeat rows; "
                              "declare a key that identifies one row (several fields if need be)")
        return "checked: no duplicate and no NULL"

    def operations(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        """The ``list_<name>`` and ``export_<name>`` methods, to assign in a Bridge class body."""
        view = self
        page_input, page_output, filter_model = self.page_input, self.page_output, self.filter_model
        what = self.title or self.name
        width = len(self.key_fields)

        def list_rows(self: Any, query: Any) -> Any:
            filters = query.model_dump(include=set(view.filters))
            fingerprint = self.keyset.fingerprint(view=view.name, **filters)
            after = None
            if query.cursor:
                key = self.keyset.load(query.cursor, fingerprint)
                if len(key) != width:
                    raise InvalidInput("the page cursor belongs to another query",
                                       errors=[{"field": "cursor", "message": "cursor of another key",
                                                "type": "cursor"}])
                after = [bind_key(self.db.dialect, v) for v in key]
            sql, params = view.select(self.relation(view.relation), filters, after, query.limit + 1)
            result = self.db.query(sql, params, max_rows=query.limit + 1)
            rows = result.rows[: query.limit]
            more = len(result.rows) > query.limit
            cursor = self.keyset.dump(view.key_of(rows[-1]), fingerprint) if more and rows else None
            row = view.row_function
            return page_output(rows=[row(r) for r in rows], next_cursor=cursor, truncated=False)

        def export_rows(self: Any, query: Any) -> RowStream:
            filters = query.model_dump(include=set(view.filters))
            relation = self.relation(view.relation)
            dialect = self.db.dialect
            if rules_for(dialect).streams_results:
                cursor = self.db.stream(*view.select(relation, filters, None, None), batch_size=view.fetch_rows)
            else:
                cursor = keyset_chunks(
                    self.db,
                    lambda after: view.select(relation, filters, _bound(dialect, after), None),
                    view.key_of,
                    chunk_rows=view.chunk_rows,
                )
            rows = view.rows_function_for(tuple(c.type for c in cursor.columns))
            return RowStream(batches=map(rows, cursor.batches), on_close=cursor.close,
                             fields=tuple(c.field for c in view.columns))

        list_rows.__annotations__ = {"query": page_input, "return": page_output}
        export_rows.__annotations__ = {"query": filter_model, "return": RowStream}
        listed = operation(
            summary=f"List {what}, a page at a time",
            description=(self.description or f"Rows of {what}") + ", in key order, keyset-paged with an opaque cursor.",
            examples=list(self.examples),
        )(list_rows)
        export_examples = [Example({k: v for k, v in ex.input.items() if k in self.filters}, summary=ex.summary)
                           for ex in self.examples]
        exported = operation(
            summary=f"Export {what} as a stream",
            description=(self.description or f"Rows of {what}") + ", streamed as NDJSON or CSV at bounded memory.",
            examples=export_examples,
            row_model=self.row_model,
        )(export_rows)
        listed.__name__, exported.__name__ = f"list_{self.name}", f"export_{self.name}"
        return listed, exported


def _bound(dialect: Dialect, after: Sequence[Any] | None) -> list[Any] | None:
    return None if after is None else [bind_key(dialect, v) for v in after]


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _split(relation: str) -> tuple[str | None, str]:
    schema, _, name = relation.rpartition(".")
    return schema or None, name


def _catalog_proof(db: Any, relation: str, columns: Sequence[str]) -> str | None:
    """"primary key"/"unique index" when the catalog shows one within ``columns``; None: no proof there.

    Only PostgreSQL and MariaDB tables named with their schema carry one the account can
    see; views never do."""
    dialect = Dialect(db.dialect)
    schema, name = _split(relation)
    if schema is None:
        return None  # the schema the name resolves in is the server's choice: no proof from its catalog
    wanted = {c.lower() for c in columns}
    if dialect is Dialect.POSTGRESQL:
        sql = ("SELECT tc.constraint_name, tc.constraint_type, kcu.column_name"
               " FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu"
               " ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name"
               " WHERE tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND tc.table_name = ?"
               " AND tc.table_schema = ?")
        params = [name.lower(), schema.lower()]
    elif dialect is Dialect.MARIADB:
        sql = ("SELECT INDEX_NAME, CASE WHEN INDEX_NAME = 'PRIMARY' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,"
               " COLUMN_NAME FROM information_schema.STATISTICS WHERE NON_UNIQUE = 0 AND TABLE_NAME = ?"
               " AND TABLE_SCHEMA = ?")
        params = [name, schema]
    else:
        return None
    try:
        rows = db.query(sql, params, max_rows=500).rows
    except (LegacyError, Refused):
        return None  # no catalog access: the bounded check decides
    indexes: dict[str, tuple[str, set[str]]] = {}
    for index, kind, column in rows:
        indexes.setdefault(index, (kind, set()))[1].add(str(column).lower())
    for kind, index_columns in indexes.values():
        if index_columns and index_columns <= wanted:
            return "primary key" if kind == "PRIMARY KEY" else "unique index"
    return None


def check_views(db: Any, views: Iterable[DeclaredView], relation: Callable[[str], str] | None = None,
                timeout_s: float = 30.0) -> dict[str, str]:
    """:meth:`DeclaredView.check_key` for each view (at start-up, and for ``bridges check``):
    how each key was proven, by view name; a ConfigError names the first view that fails."""
    qualify = relation or (lambda name: name)
    return {view.name: view.check_key(db, qualify(view.relation), timeout_s) for view in views}


def verify_columns(db: Any, relation: str, columns: Sequence[str], timeout_s: float = 5.0) -> None:
    """Check at start-up that ``relation`` still has ``columns`` (a legacy schema drifts).

    Runs ``SELECT <columns> FROM <relation> WHERE 1 = 0`` through the port (so replay
    sees it too); a missing view or column is a :class:`~bridges.core.errors.ConfigError`
    naming them, rather than a 502 on the first call that needs them.
    """
    with deadline_scope(Deadline(timeout_s)):
        try:
            db.query(f"SELECT {', '.join(columns)} FROM {relation} WHERE 1 = 0", max_rows=1)
        except (LegacyError, Refused) as exc:
            raise ConfigError(f"{relation} lacks a declared column or is not readable: {exc.detail}") from None
