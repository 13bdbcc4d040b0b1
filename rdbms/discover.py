"""Discover a database for a new bridge: reflect, sample, suggest codecs, find each relation's key.

Safe against production by construction: the connection is the hardened read-only one
(:class:`~rdbms.live.OdbcConnection`: its account probed, a writable one refused unless the
settings allow it), the catalog is read under a server-side statement timeout
(:mod:`rdbms.reflect`), each sample is one gated ``SELECT … LIMIT n`` under a deadline, and
each key is proven with the start-up check of declared views (:meth:`DeclaredView.check_key`)
under a deadline too. Nothing is counted or scanned without a bound.

The result (:class:`Discovery`) is what :mod:`rdbms.discover_source` writes as a bridge.
"""

from __future__ import annotations

import fnmatch
import keyword
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError, LegacyError
from rdbms import connstr
from rdbms.catalog_port import open_catalog_port
from rdbms.reflect import (
    ReflectedColumn,
    Relation,
    catalog_engine,
    needs_quoting,
    reflect,
)
from rdbms.settings import RdbmsSettings
from rdbms.suggest import Suggestion, suggest
from rdbms.tables import DeclaredView, ViewColumn
from rdbms.types import Dialect, ReadOnlyConnection

__all__ = ["DiscoveredColumn", "DiscoveredView", "Discovery", "discover", "discover_with"]

_MAX_KEY_TRIES = 4
"""Candidate keys proven per relation at most (each proof is one bounded query)."""
_MAX_FILTER_VALUES = 12
"""A text column with at most this many distinct sampled values is offered as a filter."""
_CODE_LENGTH = 4
"""Text this short with few distinct values is a code (status, currency, unit): a useful filter."""
_RESERVED = {"limit", "cursor", "rows", "next_cursor", "truncated"}


@dataclass
class DiscoveredColumn:
    """A column, its field name, the codec suggestion and the sampled values."""

    column: ReflectedColumn
    field: str
    suggestion: Suggestion
    values: list[Any] = field(default_factory=list)
    """Sampled values, NULLs left out, as read (before any codec)."""
    nulls: int = 0


@dataclass
class DiscoveredView:
    """A relation to declare as a view (or to skip, saying why)."""

    relation: Relation
    name: str
    columns: list[DiscoveredColumn]
    sampled: int = 0
    key: tuple[str, ...] = ()
    """Key columns (database names); empty when none was proven."""
    key_proof: str = ""
    key_problem: str = ""
    filters: list[str] = field(default_factory=list)
    """Filter columns (database names)."""
    example: dict[str, Any] = field(default_factory=dict)
    """Values for the operations' examples, by column."""

    def column(self, name: str) -> DiscoveredColumn:
        """The discovered column named ``name``."""
        return next(c for c in self.columns if c.column.name == name)

    @property
    def exposed(self) -> list[DiscoveredColumn]:
        """The columns the view declares (those with a usable reading)."""
        return [c for c in self.columns if not c.suggestion.skip]


@dataclass
class Discovery:
    """Everything found: the views to declare and what was left out, and why."""

    dialect: Dialect
    schema: str | None
    views: list[DiscoveredView] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sample_rows: int = 0


def _field_name(column: str, taken: set[str]) -> str:
    name = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in column.lower()).strip("_") or "column"
    if name[0].isdigit():
        name = "c" + name
    if keyword.iskeyword(name) or name in _RESERVED or hasattr(BaseModel, name):
        name += "_"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _sample(
    db: ReadOnlyConnection, relation: str, columns: Sequence[str], rows: int, timeout_s: float
) -> list[tuple[Any, ...]]:
    with deadline_scope(Deadline(timeout_s)):
        return db.query(f"SELECT {', '.join(columns)} FROM {relation} LIMIT {int(rows)}", max_rows=rows).rows


def _candidates(view: DiscoveredView, table_keys: Mapping[str, tuple[str, ...]]) -> list[tuple[tuple[str, ...], str]]:
    """Possible keys, the catalog's first, then those the sample suggests."""
    rel = view.relation
    names = [c.column.name for c in view.exposed]
    found: list[tuple[tuple[str, ...], str]] = []
    if rel.primary_key:
        found.append((rel.primary_key, "its primary key"))
    found += [(u, "a unique index") for u in rel.unique_keys]
    if rel.is_view:  # a view over a table usually carries the table's key
        lower = {n.lower(): n for n in names}
        for table, key in sorted(table_keys.items(), key=lambda item: -len(item[1])):
            if all(c.lower() in lower for c in key):
                why = f"the primary key of table {table}, whose columns the view has"
                found.append((tuple(lower[c.lower()] for c in key), why))
    usable = [
        c
        for c in view.exposed
        if c.column.kind in {"char", "varchar", "integer", "decimal", "date", "datetime"} and not c.nulls and c.values
    ]
    sample_note = f"unique in the {view.sampled} rows sampled; not declared by the database"
    for c in usable:
        if len(set(c.values)) == len(c.values) == view.sampled:
            found.append(((c.column.name,), sample_note))
    for i, a in enumerate(usable[:6]):
        for b in usable[i + 1 : 6]:
            pairs = list(zip(a.values, b.values, strict=False))
            if len(pairs) == view.sampled and len(set(pairs)) == len(pairs):
                found.append(((a.column.name, b.column.name), sample_note))
    return list(dict.fromkeys(found))


