"""The start-up probe and the layers behind the gate, through the ORDERS bridge on each
database: accounts with FILE or SUPER (MariaDB), server-file or large-object rights
(PostgreSQL) are refused at start; SQLite refuses ``mode=rw`` and cannot load extensions;
and with the gate switched off, INTO OUTFILE, ``lo_import``/``lo_create``, ``load_extension``
and ``PRAGMA query_only = 0`` are still stopped by another layer."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
from collections.abc import Iterator

import pytest

from bridges.core.errors import BridgeError, Refused
from fixtures.orders import connect_mariadb, connect_postgres
from rdbms import sqlite_ext
from rdbms.live import OdbcConnection
from tests.bridges.orders import helpers
from tests.rdbms.databases import PRIVATE

pytestmark = pytest.mark.live

PROBE_USER = f"lb_probe_{os.getpid()}"
PROBE_PASSWORD = "probe-Pw-1"


def _start(target, **options) -> None:
    """Build the ORDERS bridge on ``target`` with ``options`` (and close it again)."""
    entry = helpers.bridge_entry(target, **options)
    if options.get("user") == PROBE_USER:
        entry["secrets"] = {"password": {"env": "LB_PROBE_UNSET", "default": PROBE_PASSWORD}}
    helpers.runtime_for(entry).close()


@contextlib.contextmanager
def _mariadb_account(*grants: str) -> Iterator[str]:
    conn = connect_mariadb()
    account = f"'{PROBE_USER}'@'%'"
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS {account}")
            cur.execute(f"CREATE USER {account} IDENTIFIED BY '{PROBE_PASSWORD}'")
            cur.execute(f"GRANT SELECT ON {PRIVATE}.* TO {account}")
            for grant in grants:
                cur.execute(f"GRANT {grant} ON *.* TO {account}")
        yield PROBE_USER
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS {account}")
        conn.close()


@contextlib.contextmanager
def _postgres_role(*grants: str, owns_large_object: bool = False) -> Iterator[str]:
    with connect_postgres() as conn:
        conn.autocommit = True
        conn.execute(f"DROP ROLE IF EXISTS {PROBE_USER}")
        conn.execute(f"CREATE ROLE {PROBE_USER} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {PRIVATE} TO {PROBE_USER}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {PRIVATE} TO {PROBE_USER}")
        for grant in grants:
            conn.execute(grant.format(role=PROBE_USER))
        oid = None
        if owns_large_object:
            oid = conn.execute("SELECT lo_create(0)").fetchone()[0]
            conn.execute(f"ALTER LARGE OBJECT {oid} OWNER TO {PROBE_USER}")
        try:
            yield PROBE_USER
        finally:
            if oid is not None:
                conn.execute("SELECT lo_unlink(%s)", (oid,))
            conn.execute(f"DROP OWNED BY {PROBE_USER}")
            conn.execute(f"DROP ROLE {PROBE_USER}")


# -- MariaDB ------------------------------------------------------------------------------

@pytest.mark.parametrize("privilege", ["FILE", "SUPER"])
def test_mariadb_an_account_with_file_or_super_is_refused_at_start(mariadb_target, privilege: str) -> None:
    with _mariadb_account(privilege) as user:
        with pytest.raises(BridgeError) as caught:
            _start(mariadb_target, user=user)
        assert f"{privilege} (global)" in caught.value.detail and "allow_write_account" in caught.value.detail
        _start(mariadb_target, user=user, allow_write_account=True)  # the documented way to accept it


def test_mariadb_the_plain_account_starts(mariadb_target) -> None:
    with _mariadb_account() as user:
        _start(mariadb_target, user=user)


def test_mariadb_into_outfile_with_the_gate_off_is_refused_by_the_account(mariadb_target) -> None:
    db = OdbcConnection(mariadb_target.options["connection"], "mariadb", user=mariadb_target.options["user"],
                        password=mariadb_target.secrets["password"], gate=None)
    try:
        with pytest.raises(Refused):
            db.query(f"SELECT OHORNO FROM VORDHDR INTO OUTFILE '/tmp/lb_outfile_{os.getpid()}.txt'")
        assert db.query("SELECT 1 AS ok").rows == [(1,)]
    finally:
        db.close()


# -- PostgreSQL ---------------------------------------------------------------------------

@pytest.mark.parametrize(("grants", "owns", "finding"), [
    (("GRANT EXECUTE ON FUNCTION pg_catalog.lo_import(text) TO {role}",), False, "server file access"),
    (("GRANT pg_write_server_files TO {role}",), False, "server file access"),
    ((), True, "large-object write"),
], ids=["lo_import", "pg_write_server_files", "owns-a-large-object"])
def test_postgresql_server_file_or_large_object_rights_are_refused_at_start(
        postgresql_target, grants: tuple[str, ...], owns: bool, finding: str) -> None:
    with _postgres_role(*grants, owns_large_object=owns) as role:
        with pytest.raises(BridgeError) as caught:
            _start(postgresql_target, user=role)
        assert finding in caught.value.detail


def test_postgresql_the_plain_role_starts(postgresql_target) -> None:
    with _postgres_role() as role:
        _start(postgresql_target, user=role)


def test_postgresql_large_objects_with_the_gate_off_are_refused_or_rolled_back(postgresql_target) -> None:
    db = OdbcConnection(postgresql_target.options["connection"], "postgresql",
                        user=postgresql_target.options["user"], gate=None)
    try:
        with pytest.raises(Refused):
            db.query("SELECT lo_import('/etc/hostname') AS oid")  # no EXECUTE on the function
        # PostgreSQL 15 lets lo_create run inside a READ ONLY transaction; the request's
        # rollback is the layer that undoes it.
        oid = int(db.query("SELECT lo_create(0) AS oid").rows[0][0])
        with connect_postgres() as conn:
            assert conn.execute("SELECT count(*) FROM pg_largeobject_metadata WHERE oid = %s",
                                (oid,)).fetchone()[0] == 0
        assert db.query("SELECT 1 AS ok").rows == [(1,)]
    finally:
        db.close()


# -- SQLite -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["rw", "memory"])  # rwc: sqliteodbc with NoCreat=1 will not connect
def test_sqlite_a_connection_string_asking_to_write_is_refused(sqlite_target, tmp_path, mode: str) -> None:
    copy = tmp_path / "orders.db"
    shutil.copyfile(sqlite_target.sqlite_path, copy)
    connection = f"Driver=SQLite3;Database=file:{copy}?mode={mode}"
    with pytest.raises(Refused, match=f"mode={mode}") as caught:
        _start(sqlite_target, connection=connection)
    assert "allow_write_account" in caught.value.detail
    _start(sqlite_target, connection=f"Driver=SQLite3;Database=file:{copy}?mode=ro")


def test_sqlite_extension_loading_and_query_only_with_the_gate_off(sqlite_target) -> None:
    before = sqlite_target.checksum()
    db = OdbcConnection(sqlite_target.options["connection"], "sqlite", gate=None, pool_size=1)
    try:
        assert db.write_findings == []  # the probe found load_extension refused
        for sql in ("SELECT load_extension('/lib/x86_64-linux-gnu/libm.so.6') AS x",
                    "SELECT load_extension('/lib/x86_64-linux-gnu/libm.so.6', 'sqlite3_extension_init') AS x"):
            with pytest.raises(Refused):
                db.query(sql)
        # PRAGMA query_only = 0 runs, returns no rows, and its connection is thrown away…
        with pytest.raises(Refused):
            db.query("PRAGMA query_only = 0")
        assert db.query("PRAGMA query_only").rows == [(1,)]
        # …and the file is opened mode=ro anyway.
        with pytest.raises(Refused):
            db.query("INSERT INTO ORDMETA (MTKEY, MTVAL) VALUES ('EVIL', 'X')")
    finally:
        db.close()
    assert sqlite_target.checksum() == before


@pytest.fixture
def extension_loading_left_on(monkeypatch):
    """As in a process where no shared libsqlite3 could be patched: connections opened meanwhile
    keep sqliteodbc's own ``load_extension()``, and switching it off reports failure."""
    assert sqlite_ext.disable_extension_loading()
    lib, entry = sqlite_ext._state["lib"], ctypes.cast(sqlite_ext._state["entry"], ctypes.c_void_p)
    lib.sqlite3_cancel_auto_extension(entry)
    monkeypatch.setattr(sqlite_ext, "disable_extension_loading", lambda: False)
    try:
        yield
    finally:
        lib.sqlite3_auto_extension(entry)


def test_sqlite_a_driver_whose_load_extension_stays_on_is_refused_at_start(sqlite_target,
                                                                          extension_loading_left_on) -> None:
    with pytest.raises(Refused, match=r"can write \(SQL load_extension\(\) is enabled\)") as caught:
        _start(sqlite_target)
    assert "allow_write_account" in caught.value.detail
