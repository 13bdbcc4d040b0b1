"""What differs between the databases: hardening the connection, the read-only
transaction and server-side timeout of each request, the write probe, error classes.

The ODBC read-only attribute is ignored by all three drivers, so each database gets
its own levers: SQLite a ``mode=ro`` URI with ``NoCreat=1`` (and ``query_only``);
PostgreSQL a ``READ ONLY`` transaction with ``SET LOCAL statement_timeout``; MariaDB a
``START TRANSACTION READ ONLY`` and ``max_statement_time``.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from rdbms import connstr
from rdbms.types import Dialect

__all__ = ["DialectRules", "rules_for"]


@dataclass(frozen=True)
class DialectRules:
    """The read-only levers of one database."""

    dialect: Dialect

    # -- connection ---------------------------------------------------------------

    def harden(self, pairs: list[tuple[str, str]], *, streaming: bool = False,
               fetch_rows: int = 1000) -> list[tuple[str, str]]:
        """The connection string's pairs with this database's read-only/streaming options."""
        if self.dialect is Dialect.SQLITE:
            database = connstr.get(pairs, "Database")
            if database and not database.startswith("file:") and database != ":memory:":
                database = f"file:{quote(str(Path(database).resolve()))}?mode=ro"
            elif database and database.startswith("file:") and not _sqlite_modes(database):
                database += ("&" if "?" in database else "?") + "mode=ro"
            if database:
                pairs = connstr.put(pairs, "Database", database)
            if streaming:  # sqlite3_step row by row; otherwise sqliteodbc loads the whole result
                pairs = connstr.put(pairs, "StepAPI", "1")
            return connstr.put(pairs, "NoCreat", "1")
        if self.dialect is Dialect.POSTGRESQL:
            # Not psqlODBC's ReadOnly=1: it refuses SET TRANSACTION READ ONLY itself,
            # and lets a writable CTE through anyway.
            if streaming:  # otherwise psqlODBC buffers the whole result in memory
                pairs = connstr.put(connstr.put(pairs, "UseDeclareFetch", "1"), "Fetch", str(fetch_rows))
            return pairs
        if streaming:  # MariaDB ODBC >= 3.1.17 streams forward-only results row by row; older ones ignore it
            pairs = connstr.put(connstr.put(pairs, "NO_CACHE", "1"), "FORWARDONLY", "1")
        return pairs

    def login_timeout(self, pairs: list[tuple[str, str]], seconds: int) -> list[tuple[str, str]]:
        """The pairs with the driver's own bound on a login of ``seconds``, where the ODBC
        login timeout is not enough: MariaDB Connector/ODBC ignores it, so a server that
        accepts the connection but never greets would hold the login for ever; its
        ``CONN_TIMEOUT`` bounds the handshake too."""
        if self.dialect is Dialect.MARIADB:
            return connstr.put(pairs, "CONN_TIMEOUT", str(seconds))
        return pairs

    def connection_findings(self, pairs: list[tuple[str, str]]) -> list[str]:
        """What the connection string itself opens for writing (SQLite: a ``mode`` other
        than ``ro``); the start-up probe refuses these like a writable account."""
        if self.dialect is not Dialect.SQLITE:
            return []
        modes = _sqlite_modes(connstr.get(pairs, "Database") or "")
        return [f"the connection string opens the file mode={mode}" for mode in modes if mode != "ro"]

    @property
    def streams_results(self) -> bool:
        """Whether the Debian driver can hand a big result out row by row (MariaDB
        Connector/ODBC before 3.1.17 loads it whole: exports go in keyset chunks)."""
        return self.dialect is not Dialect.MARIADB

    def autocommit(self) -> bool:
        """Whether the connection runs in autocommit (each request opens its own transaction)."""
        return self.dialect is not Dialect.POSTGRESQL

    def on_connect(self, cnxn: Any) -> None:
        """Per-connection settings applied once, when it is opened."""
        cursor = cnxn.cursor()
        try:
            if self.dialect is Dialect.SQLITE:
                cursor.execute("PRAGMA query_only = 1")
                _text_as_utf8(cnxn)
            elif self.dialect is Dialect.MARIADB:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                _decimals_as_text(cnxn)
        finally:
            cursor.close()

    # -- each request -------------------------------------------------------------

    def begin(self, cursor: Any, timeout_s: float) -> None:
        """Open the request's read-only transaction and arm the server-side timeout."""
        if self.dialect is Dialect.POSTGRESQL:
            ms = max(1, math.ceil(timeout_s * 1000))
            # jit off: LLVM compilation of a costly plan ignores a cancel until it is done (measured
            # up to ~1 s past the deadline on a loaded 2-core machine); API reads do not gain from it.
            cursor.execute(f"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {ms}; SET LOCAL jit = off")
        elif self.dialect is Dialect.MARIADB:
            # Not ``SET STATEMENT … FOR SELECT``: MariaDB ODBC takes any ``SET`` for a
            # statement without a result set and falls out of sync on the text protocol.
            cursor.execute(f"SET SESSION max_statement_time = {max(0.001, timeout_s):.3f}")
            cursor.execute("START TRANSACTION READ ONLY")

    def rebound(self, cnxn: Any, timeout_s: float) -> None:
        """Change the server-side timeout of the statements still to come in this
        request's transaction (PostgreSQL: each later FETCH of a streamed result)."""
        if self.dialect is Dialect.POSTGRESQL:
            cursor = cnxn.cursor()
            try:
                cursor.execute(f"SET LOCAL statement_timeout = {max(1, math.ceil(timeout_s * 1000))}")
            finally:
                cursor.close()

    def end(self, cnxn: Any) -> None:
        """Close the request's transaction (nothing was written; roll back)."""
        if self.dialect is not Dialect.SQLITE:
            cnxn.rollback()

    # -- start-up write probe -----------------------------------------------------

    def write_probe(self, cnxn: Any) -> list[str]:
        """What the connected account could change; empty when it can only read.

        PostgreSQL and MariaDB are asked about privileges (nothing is attempted);
        SQLite is asked to take its write lock and create a table, in a transaction
        that is always rolled back.
        """
        cursor = cnxn.cursor()
        try:
            if self.dialect is Dialect.POSTGRESQL:
                cursor.execute(_PG_PROBE)
                # psqlODBC hands booleans back as '1'/'0' text (BoolsAsChar).
                flags = [str(v).lower() in {"1", "true", "t"} for v in cursor.fetchone()]
                found = [name for name, flag in zip(_PG_PROBE_NAMES, flags, strict=True) if flag]
                cnxn.rollback()
                return found
            if self.dialect is Dialect.MARIADB:
                cursor.execute(_MARIADB_PROBE)
                return sorted({f"{row[0]} ({row[1]})" for row in cursor.fetchall()})
            return _sqlite_probe(cursor)
        finally:
            cursor.close()

    # -- errors ---------------------------------------------------------------------

    def is_read_only_violation(self, sqlstate: str, message: str) -> bool:
        """The database refused a write because of a read-only lever."""
        text = message.lower()
        return (
            sqlstate == "25006"
            or "readonly database" in text
            or "read-only" in text
            or "read only" in text
            or "query_only" in text
            or "(1792)" in text
        )

    def is_timeout(self, sqlstate: str, message: str) -> bool:
        """A server-side timeout or a cancel stopped the statement."""
        text = message.lower()
        return (
            sqlstate in {"57014", "HYT00", "HYT01"}
            or "max_statement_time" in text
            or "(1969)" in text
            or "(1317)" in text
            or "interrupted" in text
            or "canceling statement" in text
        )

    def is_connection_lost(self, sqlstate: str, message: str) -> bool:
        """The connection is gone (killed, server restarted, network): never reuse it.

        Not only SQLSTATE class 08: psqlODBC reports a terminated backend as 57P01
        "The connection has been lost", MariaDB ODBC 3.1 a killed session as HY000
        "Write error: Broken pipe (5014)" and then 08S01 "Server has gone away (2006)".
        """
        return sqlstate.startswith("08") or sqlstate in _LOST_SQLSTATES or bool(_LOST_TEXT.search(message))

    def session_state_risk(self, sql: str) -> bool:
        """Whether ``sql`` may leave state in the session that survives the request's
        rollback (MariaDB user variables, user locks, LAST_INSERT_ID(x)); such a
        connection is retired instead of pooled, as MariaDB Connector/ODBC 3.1 has no
        COM_RESET_CONNECTION (it accepts ``SQL_ATTR_RESET_CONNECTION`` and ignores it)."""
        return self.dialect is Dialect.MARIADB and bool(_MARIADB_SESSION_STATE.search(sql))

    def reset(self, cnxn: Any) -> None:
        """Reset session state before the connection goes back to the pool (after ``end``).

        PostgreSQL: ``DISCARD ALL`` (session advisory locks, prepared plans, GUCs),
        which must run outside a transaction block, so in autocommit for one statement.
        MariaDB: see :meth:`session_state_risk`. SQLite: nothing (no session state a
        read-only request can leave).
        """
        if self.dialect is Dialect.POSTGRESQL:
            cnxn.autocommit = True
            try:
                cnxn.execute("DISCARD ALL").close()
            finally:
                cnxn.autocommit = False

    def is_permission_denied(self, sqlstate: str, message: str) -> bool:
        """The account lacks the privilege (a SELECT-only account met something else)."""
        text = message.lower()
        return (
            sqlstate == "42501"
            or "permission denied" in text
            or "command denied" in text
            or "access denied" in text
            or "(1142)" in text
            or "(1227)" in text
            or "load_extension is disabled" in text
            or "not authorized" in text
        )