def _prove(
    db: ReadOnlyConnection,
    view: DiscoveredView,
    relation: str,
    table_keys: Mapping[str, tuple[str, ...]],
    timeout_s: float,
) -> None:
    tried = 0
    for columns, why in _candidates(view, table_keys):
        if tried == _MAX_KEY_TRIES:
            break
        if any(view.column(c).suggestion.skip for c in columns if c in {x.column.name for x in view.columns}):
            continue
        tried += 1
        probe = DeclaredView(
            name=view.name,
            relation=relation,
            key=tuple(f"k{i}" for i in range(len(columns))),
            columns=tuple(ViewColumn(c, f"k{i}", str) for i, c in enumerate(columns)),
        )
        try:
            proof = probe.check_key(db, relation, timeout_s)
        except BridgeError as exc:
            view.key_problem = f"({', '.join(columns)}): {exc.detail.split(': ', 1)[-1]}"
            continue
        view.key, view.key_proof = columns, f"{why} ({proof})"
        view.key_problem = ""
        return
    if not tried:
        view.key_problem = "no primary key, unique index, or column unique in the sample"


def _shown(column: DiscoveredColumn, value: Any) -> Any:
    """A sampled value as the field shows it (what an example passes as a filter)."""
    if column.suggestion.char and isinstance(value, str):
        return value.rstrip(" \x00")
    return int(value) if column.suggestion.type == "int" and not isinstance(value, str) else value


def _choose_filters(view: DiscoveredView) -> None:
    """The key's first column (a lookup, and the narrow example every export is tried with)
    and up to two code columns (status, currency, unit) as filters, with sampled values."""
    key = view.column(view.key[0])
    if key.suggestion.type in {"str", "int"} and key.suggestion.read in {None, "strip_char"}:
        view.filters.append(key.column.name)
        if key.values:
            view.example[key.column.name] = _shown(key, key.values[0])
    for c in view.exposed:
        if len(view.filters) >= 3 or c.column.name in view.key:
            continue
        distinct = Counter(_shown(c, v) for v in c.values)
        short = (c.column.length or max((len(str(v)) for v in distinct), default=99)) <= _CODE_LENGTH
        if (
            c.suggestion.type == "str"
            and c.suggestion.read in {None, "strip_char"}
            and short
            and 2 <= len(distinct) <= _MAX_FILTER_VALUES
            and view.sampled >= 2 * len(distinct)
        ):
            view.filters.append(c.column.name)
            view.example[c.column.name] = distinct.most_common(1)[0][0]


def _included(patterns: str | None) -> Callable[[str], bool]:
    if not patterns:
        return lambda _name: True
    wanted = [p.strip().lower() for p in patterns.split(",") if p.strip()]
    return lambda name: any(fnmatch.fnmatchcase(name.lower(), p) for p in wanted)


def discover_with(
    db: ReadOnlyConnection,
    relations: Sequence[Relation],
    *,
    dialect: Dialect,
    schema: str | None = None,
    table_keys: Mapping[str, tuple[str, ...]] | None = None,
    sample_rows: int = 200,
    timeout_s: float = 10.0,
) -> Discovery:
    """Sample, suggest and find keys for ``relations`` (already reflected) through ``db``;
    ``table_keys`` — the primary key of each table, by name (default: those of ``relations``)."""
    found = Discovery(dialect, schema, sample_rows=sample_rows)
    if table_keys is None:
        table_keys = {r.name: r.primary_key for r in relations if r.primary_key and not r.is_view}
    names: set[str] = set()
    for rel in relations:
        if rel.problem:
            found.skipped.append((rel.name, f"its columns cannot be read: {rel.problem}"))
            continue
        if needs_quoting(dialect, rel):
            found.skipped.append((rel.name, "its name or a column name needs quoting; declare it by hand"))
            continue
        qualified = f"{schema}.{rel.name}" if schema else rel.name
        try:
            rows = _sample(db, qualified, [c.name for c in rel.columns], sample_rows, timeout_s)
        except BridgeError as exc:
            found.skipped.append((rel.name, f"not readable: {exc.detail}"))
            continue
        taken: set[str] = set()
        columns = []
        for i, col in enumerate(rel.columns):
            values = [row[i] for row in rows if row[i] is not None]
            columns.append(
                DiscoveredColumn(
                    col, _field_name(col.name, taken), suggest(col, values), values, nulls=len(rows) - len(values)
                )
            )
        view = DiscoveredView(rel, _field_name(rel.name, names), columns, sampled=len(rows))
        if not view.exposed:
            found.skipped.append((rel.name, "no column has a usable reading"))
            continue
        _prove(db, view, qualified, table_keys, timeout_s)
        if view.key:
            _choose_filters(view)
        found.views.append(view)
    return found


def discover(
    settings: RdbmsSettings,
    *,
    password: str | None = None,
    schema: str | None = None,
    tables: str | None = None,
    sample_rows: int = 200,
    timeout_s: float = 10.0,
) -> Discovery:
    """Reflect and sample the database ``settings`` reach, read-only (see the module docstring).

    ``tables`` — comma-separated name patterns (``ORD*,VPRDMST``, any case); ``timeout_s`` bounds
    each catalog query, sample and key proof."""
    dialect = Dialect(settings.dialect)
    live = open_catalog_port(settings, password)
    try:
        engine = catalog_engine(dialect, live._open, timeout_s)
        try:
            catalog = reflect(engine, schema, _included(tables))
        except Exception as exc:  # SQLAlchemy's or the driver's: report it as the catalog's, secrets scrubbed
            detail = connstr.redact(str(exc).splitlines()[0], [password or ""])
            raise LegacyError(f"reading the catalog failed: {detail}") from None
        finally:
            engine.dispose()
        return discover_with(
            live,
            catalog.relations,
            dialect=dialect,
            schema=schema,
            table_keys=catalog.table_keys,
            sample_rows=sample_rows,
            timeout_s=timeout_s,
        )
    finally:
        live.close()
