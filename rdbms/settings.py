"""Settings of an rdbms connection, and the factory choosing live, recording or replay."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from bridges.core.cassette import CassetteSettings
from bridges.core.errors import ConfigError
from bridges.core.leases import Budget
from rdbms.connstr import format_connection_string, get, parse_connection_string, put
from rdbms.gate import DEFAULT_FUNCTIONS, SqlGate
from rdbms.recorded import RecordingConnection, ReplayingConnection, open_cassette
from rdbms.types import Dialect, ReadOnlyConnection

__all__ = ["RdbmsSettings", "open_connection"]


class RdbmsSettings(BaseModel):
    """How to reach one database read-only (a bridge's ``options`` extend this)."""

    model_config = {"extra": "forbid"}

    connection: str = Field(
        description="ODBC connection string, DSN (`DSN=orders`) or DSN-less (`Driver=SQLite3;Database=orders.db`); "
        "never a password — that goes in the bridge's `secrets.password`.",
        min_length=1,
        max_length=4096,
    )
    dialect: Dialect = Field(description="The database behind the driver: sqlite, postgresql or mariadb.")
    user: str | None = Field(None, max_length=128, description="Account name (UID); its password is a secret.")
    pool_size: int = Field(4, ge=1, le=64, description="Pooled connections (with facade.budget_store: the connections "
                           "of every process together, exports included).")
    pool_timeout_s: float = Field(2.0, ge=0, le=60, description="Wait for a free connection before 503.")
    health_check_after_s: float = Field(
        30.0, ge=0,
        description="Check a connection idle this long before use (after any error on the pool, every connection "
        "is checked before its next use).",
    )
    connect_timeout_s: int = Field(5, ge=1, le=120,
                                   description="Login timeout (a request waits no longer than its deadline).")
    max_rows: int = Field(1000, ge=1, le=1_000_000, description="Row cap of one answer (then `truncated`).")
    max_bytes: int = Field(8_000_000, ge=1024, description="Byte cap of one answer (then `truncated`).")
    max_streams: int = Field(2, ge=1, le=32, description="Exports running at once.")
    stream_deadline_s: float = Field(600.0, gt=0, le=86_400, description="Deadline of one export.")
    stream_idle_s: float = Field(
        30.0, gt=0, le=3600,
        description="Longest gap between two batches of an export (its first row is due within the call's deadline); "
        "when it passes, the query is cancelled on the server.",
    )
    allow_write_account: bool = Field(
        False, description="Start even when the start-up probe finds the account can write (not recommended)."
    )
    extra_functions: list[str] = Field(default_factory=list, description="Functions added to the gate's allow-list.")
    tls_ca_file: Path | None = Field(
        None, description="Require TLS and verify the server's certificate and name against this CA file (PEM): "
        "PostgreSQL sslmode=verify-full, MariaDB SSLVERIFY with SSLCA. None: as the connection string says.",
    )

    def tunnel_target(self) -> tuple[str, int]:
        """The database server's host and port from the connection string (``Server``/``Port``), which an SSH
        tunnel can stand in for; a DSN or a database file names none (ConfigError)."""
        pairs = parse_connection_string(self.connection)
        server = get(pairs, "Server") or get(pairs, "Servername") or get(pairs, "Host")
        if not server or self.dialect == "sqlite":
            raise ConfigError("the connection string names no Server to tunnel to (a DSN: set tunnel.target)")
        port = get(pairs, "Port") or str(_DEFAULT_PORTS.get(self.dialect, 0))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError("the connection string's Port is not a port number")
        return server, int(port)

    def with_tls(self) -> str:
        """The connection string with the options that require TLS and verify the server against
        ``tls_ca_file`` (ConfigError for SQLite, which has no server)."""
        if self.tls_ca_file is None:
            return self.connection
        pairs = parse_connection_string(self.connection)
        ca = str(self.tls_ca_file.expanduser().resolve())
        if self.dialect == "postgresql":
            pairs = put(put(pairs, "SSLmode", "verify-full"), "pqopt", f"sslrootcert={ca}")
        elif self.dialect == "mariadb":
            pairs = put(put(put(pairs, "SSLCA", ca), "SSLVERIFY", "1"), "FORCETLS", "1")
        else:
            raise ConfigError("tls_ca_file: a SQLite database file has no server to verify")
        return format_connection_string(pairs)

    def through_tunnel(self, host: str, port: int) -> RdbmsSettings:
        """These settings with the connection string's server and port replaced by ``host``:``port``."""
        pairs = parse_connection_string(self.connection)
        key = next((k for k in ("Server", "Servername", "Host") if get(pairs, k)), "Server")
        pairs = put(put(pairs, key, host), "Port", str(port))
        return self.model_copy(update={"connection": format_connection_string(pairs)})


_DEFAULT_PORTS = {"postgresql": 5432, "mariadb": 3306}


def open_connection(
    settings: RdbmsSettings,
    *,
    system: str,
    cassette: CassetteSettings | None = None,
    secrets: dict[str, str] | None = None,
    budget: Budget | None = None,
) -> ReadOnlyConnection:
    """The port ``settings`` describe: live, recording (cassette mode once/all with no
    recording yet) or replaying (a cassette to play) — the last imports no driver. A live
    connection leases its connections from ``budget`` when one is given."""
    secrets = secrets or {}
    gate = SqlGate(settings.dialect, DEFAULT_FUNCTIONS | {f.upper() for f in settings.extra_functions})
    tape = open_cassette(cassette, system, secrets) if cassette is not None else None
    if tape is not None and tape.replaying:
        return ReplayingConnection(tape, settings.dialect, gate)
    from rdbms.live import OdbcConnection  # imported here: replay never loads it

    live = OdbcConnection(
        settings.with_tls(),
        settings.dialect,
        user=settings.user,
        password=secrets.get("password"),
        pool_size=settings.pool_size,
        pool_timeout_s=settings.pool_timeout_s,
        health_check_after_s=settings.health_check_after_s,
        connect_timeout_s=settings.connect_timeout_s,
        gate=gate,
        allow_write_account=settings.allow_write_account,
        max_streams=settings.max_streams,
        stream_deadline_s=settings.stream_deadline_s,
        stream_idle_s=settings.stream_idle_s,
        budget=budget,
    )
    return RecordingConnection(live, tape, gate) if tape is not None else live