_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
_LOST_TEXT = re.compile(
    r"connection has been lost|server closed the connection|no connection to the server|could not (send|receive) data"
    r"|terminating connection|connection not open|server has gone away|lost connection|broken pipe"
    r"|connection reset|connection was killed|\((2006|2013|2055|1927|5014)\)",
    re.IGNORECASE,
)
_MARIADB_SESSION_STATE = re.compile(
    r"(?<!@)@(?!@)|\b(LAST_INSERT_ID\s*\(\s*[^)\s]|GET_LOCK|RELEASE_LOCK|NEXTVAL|SETVAL|LASTVAL|NEXT\s+VALUE)",
    re.IGNORECASE,
)

_PG_PROBE_NAMES = ("superuser", "write privilege on a table or view", "CREATE on the database",
                   "CREATE on a schema", "server file access (lo_import/lo_export or a pg_*_server_files role)",
                   "large-object write (owner of or UPDATE on a large object, or lo_compat_privileges)")
_PG_PROBE = """
SELECT
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
  EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_%'
            AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')),
  has_database_privilege(current_database(), 'CREATE'),
  EXISTS (SELECT 1 FROM pg_namespace n
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_%'
            AND has_schema_privilege(n.oid, 'CREATE')),
  has_function_privilege('pg_catalog.lo_import(text)', 'EXECUTE')
    OR has_function_privilege('pg_catalog.lo_import(text, oid)', 'EXECUTE')
    OR has_function_privilege('pg_catalog.lo_export(oid, text)', 'EXECUTE')
    OR EXISTS (SELECT 1 FROM pg_roles r
               WHERE r.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program')
                 AND pg_has_role(current_user, r.oid, 'MEMBER')),
  current_setting('lo_compat_privileges') = 'on'
    OR EXISTS (SELECT 1 FROM pg_largeobject_metadata m WHERE pg_has_role(current_user, m.lomowner, 'MEMBER'))
    OR EXISTS (SELECT 1 FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a
               WHERE a.privilege_type = 'UPDATE' AND (a.grantee = 0 OR pg_has_role(current_user, a.grantee, 'MEMBER')))
"""

