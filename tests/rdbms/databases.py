"""The three ORDERS databases the rdbms and orders tests run on (shared helper, not a test module).

Each server gets a private copy named after this process (schema on PostgreSQL,
database on MariaDB) and a reader account of these tests' own, so the shared
``orders`` data and ``orders_reader`` are never touched; all is dropped at the end.
In CI an unreachable database fails the tests that need it; elsewhere they skip.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridges.core.testing import real_part_missing
from fixtures.orders import (
    DEFAULT_POSTGRES_DSN,
    build_sqlite,
    checksum,
    connect_mariadb,
    connect_postgres,
    create_mariadb_reader,
    create_postgres_reader,
    drop_mariadb,
    drop_postgres,
    load_mariadb,
    load_postgres,
)

PRIVATE = f"orders_rd{os.getpid()}"
READER = "orders_rd_reader"
READER_PASSWORD = "rd-reader-Pw;{x}"  # braces and ';' prove the connection-string quoting
DIALECTS = ("sqlite", "postgresql", "mariadb")
PG_ODBC = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test"
MARIADB_ODBC = "Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Database=" + PRIVATE



def need_driver(name: str) -> None:
    """Skip (fail in CI) when the ODBC driver ``name`` is not installed."""
    try:
        import pyodbc
    except ImportError:
        real_part_missing("pyodbc")
    if name not in pyodbc.drivers():
        real_part_missing(f"ODBC driver {name!r}")


@dataclass
class Target:
    """One loaded database: bridge options for the reader, an admin's, and its checksum."""

    dialect: str
    options: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    admin_options: dict[str, Any] = field(default_factory=dict)
    admin_secrets: dict[str, str] = field(default_factory=dict)
    schema: str | None = None
    sqlite_path: Path | None = None

    def relation(self, view: str) -> str:
        """``view`` qualified for this database."""
        return f"{self.schema}.{view}" if self.schema else view

    def checksum(self) -> str:
        """The data checksum, read with an administrator connection."""
        if self.dialect == "sqlite":
            import sqlite3

            conn = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True)
            try:
                return checksum(conn)
            finally:
                conn.close()
        if self.dialect == "postgresql":
            with connect_postgres() as conn:
                return checksum(conn, self.schema)
        conn = connect_mariadb()
        try:
            return checksum(conn, PRIVATE)
        finally:
            conn.close()


def sqlite_target(directory: Path) -> Target:
    """ORDERS in a SQLite file, read through sqliteodbc."""
    need_driver("SQLite3")
    path = build_sqlite(directory / "orders.sqlite")
    options = {"connection": f"Driver=SQLite3;Database={path}", "dialect": "sqlite"}
    return Target("sqlite", options, admin_options=dict(options), sqlite_path=path)


def postgres_target() -> Target:
    """ORDERS in a private PostgreSQL schema, read by a SELECT-only role through psqlODBC."""
    need_driver("PostgreSQL Unicode")
    try:
        connect_postgres().close()
    except Exception as exc:
        real_part_missing(f"PostgreSQL at {DEFAULT_POSTGRES_DSN}: {exc}")
    load_postgres(DEFAULT_POSTGRES_DSN, PRIVATE)
    create_postgres_reader(DEFAULT_POSTGRES_DSN, PRIVATE, reader=READER, set_search_path=False)
    return Target(
        "postgresql",
        {"connection": PG_ODBC, "dialect": "postgresql", "user": READER, "db_schema": PRIVATE},
        admin_options={"connection": PG_ODBC, "dialect": "postgresql", "user": "postgres", "db_schema": PRIVATE},
        schema=PRIVATE,
    )


def mariadb_target() -> Target:
    """ORDERS in a private MariaDB database, read by a SELECT-only user through MariaDB ODBC."""
    need_driver("MariaDB Unicode")
    try:
        connect_mariadb().close()
    except Exception as exc:
        real_part_missing(f"MariaDB at 127.0.0.1:3306: {exc}")
    load_mariadb(PRIVATE)
    create_mariadb_reader(PRIVATE, reader=READER, reader_password=READER_PASSWORD)
    return Target(
        "mariadb",
        {"connection": MARIADB_ODBC, "dialect": "mariadb", "user": READER},
        secrets={"password": READER_PASSWORD},
        admin_options={"connection": MARIADB_ODBC, "dialect": "mariadb", "user": "root"},
    )


def drop_servers() -> None:
    """Drop the private copies (the reader accounts stay, granted nothing that remains)."""
    for drop in (lambda: drop_postgres(DEFAULT_POSTGRES_DSN, PRIVATE), lambda: drop_mariadb(PRIVATE)):
        with contextlib.suppress(Exception):  # the server was never reached; nothing to drop
            drop()
