"""The SQLite side of the start-up write probe, on SQLite files of the test's own: what the
connection string itself opens for writing, SQL ``load_extension()`` reported unless it is
refused, a writable file reported, and the probe leaving nothing behind (no table, no
transaction, no lock); a file another connection is writing is still found writable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rdbms import sqlite_ext
from rdbms.connstr import parse_connection_string
from rdbms.dialects import rules_for

pytestmark = pytest.mark.unit

SQLITE = rules_for("sqlite")
EXTENSIONS = "SQL load_extension() is enabled"
WRITABLE = "the database file is writable"
WRITABLE_BUT_BUSY = "the database file is writable (another connection held its write lock)"


@pytest.fixture
def db_file(tmp_path) -> Path:
    path = tmp_path / "orders.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ordmeta (mtkey TEXT PRIMARY KEY, mtval TEXT)")
    conn.close()
    return path


def _open(path: Path, mode: str = "rw") -> sqlite3.Connection:
    # autocommit (the driver's default too): the probe opens and ends its own transaction
    return sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None, timeout=0)


def _findings(database: str) -> list[str]:
    return SQLITE.connection_findings(parse_connection_string(f"Driver=SQLite3;Database={database}"))


# -- the connection string ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("file:/data/orders.db?mode=rw", ["rw"]),
        ("file:/data/orders.db?cache=shared&mode=rwc", ["rwc"]),
        ("file:/data/orders.db?mode=ro&mode=memory", ["memory"]),  # every mode given counts
        ("file:/data/orders.db?mode=ro", []),
        ("file:/data/orders.db", []),  # no mode: the hardened string adds mode=ro
        ("/data/orders?mode=rw.db", []),  # a plain path is a file name, '?' and all: never read as options
        (":memory:", []),
    ],
    ids=["rw", "rwc-after-another-option", "ro-then-memory", "ro", "no-mode", "plain-path", "memory"],
)
def test_what_the_connection_string_opens_for_writing(database, expected):
    assert _findings(database) == [f"the connection string opens the file mode={m}" for m in expected]


def test_a_file_uri_without_a_mode_and_a_plain_path_are_opened_read_only():
    for database, hardened in (
        ("file:/data/orders.db", "file:/data/orders.db?mode=ro"),
        ("file:/data/orders.db?cache=shared", "file:/data/orders.db?cache=shared&mode=ro"),
        ("/data/orders?mode=rw.db", "file:/data/orders%3Fmode%3Drw.db?mode=ro"),
    ):
        pairs = SQLITE.harden(parse_connection_string(f"Driver=SQLite3;Database={database}"))
        assert dict(pairs)["Database"] == hardened


def test_other_databases_have_no_connection_string_findings():
    for dialect in ("postgresql", "mariadb"):
        pairs = parse_connection_string("Driver=X;Database=file:/data/orders.db?mode=rw")
        assert rules_for(dialect).connection_findings(pairs) == []


# -- load_extension() -----------------------------------------------------------------------


def _refusing_authorizer(action, name, function, *_):
    # SQLite's own switch: a connection that may not call load_extension() is told "not authorized"
    denied = action == sqlite3.SQLITE_FUNCTION and function == "load_extension"
    return sqlite3.SQLITE_DENY if denied else sqlite3.SQLITE_OK


def _missing_library(path):
    raise OSError(f"{path}: cannot open shared object file")


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (lambda conn: None, []),  # the process's replacement refuses it
        (lambda conn: conn.set_authorizer(_refusing_authorizer), []),
        (lambda conn: conn.create_function("load_extension", 1, lambda path: None), [EXTENSIONS]),  # it loads
        (lambda conn: conn.create_function("load_extension", 1, _missing_library), [EXTENSIONS]),  # it tries
    ],
    ids=["replaced", "not-authorized", "loads", "tries-and-fails"],
)
def test_load_extension_is_reported_unless_refused(db_file, prepare, expected):
    assert sqlite_ext.disable_extension_loading()  # as the rdbms package does before any connection opens
    conn = _open(db_file, "ro")
    try:
        prepare(conn)
        assert SQLITE.write_probe(conn) == expected
    finally:
        conn.close()


# -- the writable file ------------------------------------------------------------------------


def _tables(path: Path) -> list[str]:
    conn = _open(path, "ro")
    try:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def test_a_writable_file_is_reported_and_left_as_it_was(db_file):
    conn = _open(db_file, "rw")
    try:
        assert SQLITE.write_probe(conn) == [WRITABLE]
        assert not conn.in_transaction  # the probe's transaction is rolled back …
        other = _open(db_file, "rw")  # … so its write lock is gone at once (timeout 0)
        other.execute("INSERT INTO ordmeta VALUES ('K', 'V')")
        other.close()
        assert conn.execute("SELECT count(*) FROM ordmeta").fetchone() == (1,)  # the connection still serves
    finally:
        conn.close()
    assert _tables(db_file) == ["ordmeta"]


def test_a_read_only_file_is_not_reported(db_file):
    conn = _open(db_file, "ro")
    try:
        assert SQLITE.write_probe(conn) == [] and not conn.in_transaction
    finally:
        conn.close()


@pytest.mark.parametrize(("mode", "expected"), [("rw", [WRITABLE_BUT_BUSY]), ("ro", [])])
def test_a_file_another_process_is_writing_is_still_probed(db_file, mode, expected):
    writer = _open(db_file, "rw")
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock: the probe cannot take it
    conn = _open(db_file, mode)
    try:
        # a writable connection waits for the lock (told "locked" at once here, timeout 0); a
        # read-only one never asks for it
        assert SQLITE.write_probe(conn) == expected
        assert not conn.in_transaction
    finally:
        conn.close()
        writer.execute("ROLLBACK")
        writer.close()
