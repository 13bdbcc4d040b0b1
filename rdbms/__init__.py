"""rdbms — read-only access to legacy databases over ODBC, usable on its own.

    from rdbms import RdbmsSettings, open_connection
    db = open_connection(RdbmsSettings(connection="Driver=SQLite3;Database=orders.db", dialect="sqlite"),
                         system="orders")
    result = db.query("SELECT OHORNO, OHTOTL FROM VORDHDR WHERE OHCUSN = ?", ["D0767378  "], max_rows=100)

Every statement passes the SQL gate (:class:`SqlGate`), runs in a read-only transaction
under the caller's deadline, and comes back as typed rows. The live port imports pyodbc
only when opened; the replaying port needs no driver.

A bridge over a database subclasses :class:`DatabaseBridge` (connection, ``db_schema``,
signed page cursors, start-up checks and ``run_sql``) and exposes :class:`DeclaredView` s,
whose keys — one column or several — are proven unique at start-up.
"""

from rdbms.bridge import DatabaseBridge, DatabaseSettings
from rdbms.gate import DEFAULT_FUNCTIONS, SqlGate
from rdbms.keyset import KeysetCursors
from rdbms.recorded import RecordingConnection, ReplayingConnection
from rdbms.settings import RdbmsSettings, open_connection
from rdbms.tables import DeclaredView, ViewColumn, check_views
from rdbms.types import Column, Dialect, QueryResult, ReadOnlyConnection, RowCursor

__all__ = [
    "DEFAULT_FUNCTIONS",
    "Column",
    "DatabaseBridge",
    "DatabaseSettings",
    "DeclaredView",
    "Dialect",
    "KeysetCursors",
    "QueryResult",
    "RdbmsSettings",
    "ReadOnlyConnection",
    "RecordingConnection",
    "ReplayingConnection",
    "RowCursor",
    "SqlGate",
    "ViewColumn",
    "check_views",
    "open_connection",
]
