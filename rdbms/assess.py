"""Assess a database read-only: relations, row counts, column profiles, keys and duplicates.

Built on discovery (:func:`rdbms.discover.discover_with`), so it is safe against production
the same way: the hardened read-only connection (its account probed, a writable one refused),
the catalog read under a server-side statement timeout, every other query one gated SELECT
under a deadline, and never more connections than ``pool_size`` (one by default).

Cost is bounded per relation, whatever its size:

* **Row counts** — exact where cheap, estimated where not. The catalog's estimate is read first
  (``pg_class.reltuples`` on PostgreSQL, ``information_schema.TABLES.TABLE_ROWS`` on MariaDB;
  SQLite keeps none); when there is none, or it is at most ``count_limit``, a bounded
  ``SELECT COUNT(*) FROM (SELECT 1 FROM t LIMIT count_limit + 1)`` counts exactly up to the
  limit; past it the count is reported as an estimate (or as "more than the limit").
* **Profiles** — from the first ``sample_rows`` rows the database returns (``LIMIT n`` with no
  ``ORDER BY``: storage order, the cheapest read there is, and biased towards the oldest rows of
  an append-only table — the report says so). Never a full scan.
* **References and orphans** — the foreign keys the catalog declares, then those inferred by column
  name (:mod:`rdbms.references`: legacy databases rarely declare them); each referencing column's
  sampled values looked up in the parent's key.
* **Dates** — when the relation is larger than the sample and has a one-column key, the date columns of
  the last ``sample_rows`` rows by that key are read too (``ORDER BY key DESC LIMIT n``), so freshness
  sees the newest history as well as the oldest.
* **Keys** — the key discovery proves (catalog primary key or unique index; otherwise one bounded
  ``GROUP BY … HAVING COUNT(*) > 1 LIMIT 1`` under the deadline); a relation with none is reported
  with the candidate that failed and why (a duplicate, a NULL, or no time).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.errors import BridgeError, LegacyError
from bridges.core.personal import comparable, mask
from rdbms import connstr
from rdbms.assess_quoted import profile_quoted, quoted_name
from rdbms.catalog_port import open_catalog_port
from rdbms.discover import DiscoveredView, discover_with
from rdbms.profile import NEEDS_WORK, ColumnProfile, Finding, profile_column, set_dates
from rdbms.references import Reference, Sampled, check_orphans, declared_references, infer_references
from rdbms.reflect import ForeignKey, catalog_engine, needs_quoting, reflect
from rdbms.settings import RdbmsSettings
from rdbms.types import Dialect, ReadOnlyConnection

__all__ = ["DatabaseAssessment", "RelationAssessment", "RowCount", "assess_database", "assess_with"]

STALE_DAYS = 2 * 365
"""A relation whose newest date (of any date column, sentinels left out) is older than this is stale."""
DUPLICATE_SHARE = 0.9
"""An identifier-named column with at least this share of distinct values in the sample is taken for an identifier."""
_STREET_NAME = re.compile(r"ADR|ADDR|STREET|STRASSE", re.IGNORECASE)
_IDENTIFIER_NAME = re.compile(r"(NO|NUM|NR|ID|KEY|CUSN|ACCT?|CODE)$", re.IGNORECASE)
COUNT_LIMIT = 1_000_000
"""Rows a bounded COUNT reads at most by default (≈0.1 s on SQLite, less on a server)."""


@dataclass(frozen=True)
class RowCount:
    """A relation's rows: ``exact``, or an estimate and where it came from."""

    rows: int | None
    exact: bool
    how: str

    def as_dict(self) -> dict[str, Any]:
        """The count as the JSON report writes it."""
        return {"rows": self.rows, "exact": self.exact, "how": self.how}