_MARIADB_WRITE_PRIVILEGES = (
    "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX", "CREATE VIEW", "CREATE ROUTINE",
    "ALTER ROUTINE", "TRIGGER", "EVENT", "FILE", "SUPER", "DELETE HISTORY", "CREATE TABLESPACE",
    "CREATE TEMPORARY TABLES", "CREATE USER", "READ_ONLY ADMIN",
)
_MARIADB_PROBE = (
    "SELECT PRIVILEGE_TYPE, 'global' FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN ({p})"
    " UNION SELECT PRIVILEGE_TYPE, TABLE_SCHEMA FROM information_schema.SCHEMA_PRIVILEGES"
    " WHERE PRIVILEGE_TYPE IN ({p})"
    " UNION SELECT PRIVILEGE_TYPE, CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLE_PRIVILEGES"
    " WHERE PRIVILEGE_TYPE IN ({p})"
).format(p=", ".join(f"'{p}'" for p in _MARIADB_WRITE_PRIVILEGES))


def _sqlite_modes(database: str) -> list[str]:
    return parse_qs(urlsplit(database).query).get("mode", []) if database.startswith("file:") else []


def _sqlite_probe(cursor: Any) -> list[str]:
    from rdbms.sqlite_ext import REFUSAL

    found: list[str] = []
    try:
        cursor.execute("SELECT load_extension('')")
        found.append("SQL load_extension() is enabled")
    except Exception as exc:  # refused, the answer we want: by our replacement or the driver's own switch
        text = str(exc)
        if REFUSAL not in text and "not authorized" not in text:
            found.append("SQL load_extension() is enabled")
    try:
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute("CREATE TABLE main.legacy_bridges_write_probe (x INTEGER)")
        found.append("the database file is writable")
    except Exception as exc:  # the driver's error class: refusing the write is the answer we want …
        if "locked" in str(exc):
            # … but a read-only connection never waits for the write lock (BEGIN IMMEDIATE succeeds
            # there whoever writes): this one could write, had no other connection been writing.
            found.append("the database file is writable (another connection held its write lock)")
    finally:
        with contextlib.suppress(Exception):  # no transaction was open
            cursor.execute("ROLLBACK")
    return found


