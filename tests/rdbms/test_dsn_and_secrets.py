"""DSN and DSN-less connection strings; credentials only by reference, never in messages or logs."""

from __future__ import annotations

import logging

import pytest

from bridges.core.errors import BridgeError, ConfigError, Refused, Unavailable
from rdbms import RdbmsSettings, open_connection

pytestmark = pytest.mark.live


def _dsn_section(target) -> list[str]:
    if target.dialect == "sqlite":
        return ["Driver = SQLite3", f"Database = file:{target.sqlite_path}?mode=ro"]
    if target.dialect == "postgresql":
        return ["Driver = PostgreSQL Unicode", "Servername = 127.0.0.1", "Port = 5432", "Database = test"]
    database = dict(p.split("=", 1) for p in target.options["connection"].split(";"))["Database"]
    return ["Driver = MariaDB Unicode", "Server = 127.0.0.1", "Port = 3306", f"Database = {database}"]


def test_a_dsn_from_odbc_ini_works_like_a_dsn_less_string(target, tmp_path, monkeypatch) -> None:
    ini = tmp_path / "odbc.ini"
    # One DSN name per database: unixODBC caches the sections it has read.
    name = f"orders_test_{target.dialect}"
    ini.write_text(f"[{name}]\n" + "\n".join(_dsn_section(target)) + "\n", encoding="utf-8")
    monkeypatch.setenv("ODBCINI", str(ini))
    settings = RdbmsSettings(connection=f"DSN={name}", dialect=target.dialect, user=target.options.get("user"))
    db = open_connection(settings, system="orders", secrets=target.secrets)
    try:
        assert db.query(f"SELECT COUNT(*) AS N FROM {target.relation('VORDHDR')}").rows == [(20_000,)]
    finally:
        db.close()


def test_a_sqlite_dsn_to_a_writable_file_is_refused_at_start(sqlite_target, tmp_path, monkeypatch) -> None:
    target = sqlite_target
    ini = tmp_path / "odbc.ini"
    ini.write_text(f"[orders_rw]\nDriver = SQLite3\nDatabase = {target.sqlite_path}\n", encoding="utf-8")
    monkeypatch.setenv("ODBCINI", str(ini))
    with pytest.raises(Refused, match="writable"):
        open_connection(RdbmsSettings(connection="DSN=orders_rw", dialect="sqlite"), system="orders")


def test_a_wrong_password_never_shows_in_the_error_or_the_log(mariadb_target, caplog) -> None:
    """MariaDB: the one test account with password authentication."""
    target = mariadb_target
    secret = "Wr0ng-Secret;{value}"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Unavailable) as caught:
        open_connection(RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"}),
                        system="orders", secrets={"password": secret})
    assert secret not in str(caught.value.to_problem()) and "Wr0ng" not in caught.value.detail
    assert "Wr0ng" not in caplog.text


@pytest.mark.unit
def test_a_password_written_in_the_connection_string_is_refused_unechoed() -> None:
    with pytest.raises(ConfigError) as caught:
        open_connection(RdbmsSettings(connection="Driver=SQLite3;Database=x.db;PWD=Hunter2", dialect="sqlite"),
                        system="orders")
    assert "Hunter2" not in caught.value.detail and isinstance(caught.value, BridgeError)


def test_a_mistyped_sqlite_path_fails_and_creates_nothing(sqlite_target, tmp_path) -> None:
    missing = tmp_path / "typo" / "ordes.sqlite"
    with pytest.raises(Unavailable):
        open_connection(RdbmsSettings(connection=f"Driver=SQLite3;Database={missing}", dialect="sqlite"),
                        system="orders")
    assert not missing.exists()


@pytest.mark.parametrize("dialect", ["postgresql", "mariadb"])
def test_the_reader_sees_only_the_views(dialect: str, request: pytest.FixtureRequest) -> None:
    target = request.getfixturevalue(f"{dialect}_target")
    db = open_connection(RdbmsSettings(**{k: v for k, v in target.options.items() if k != "db_schema"}),
                         system="orders", secrets=target.secrets)
    try:
        with pytest.raises(Refused, match="may not"):
            db.query(f"SELECT COUNT(*) AS N FROM {target.relation('ORDHDR')}")
        assert db.query(f"SELECT COUNT(*) AS N FROM {target.relation('VORDHDR')}").rows == [(20_000,)]
    finally:
        db.close()
