"""rdbms — read-only access to legacy databases over ODBC, usable on its own.

    from rdbms import RdbmsSettings, open_connection
    db = open_connection(RdbmsSettings(connection="Driver=SQLite3;Database=orders.db", dialect="sqlite"),
                         system="orders")
    result = db.query("SELECT OHORNO, OHTOTL FROM VORDHDR WHERE OHCUSN = ?", ["D0767378  "], max_rows=100)

Every statement passes the SQL gate (:class:`SqlGate`), runs in a read-only transaction
under the caller's deadline, and comes back as typed rows. The live port imports pyodbc
only when opened; the replaying port needs no driver.
"""

from rdbms.gate import DEFAULT_FUNCTIONS, SqlGate
from rdbms.keyset import KeysetCursors
from rdbms.recorded import RecordingConnection, ReplayingConnection
from rdbms.settings import RdbmsSettings, open_connection
from rdbms.types import Column, Dialect, QueryResult, ReadOnlyConnection, RowCursor

__all__ = [
    "DEFAULT_FUNCTIONS",
    "Column",
    "Dialect",
    "KeysetCursors",
    "QueryResult",
    "RdbmsSettings",
    "ReadOnlyConnection",
    "RecordingConnection",
    "ReplayingConnection",
    "RowCursor",
    "SqlGate",
    "open_connection",
]