@dataclass
class RelationAssessment:
    """One table or view: its count, key, column profiles and findings."""

    name: str
    is_view: bool
    count: RowCount
    sampled: int = 0
    key: tuple[str, ...] = ()
    key_proof: str = ""
    key_problem: str = ""
    columns: list[ColumnProfile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problem: str = ""
    """Why it could not be profiled (then only its count, if any, is known)."""
    dates_from: str = ""
    """Which rows the date ranges and freshness come from, when not the sample alone."""
    seconds: float = 0.0

    def all_findings(self) -> list[Finding]:
        """The relation's own findings, then each column's."""
        return [*self.findings, *(f for c in self.columns for f in c.findings)]

    def as_dict(self) -> dict[str, Any]:
        """The relation as the JSON report writes it."""
        return {
            "name": self.name,
            "kind": "view" if self.is_view else "table",
            "count": self.count.as_dict(),
            "sampled": self.sampled,
            "key": list(self.key),
            "key_proof": self.key_proof,
            "key_problem": self.key_problem,
            "problem": self.problem,
            "dates_from": self.dates_from,
            "seconds": round(self.seconds, 3),
            "columns": [c.as_dict() for c in self.columns],
            "findings": [f.as_dict() for f in self.all_findings()],
        }


@dataclass
class DatabaseAssessment:
    """Everything found in one database, with what the assessment cost."""

    dialect: Dialect
    schema: str | None
    sample_rows: int
    count_limit: int
    relations: list[RelationAssessment] = field(default_factory=list)
    write_findings: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    queries: int = 0
    rows_read: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The database part of the JSON report."""
        return {
            "dialect": self.dialect.value,
            "schema": self.schema,
            "sampling": {
                "rows_per_relation": self.sample_rows,
                "method": "the first rows the database returns (LIMIT n, no ORDER BY): storage order, never a "
                "full scan; biased towards the oldest rows of an append-only table",
                "count_limit": self.count_limit,
            },
            "account_can_write": self.write_findings,
            "references": [r.as_dict() for r in self.references],
            "cost": {"queries": self.queries, "rows_read": self.rows_read, "seconds": round(self.seconds, 3)},
            "relations": [r.as_dict() for r in self.relations],
        }


class _Counting:
    """A ``ReadOnlyConnection`` that counts the queries and rows it passes on (the assessment's cost)."""

    def __init__(self, db: ReadOnlyConnection) -> None:
        self.db, self.queries, self.rows = db, 0, 0

    def query(self, sql: str, params: Any = (), **kwargs: Any) -> Any:
        result = self.db.query(sql, params, **kwargs)
        self.queries += 1
        self.rows += len(result.rows)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def catalog_estimates(engine: Engine, dialect: Dialect, schema: str | None) -> dict[str, int]:
    """Row estimates the catalog keeps, by relation name (none on SQLite; a table never analysed has none)."""
    if dialect is Dialect.POSTGRESQL:
        sql = (
            "SELECT c.relname, c.reltuples FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = " + ("?" if schema else "current_schema()")
        )
    elif dialect is Dialect.MARIADB:
        sql = (
            "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES"
            " WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA = " + ("?" if schema else "DATABASE()")
        )
    else:
        return {}
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, (schema,) if schema else ()).fetchall()
    return {str(name): int(n) for name, n in rows if n is not None and float(n) >= 0}


def count_rows(db: ReadOnlyConnection, relation: str, estimate: int | None, limit: int, timeout_s: float) -> RowCount:
    """The rows of ``relation``: counted exactly up to ``limit`` when the estimate allows, else the estimate."""
    if estimate is not None and estimate > limit:
        return RowCount(estimate, False, "catalog estimate")
    with deadline_scope(Deadline(timeout_s)):
        counted = db.query(f"SELECT COUNT(*) FROM (SELECT 1 FROM {relation} LIMIT {int(limit) + 1}) bounded").rows
    n = int(counted[0][0])
    if n <= limit:
        return RowCount(n, True, "counted")
    if estimate is not None:
        return RowCount(estimate, False, f"catalog estimate (more than {limit} rows counted)")
    return RowCount(n, False, f"more than {limit} (bounded count)")


def _newest_dates(
    db: ReadOnlyConnection,
    r: RelationAssessment,
    view: DiscoveredView,
    relation: str,
    rows: int,
    timeout_s: float,
    as_of: dt.date,
) -> None:
    """When the first rows are not the whole relation, read the date columns of the last ``rows`` rows by
    its key too (one ``ORDER BY key DESC LIMIT n``: the key's index read backwards), so the date range
    and freshness see the newest history, not only the oldest storage order holds."""
    dated = [(c, p) for c, p in zip(view.columns, r.columns, strict=True) if p.date_range]
    if not dated or len(view.key) != 1 or not r.count.rows or r.count.rows <= view.sampled:
        return
    columns = ", ".join(c.column.name for c, _ in dated)
    try:
        with deadline_scope(Deadline(timeout_s)):
            sql = f"SELECT {columns} FROM {relation} ORDER BY {view.key[0]} DESC LIMIT {int(rows)}"
            tail = db.query(sql, max_rows=rows).rows
    except BridgeError:
        return  # the first rows' dates stand alone
    for i, (c, p) in enumerate(dated):
        set_dates(p, [*c.values, *(row[i] for row in tail)], as_of)
    r.dates_from = f"the first {view.sampled} rows and the last {len(tail)} by {view.key[0]}"


def _duplicate_records(r: RelationAssessment, view: DiscoveredView) -> None:
    """Sampled rows that hold the same person under different keys: the same name and address once
    case, accents and punctuation are folded (columns with NULLs are left out: rows would not align)."""
    kinds = {p.name: p.personal for p in r.columns}
    columns = [c for c in view.columns if kinds.get(c.column.name) in {"name", "address"} and not c.nulls]
    has_name = any(kinds[c.column.name] == "name" for c in columns)
    if not has_name or not any(_STREET_NAME.search(c.column.name) for c in columns):
        return  # a name and a city alone: two people of one name in one town are not one
    groups: dict[tuple[str, ...], int] = Counter(
        tuple(comparable(str(v)) for v in row) for row in zip(*(c.values for c in columns), strict=True)
    )
    repeated = {k: n for k, n in groups.items() if n > 1 and all(k)}
    if repeated:
        shown = [f"{mask(' '.join(k))[:40]} ×{n}" for k, n in list(repeated.items())[:3]]
        names = "+".join(c.column.name for c in columns)
        note = "the same name and address under different keys: one customer entered twice?"
        r.findings.append(
            Finding("duplicate_records", names, sum(repeated.values()), view.sampled, NEEDS_WORK, shown, note)
        )


def _relation_findings(r: RelationAssessment, view: DiscoveredView | None, as_of: dt.date) -> None:
    if view is None:
        return
    if not view.key:
        why = view.key_problem or "no candidate"
        r.findings.append(Finding("no_key", "-", 1, view.sampled, NEEDS_WORK, [], why))
    for c in view.columns:
        if (c.column.name,) == view.key or not _IDENTIFIER_NAME.search(c.column.name):
            continue
        counts = Counter(v for v in c.values if not (isinstance(v, str) and not v.strip()))
        repeated = {v: n for v, n in counts.items() if n > 1}
        # Nearly unique in the sample (an identifier) yet repeated: duplicate records, or a key that is not one.
        if repeated and not c.nulls and len(counts) >= DUPLICATE_SHARE * view.sampled:
            examples = [f"{str(v).rstrip()} ×{n}" for v, n in list(repeated.items())[:3]]
            note = "nearly unique, so an identifier, yet repeated: duplicate records?"
            count = sum(repeated.values())
            r.findings.append(Finding("duplicate_key", c.column.name, count, view.sampled, NEEDS_WORK, examples, note))
    _duplicate_records(r, view)
    newest = max((c.date_range[1] for c in r.columns if c.date_range), default=None)
    if newest and dt.date.fromisoformat(newest) < as_of - dt.timedelta(days=STALE_DAYS):
        dated = sum(sum(c.freshness.values()) for c in r.columns)
        note = f"the newest date seen is {newest}: is this history still kept up to date, and is it needed?"
        r.findings.append(Finding("stale_history", "-", dated, dated, NEEDS_WORK, [newest], note))


def _references(
    db: ReadOnlyConnection,
    found: DatabaseAssessment,
    sampled: list[Sampled],
    timeout_s: float,
    foreign_keys: Sequence[ForeignKey] = (),
) -> None:
    """The references among the relations sampled in this run — declared foreign keys first, then those
    inferred from names — with their sampled values looked up, and an ``orphan`` finding added to each
    referencing relation whose sample holds values its parent lacks."""
    by_name = {s.name: s for s in sampled}
    relations = {r.name: r for r in found.relations}
    declared = declared_references(foreign_keys, sampled)
    for reference in [*declared, *infer_references(sampled, declared)]:
        if reference.problem:
            found.references.append(reference)
            continue
        check_orphans(db, reference, by_name[reference.child], by_name[reference.parent], timeout_s)
        found.references.append(reference)
        if reference.orphans:
            note = f"no {reference.parent}.{reference.key} for these ({reference.how})"
            relations[reference.child].findings.append(
                Finding(
                    "orphan",
                    reference.column,
                    reference.orphans,
                    reference.checked,
                    NEEDS_WORK,
                    reference.examples,
                    note,
                )
            )


def assess_with(
    db: ReadOnlyConnection,
    catalog_relations: list[Any],
    *,
    dialect: Dialect,
    schema: str | None = None,
    table_keys: dict[str, tuple[str, ...]] | None = None,
    foreign_keys: Sequence[ForeignKey] = (),
    estimates: dict[str, int] | None = None,
    sample_rows: int = 1000,
    count_limit: int = COUNT_LIMIT,
    timeout_s: float = 10.0,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] = lambda _name: None,
    skip: Collection[str] = (),
    on_done: Callable[[RelationAssessment], None] = lambda _relation: None,
) -> DatabaseAssessment:
    """Count, sample, profile and find keys for ``catalog_relations`` (already reflected) through ``db``;
    relations named in ``skip`` (assessed before, the assessment resumed) are left out, and ``on_done``
    hears of each relation once it is assessed (to keep a checkpoint)."""
    started = time.perf_counter()
    counting = _Counting(db)
    found = DatabaseAssessment(dialect, schema, sample_rows, count_limit)
    estimates = estimates or {}
    sampled: list[Sampled] = []
    for rel in catalog_relations:
        if rel.name in skip:
            continue
        progress(rel.name)
        begun = time.perf_counter()
        quoting = not rel.problem and needs_quoting(dialect, rel)
        qualified = (
            quoted_name(dialect, rel.name, schema) if quoting else f"{schema}.{rel.name}" if schema else rel.name
        )
        try:
            count = count_rows(counting, qualified, estimates.get(rel.name), count_limit, timeout_s)
        except BridgeError as exc:
            count = RowCount(estimates.get(rel.name), False, f"not counted: {exc.detail}")
        r = RelationAssessment(rel.name, rel.is_view, count)
        found.relations.append(r)
        if quoting:  # discovery leaves it out (a declared view writes names unquoted): profiled here
            profile_quoted(
                counting,
                r,
                rel,
                dialect=dialect,
                qualified=qualified,
                sample_rows=sample_rows,
                timeout_s=timeout_s,
                as_of=as_of,
            )
            r.seconds = time.perf_counter() - begun
            on_done(r)
            continue
        discovery = discover_with(
            counting,
            [rel],
            dialect=dialect,
            schema=schema,
            table_keys=table_keys,
            sample_rows=sample_rows,
            timeout_s=timeout_s,
        )
        if discovery.skipped:
            r.problem = discovery.skipped[0][1]
        view = discovery.views[0] if discovery.views else None
        if view is not None:
            r.sampled, r.key, r.key_proof, r.key_problem = view.sampled, view.key, view.key_proof, view.key_problem
            for c in view.columns:
                values = [*c.values, *([None] * c.nulls)]
                r.columns.append(
                    profile_column(c.column, values, total_rows=count.rows, as_of=as_of, suggestion=c.suggestion)
                )
            _newest_dates(counting, r, view, qualified, sample_rows, timeout_s, as_of or dt.date.today())
            sampled.append(
                Sampled(
                    rel.name,
                    qualified,
                    rel.is_view,
                    view.key,
                    {c.column.name: c.values for c in view.columns},
                    {c.column.name: c.column.kind for c in view.columns},
                )
            )
        _relation_findings(r, view, as_of or dt.date.today())
        r.seconds = time.perf_counter() - begun
        on_done(r)
    _references(counting, found, sampled, timeout_s, foreign_keys)
    found.queries, found.rows_read = counting.queries, counting.rows
    found.seconds = time.perf_counter() - started
    return found