def _decimal_from_text(raw: bytes | None) -> Decimal | None:
    return None if raw is None else Decimal(raw.decode("ascii"))


def _decimals_as_text(cnxn: Any) -> None:
    """Read DECIMAL/NUMERIC through our own converter on MariaDB connections.

    pyodbc 5.5's built-in decimal conversion leaks about 90 bytes per value with
    MariaDB Connector/ODBC 3.1 (1 M rows of two NUMERIC columns: +180 MB, never freed);
    converting the driver's text form ourselves leaks nothing and gives the same Decimal.
    """
    import pyodbc  # only reached on a live connection

    for sql_type in (pyodbc.SQL_DECIMAL, pyodbc.SQL_NUMERIC):
        cnxn.add_output_converter(sql_type, _decimal_from_text)


def _text_as_utf8(cnxn: Any) -> None:
    """Take SQLite text from sqliteodbc as the UTF-8 it is stored in (pyodbc decodes it).

    By default the driver first converts each value to UTF-16 for pyodbc to decode;
    the str is the same either way (both stop at a NUL, both refuse invalid UTF-8), and
    skipping the conversion saves ~0.06 µs per text value (a quarter of a µs a row of
    the bench export).
    """
    import pyodbc  # only reached on a live connection

    for sql_type in (pyodbc.SQL_CHAR, pyodbc.SQL_WCHAR):
        cnxn.setdecoding(sql_type, encoding="utf-8", ctype=pyodbc.SQL_CHAR)


_RULES = {d: DialectRules(d) for d in Dialect}


def rules_for(dialect: Dialect | str) -> DialectRules:
    """The rules of ``dialect``."""
    return _RULES[Dialect(dialect)]
