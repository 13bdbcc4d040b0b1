"""Declared views → read operations with generated pydantic models (a whitelist only).

A bridge lists the views it exposes, each with its columns, their normalised field
names and types, the unique sort key and the columns callers may filter on; nothing
else of the database is reachable. For each view two operations are generated: a
keyset-paged ``list_<name>`` and a streamed ``export_<name>``::

    class OrdersBridge(Bridge):
        list_products, export_products = PRODUCTS.operations()   # PRODUCTS = DeclaredView("products", …)

The bridge provides ``db`` (a :class:`~rdbms.types.ReadOnlyConnection`), ``keyset``
(:class:`~rdbms.keyset.KeysetCursors`) and ``relation(name)`` (the qualified view name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field, create_model

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import ConfigError, LegacyError, Refused
from bridges.core.operation import Example, operation
from bridges.core.streaming import RowStream
from rdbms.dialects import rules_for
from rdbms.keyset import keyset_chunks

__all__ = ["DeclaredView", "ViewColumn", "verify_columns"]


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


@dataclass(frozen=True)
class DeclaredView:
    """A view (or table) a bridge exposes read-only, and the operations generated for it."""

    name: str
    relation: str
    columns: tuple[ViewColumn, ...]
    key: str
    filters: tuple[str, ...] = ()
    title: str = ""
    description: str = ""
    examples: tuple[Example, ...] = (Example({}),)
    max_limit: int = 500
    _models: dict[str, type[BaseModel]] = field(default_factory=dict, compare=False, repr=False)

    def column(self, field_name: str) -> ViewColumn:
        """The column behind ``field_name``."""
        return next(c for c in self.columns if c.field == field_name)

    @property
    def row_model(self) -> type[BaseModel]:
        """One normalised row."""
        if "row" not in self._models:
            fields = {c.field: (c.type | None, Field(None, description=c.description)) for c in self.columns}
            self._models["row"] = create_model(_camel(self.name) + "Row", **fields)  # type: ignore[call-overload]
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
                cursor=(str | None, Field(None, max_length=512, description="`next_cursor` of the previous page.")),
            )
        return self._models["input"]

    @property
    def page_output(self) -> type[BaseModel]:
        """Rows plus ``next_cursor`` and ``truncated``."""
        if "output" not in self._models:
            self._models["output"] = create_model(
                _camel(self.name) + "Page",
                rows=(list[self.row_model], ...),  # type: ignore[name-defined]
                next_cursor=(str | None, Field(None, description="Pass as `cursor` for the next page.")),
                truncated=(bool, Field(False, description="A row or byte cap cut this page short.")),
            )
        return self._models["output"]

    def select(self, relation: str, filters: dict[str, Any], after: Any | None, limit: int | None
               ) -> tuple[str, list[Any]]:
        """The SELECT (keyset order on the key column) and its parameters."""
        key = self.column(self.key).column
        where, params = [], []
        for name, value in filters.items():
            if value is not None:
                where.append(f"{self.column(name).column} = ?")
                params.append(self.column(name).bind(value))
        if after is not None:
            where.append(f"{key} > ?")
            params.append(after)
        sql = f"SELECT {', '.join(c.column for c in self.columns)} FROM {relation}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {key}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def to_row(self, values: tuple[Any, ...]) -> dict[str, Any]:
        """A database row → the normalised row mapping."""
        fields, readers = self._readers
        return dict(zip(fields, [read(v) if read else v for read, v in zip(readers, values, strict=True)],
                        strict=True))

    @cached_property
    def _readers(self) -> tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
        # Worked out once: exports call to_row per row, and most columns need no codec.
        return (tuple(c.field for c in self.columns),
                tuple(None if c.read is _identity else c.read for c in self.columns))

    def operations(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        """The ``list_<name>`` and ``export_<name>`` methods, to assign in a Bridge class body."""
        view = self
        page_input, page_output, filter_model = self.page_input, self.page_output, self.filter_model
        key_index = [c.field for c in self.columns].index(self.key)
        what = self.title or self.name

        def list_rows(self: Any, query: Any) -> Any:
            filters = query.model_dump(include=set(view.filters))
            fingerprint = self.keyset.fingerprint(view=view.name, **filters)
            after = self.keyset.load(query.cursor, fingerprint)[0] if query.cursor else None
            after = view.column(view.key).bind(after) if after is not None else None
            sql, params = view.select(self.relation(view.relation), filters, after, query.limit + 1)
            result = self.db.query(sql, params, max_rows=query.limit + 1)
            rows = result.rows[: query.limit]
            more = len(result.rows) > query.limit
            cursor = self.keyset.dump((rows[-1][key_index],), fingerprint) if more and rows else None
            return page_output(rows=[view.to_row(r) for r in rows], next_cursor=cursor, truncated=False)

        def export_rows(self: Any, query: Any) -> RowStream:
            filters = query.model_dump(include=set(view.filters))
            relation = self.relation(view.relation)
            if rules_for(self.db.dialect).streams_results:
                cursor = self.db.stream(*view.select(relation, filters, None, None))
            else:
                key = view.column(view.key)
                cursor = keyset_chunks(
                    self.db,
                    lambda after: view.select(relation, filters, None if after is None else key.bind(after[0]), None),
                    lambda row: (row[key_index],),
                )
            return RowStream((view.to_row(r) for r in cursor.rows()), on_close=cursor.close)

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


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


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
