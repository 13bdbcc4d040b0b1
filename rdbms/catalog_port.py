"""The connection ``bridges discover`` and ``bridges assess`` read a database's catalog and samples
through: one pooled connection, TLS as configured (:meth:`RdbmsSettings.with_tls`), the facade's
connect and pool timeouts, the SQL gate with the configured extra functions and the start-up probe
of the account — the same guarantees the bridge's own port has, so neither tool is the weaker way in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdbms.gate import DEFAULT_FUNCTIONS, SqlGate
from rdbms.reflect import catalog_connection_string
from rdbms.settings import RdbmsSettings
from rdbms.types import Dialect

if TYPE_CHECKING:
    from rdbms.live import OdbcConnection

__all__ = ["open_catalog_port"]


def open_catalog_port(settings: RdbmsSettings, password: str | None) -> OdbcConnection:
    """A read-only connection to the database ``settings`` reach, for reading its catalog."""
    from rdbms.live import OdbcConnection  # the driver is needed here, and only here

    dialect = Dialect(settings.dialect)
    return OdbcConnection(
        catalog_connection_string(dialect, settings.with_tls()),
        dialect,
        user=settings.user,
        password=password,
        pool_size=1,
        pool_timeout_s=settings.pool_timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        gate=SqlGate(dialect, DEFAULT_FUNCTIONS | {f.upper() for f in settings.extra_functions}),
        allow_write_account=settings.allow_write_account,
    )