def assess_database(
    settings: RdbmsSettings,
    *,
    password: str | None = None,
    schema: str | None = None,
    tables: str | None = None,
    sample_rows: int = 1000,
    count_limit: int = COUNT_LIMIT,
    timeout_s: float = 10.0,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] = lambda _name: None,
    skip: Collection[str] = (),
    on_done: Callable[[RelationAssessment], None] = lambda _relation: None,
) -> DatabaseAssessment:
    """Assess the database ``settings`` reach, read-only (see the module docstring); ``sample_rows`` is
    capped at ``settings.max_rows``, the row cap of one answer the facade uses too."""
    from rdbms.discover import _included
    dialect = Dialect(settings.dialect)
    sample_rows = min(sample_rows, settings.max_rows)
    live = open_catalog_port(settings, password)
    try:
        engine = catalog_engine(dialect, live._open, timeout_s)
        try:
            catalog = reflect(engine, schema, _included(tables))
            estimates = catalog_estimates(engine, dialect, schema)
        except Exception as exc:  # SQLAlchemy's or the driver's: report it as the catalog's, secrets scrubbed
            detail = connstr.redact(str(exc).splitlines()[0], [password or ""])
            raise LegacyError(f"reading the catalog failed: {detail}") from None
        finally:
            engine.dispose()
        found = assess_with(
            live,
            catalog.relations,
            dialect=dialect,
            schema=schema,
            table_keys=catalog.table_keys,
            foreign_keys=catalog.foreign_keys,
            estimates=estimates,
            sample_rows=sample_rows,
            count_limit=count_limit,
            timeout_s=timeout_s,
            as_of=as_of,
            progress=progress,
            skip=skip,
            on_done=on_done,
        )
        found.write_findings = list(live.write_findings)
        return found
    finally:
        live.close()
