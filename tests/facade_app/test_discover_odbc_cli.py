"""``bridges discover odbc``: the command's faces, and the whole path of a new database bridge —
``bridges new --transport odbc``, then ``bridges discover odbc`` against the ORDERS demo
database, then the package's own generated tests live (recording), then in replay with the
database file gone; and the same through the SELECT-only accounts of MariaDB (with a password)
and PostgreSQL (a schema of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bridges.core.testing import need
from facade_app.cli import main
from fixtures.orders.load_sqlite import build_sqlite

ROOT = Path(__file__).resolve().parents[2]


def _need_sqlite_odbc() -> None:
    import pyodbc

    need("SQLite3" in pyodbc.drivers(), "the SQLite ODBC driver (Debian package libsqliteodbc)")


def _run_pytest(package: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=package,
        env={**(env or os.environ), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite(tmp_path_factory.mktemp("discover") / "orders.sqlite")


@pytest.mark.live
def test_discover_prints_a_module_or_writes_it(orders_db, tmp_path, capsys):
    _need_sqlite_odbc()
    connect = f"Driver=SQLite3;Database={orders_db}"
    assert main(["discover", "odbc", "--connect", connect, "--tables", "VPRDMST", "--name", "shop"]) == 0
    out = capsys.readouterr().out
    compile(out, "bridge.py", "exec")
    assert 'name = "shop"' in out and "VPRDMST = DeclaredView(" in out
    target = tmp_path / "bridge.py"
    args = ["discover", "odbc", "--connect", connect, "--tables", "VORD*", "--out", str(target), "--sample", "20"]
    assert main(args) == 0
    assert "VORDLIN = DeclaredView(" in target.read_text(encoding="utf-8")
    assert "discovered 2 view(s)" in capsys.readouterr().err


@pytest.mark.unit
def test_discover_needs_a_dialect_for_a_dsn_and_a_password_by_reference(capsys, monkeypatch):
    assert main(["discover", "odbc", "--dsn", "orders"]) == 2
    assert "--dialect" in capsys.readouterr().err
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    args = ["discover", "odbc", "--dsn", "orders", "--dialect", "mariadb", "--password-env", "NO_SUCH_PASSWORD"]
    assert main(args) == 2
    assert "NO_SUCH_PASSWORD is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # no password option on the command line: it would show in `ps`
        main(["discover", "odbc", "--dsn", "orders", "--password", "x"])


@pytest.mark.live
@pytest.mark.slow
def test_new_then_discover_gives_a_package_whose_tests_pass_live_then_in_replay(tmp_path):
    _need_sqlite_odbc()
    database = build_sqlite(tmp_path / "orders.sqlite")
    connect = f"Driver=SQLite3;Database={database}"
    assert main(["new", "--transport", "odbc", "acme", "--dir", str(tmp_path), "--dsn", connect]) == 0
    package = tmp_path / "acme"
    assert main(["discover", "odbc", "--connect", connect, "--tables", "V*", "--package", str(package)]) == 0
    source = (package / "acme" / "bridge.py").read_text(encoding="utf-8")
    assert "class Bridge(DatabaseBridge):" in source and "VORDLIN = DeclaredView(" in source
    options = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["acme"]["options"]
    assert options == {"connection": connect, "dialect": "sqlite"}

    live = _run_pytest(package, "-m", "live", "--bridges-record=once")
    assert live.returncode == 0 and " passed" in live.stdout, live.stdout + live.stderr
    database.rename(tmp_path / "elsewhere.sqlite")  # the database gone: replay must not need it
    replay = _run_pytest(package)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    # Conformance, and the first example of every list_ and export_ operation of the 8 views, from the cassette.
    assert "17 passed" in replay.stdout, replay.stdout


@pytest.mark.live
@pytest.mark.slow
def test_a_password_protected_reader_on_mariadb_records_then_replays_without_the_database(mariadb_target, tmp_path):
    password = mariadb_target.secrets["password"]
    package = _new_then_discover(mariadb_target, tmp_path, "--password-env", "ACME_DB_PASSWORD", password=password)
    entry = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["acme"]
    assert entry["secrets"] == {"password": {"env": "ACME_DB_PASSWORD"}}
    _live_then_replay(package, {**os.environ, "ACME_DB_PASSWORD": password}, "Port=3306")
    assert password not in (package / "cassettes" / "acme.yaml").read_text(encoding="utf-8")


@pytest.mark.live
@pytest.mark.slow
def test_a_reader_of_a_postgresql_schema_records_then_replays_without_the_database(postgresql_target, tmp_path):
    package = _new_then_discover(postgresql_target, tmp_path, "--schema", postgresql_target.schema)
    options = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["acme"]["options"]
    assert options["db_schema"] == postgresql_target.schema
    _live_then_replay(package, dict(os.environ), "Port=5432")


def _new_then_discover(target, tmp_path: Path, *flags: str, password: str | None = None) -> Path:
    connect, user = target.options["connection"], target.options["user"]
    assert main(["new", "--transport", "odbc", "acme", "--dir", str(tmp_path), "--dsn", connect]) == 0
    package = tmp_path / "acme"
    discover = ["discover", "odbc", "--connect", connect, "--user", user, *flags]
    with pytest.MonkeyPatch.context() as patch:
        if password is not None:
            patch.setenv("ACME_DB_PASSWORD", password)
        assert main([*discover, "--tables", "VPRDMST,VORDLIN", "--package", str(package)]) == 0
    options = yaml.safe_load((package / "bridges.yaml").read_text(encoding="utf-8"))["bridges"]["acme"]["options"]
    assert options["connection"] == connect and options["user"] == user
    return package


def _live_then_replay(package: Path, env: dict[str, str], port: str) -> None:
    live = _run_pytest(package, "-m", "live", "--bridges-record=once", env=env)
    assert live.returncode == 0 and " passed" in live.stdout, live.stdout + live.stderr
    # Replay with no password and the connection pointed at a closed port: nothing may reach a database.
    config_path = package / "bridges.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    options = config["bridges"]["acme"]["options"]
    options["connection"] = options["connection"].replace(port, "Port=1")
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    replay = _run_pytest(package)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "5 passed" in replay.stdout, replay.stdout  # conformance and 2 views x (list, export)
