"""The base of a database bridge: connection, schema, page cursors, declared views and ``run_sql``.

A bridge over a database subclasses :class:`DatabaseBridge`, lists its declared views
and assigns their operations; it then has, without copying any of it::

    class OrdersBridge(DatabaseBridge):
        name = "orders"
        Settings = OrdersSettings            # DatabaseSettings plus the bridge's own options
        views = (PRODUCTS,)
        list_products, export_products = PRODUCTS.operations()

* ``self.db`` — the read-only port (live, recording or replaying, see :func:`rdbms.open_connection`);
* ``self.relation(name)`` — ``name`` qualified by ``db_schema``;
* ``self.keyset`` — page cursors signed with ``secrets.cursor_key`` (or a key derived from
  the instance name and connection string when none is configured);
* start-up checks: the declared columns exist and every view's key is proven unique
  (:func:`rdbms.tables.check_views`; :meth:`check` repeats them);
* ``run_sql`` — off unless ``raw_sql = true``; limited to the declared views and the
  schemas in ``raw_sql_schemas`` (:mod:`rdbms.raw`).
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from pydantic import Field

from bridges.core.errors import Refused
from bridges.core.operation import Bridge, BridgeContext, Example, operation
from rdbms.keyset import KeysetCursors
from rdbms.raw import RawRows, RawSql, RelationAllowList, run_sql
from rdbms.settings import RdbmsSettings, open_connection
from rdbms.tables import DeclaredView, check_views, verify_columns

__all__ = ["DatabaseBridge", "DatabaseSettings"]

_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"


class DatabaseSettings(RdbmsSettings):
    """A database bridge's options: the connection (:class:`~rdbms.RdbmsSettings`) and what every
    database bridge shares."""

    db_schema: str | None = Field(
        None, pattern=_IDENTIFIER,
        description="Schema (PostgreSQL) or database (MariaDB) holding the views, when not the default.",
    )
    raw_sql: bool = Field(False, description="Serve `run_sql` (one gated SELECT, parameters bound). Off by default.")
    raw_sql_schemas: list[str] = Field(
        default_factory=list, max_length=32,
        description="Schemas `run_sql` may read besides the declared views (catalog schemas are always refused).",
    )
    key_check_s: float = Field(30.0, gt=0, le=3600,
                               description="Time allowed at start-up to prove each declared view's key unique.")


class DatabaseBridge(Bridge):
    """A bridge over one database, read-only (subclass it; see the module docstring)."""

    Settings: ClassVar[type[DatabaseSettings]] = DatabaseSettings  # type: ignore[assignment]
    budget_options = ("pool_size",)
    views: ClassVar[tuple[DeclaredView, ...]] = ()
    """The declared views; their keys are proven unique at start-up."""
    relations: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    """Other (relation, columns) the bridge reads by its own SQL, checked at start-up."""

    def __init__(self, settings: DatabaseSettings, context: BridgeContext) -> None:  # type: ignore[override]
        super().__init__(settings, context)
        budget = None
        if context.leases is not None and context.cassette is None:
            budget = context.leases.budget(context.instance_name, limit=settings.pool_size)
        self.db = open_connection(settings, system=type(self).name, cassette=context.cassette,
                                  secrets=context.secrets, budget=budget)
        secret = context.secrets.get("cursor_key") or hashlib.sha256(
            f"legacy-bridges {type(self).name} {context.instance_name} {settings.connection}".encode()
        ).hexdigest()
        self.keyset = KeysetCursors(secret)
        if not settings.raw_sql:
            self.operations = {k: v for k, v in type(self).operations.items() if k != "run_sql"}
        self.raw_relations = RelationAllowList(
            settings.dialect, [self.relation(v.relation) for v in self.views]
            + [self.relation(r) for r, _ in self.relations], settings.raw_sql_schemas)
        try:
            self.check()
        except BaseException:
            self.db.close()
            raise

    def relation(self, view: str) -> str:
        """``view`` qualified by the configured schema."""
        schema = self.settings.db_schema  # type: ignore[attr-defined]
        return f"{schema}.{view}" if schema else view

    def check(self) -> dict[str, str]:
        """Every declared column exists and every view's key is unique (ConfigError naming the view if not).

        Returns how each key was proven, by view name."""
        for relation, columns in self.relations:
            verify_columns(self.db, self.relation(relation), columns)
        for view in self.views:
            verify_columns(self.db, self.relation(view.relation), [c.column for c in view.columns])
        return check_views(self.db, self.views, self.relation, self.settings.key_check_s)  # type: ignore[attr-defined]

    @operation(
        summary="Run one read-only SELECT (when switched on)",
        examples=[Example({"sql": "SELECT COUNT(*) AS N FROM VIEW_NAME"})],
    )
    def run_sql(self, query: RawSql) -> RawRows:
        """One SELECT with `?` parameters, through the same gate as every declared query (one statement,
        SELECT/UNION only, no write node, allow-listed functions) and the same read-only transaction,
        reading only the declared views (and configured schemas). Values as plain JSON: Decimal as
        exact text, whole numbers as integers, NaN/Infinity as strings. Served only when `raw_sql` is on."""
        if not self.settings.raw_sql:  # type: ignore[attr-defined]
            raise Refused("raw SQL is switched off for this bridge")
        return run_sql(self.db, query, self.raw_relations, max_rows=self.settings.max_rows,  # type: ignore[attr-defined]
                       max_bytes=self.settings.max_bytes)  # type: ignore[attr-defined]

    def ping(self) -> dict[str, Any]:
        """One round trip (none when replaying)."""
        return self.db.ping()

    def status(self) -> dict[str, Any]:
        """Pool or cassette state."""
        return self.db.status()

    def close(self) -> None:
        """Close the pool (and write the cassette when recording)."""
        self.db.close()
