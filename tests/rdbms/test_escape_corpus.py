"""The corpus of write and escape attempts: each refused with a clear Refused (403),
by the gate alone (unit) and through a full live connection whose account *could*
write (live) — and the data checksum proves nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridges.core.errors import Refused
from rdbms import Dialect, SqlGate
from rdbms.live import OdbcConnection

COMMON = [
    "INSERT INTO ORDMETA (MTKEY, MTVAL) VALUES ('X', 'Y')",
    "UPDATE ORDHDR SET OHTOTL = 0",
    "DELETE FROM ORDHDR",
    "DROP TABLE ORDHDR",
    "CREATE TABLE EVIL (A INT)",
    "CREATE VIEW EVIL AS SELECT 1 AS A",
    "ALTER TABLE ORDHDR ADD COLUMN EVIL INT",
    "TRUNCATE TABLE ORDHDR",
    "SELECT 1; DELETE FROM ORDHDR",
    "SELECT 1; DROP TABLE ORDHDR",
    "SELECT * FROM VORDHDR; UPDATE ORDHDR SET OHSTAT = 'X'",
    "SELECT * FROM VORDHDR WHERE OHORNO = '' OR 1=1; DELETE FROM ORDHDR --",
    "SELECT 1 -- comment\n; DELETE FROM ORDHDR",
    "/* harmless */ DELETE FROM ORDHDR",
    "WITH X AS (SELECT 1 AS A) DELETE FROM ORDHDR",
    "SELECT * INTO EVIL FROM VORDHDR",
    "SELECT * FROM VORDHDR FOR UPDATE",
    "SET TRANSACTION READ WRITE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "GRANT ALL ON ORDHDR TO PUBLIC",
    "CALL EVIL()",
    "EXPLAIN ANALYZE DELETE FROM ORDHDR",
    "VALUES (1)",
    "",
    "   ",
    "SELECT 1\x00; DELETE FROM ORDHDR",
    "DELETE FROM ORDHDR WHERE 1 = 1 RETURNING *",
    "SELECT 1 /*! ; DELETE FROM ORDHDR */",
]

BY_DIALECT = {
    "postgresql": [
        "WITH X AS (DELETE FROM ORDHDR RETURNING *) SELECT COUNT(*) FROM X",
        "WITH X AS (INSERT INTO ORDMETA VALUES ('X', 'Y') RETURNING *) SELECT * FROM X",
        "WITH X AS (UPDATE ORDHDR SET OHTOTL = 0 RETURNING 1) SELECT 1 UNION SELECT 2",
        "COPY ORDHDR TO '/tmp/legacy-bridges-evil.csv'",
        "COPY ORDMETA FROM '/etc/hostname'",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT lo_import('/etc/hostname')",
        "SELECT pg_sleep(30)",
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT nextval('evil')",
        "SELECT * FROM dblink('host=127.0.0.1', 'DELETE FROM ORDHDR') AS t(a int)",
        "SELECT pg_terminate_backend(1)",
        "DO $$ BEGIN DELETE FROM ORDHDR; END $$",
        "SET default_transaction_read_only = off",
        "SELECT txid_current()",
        "PREPARE p AS DELETE FROM ORDHDR",
        "LISTEN evil",
        "SELECT * FROM VORDHDR FOR SHARE",
    ],
    "mariadb": [
        "SELECT * FROM VORDHDR INTO OUTFILE '/tmp/legacy-bridges-evil'",
        "SELECT LOAD_FILE('/etc/hostname')",
        "SELECT SLEEP(30)",
        "SELECT BENCHMARK(100000000, MD5('a'))",
        "SELECT 1 /*!50000 , SLEEP(30) */",
        "SELECT 1 /*M!100000 , SLEEP(30) */",
        "LOAD DATA INFILE '/etc/hostname' INTO TABLE ORDMETA",
        "HANDLER ORDHDR OPEN",
        "SET SESSION TRANSACTION READ WRITE",
        "SET @@session.max_statement_time = 0",
        "SELECT GET_LOCK('evil', 10)",
        "INSERT INTO ORDMETA SELECT * FROM ORDMETA",
        "LOCK TABLES ORDHDR WRITE",
        "SELECT * FROM VORDHDR # comment\n; DELETE FROM ORDHDR",
        "RENAME TABLE ORDHDR TO EVIL",
        "SELECT 1 INTO @x",
        "REPLACE INTO ORDMETA VALUES ('X', 'Y')",
        "SELECT * FROM VORDHDR LOCK IN SHARE MODE",
    ],
    "sqlite": [
        "ATTACH DATABASE '/tmp/legacy-bridges-evil.db' AS evil",
        "DETACH DATABASE main",
        "PRAGMA query_only = 0",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('/tmp/evil.so')",
        "VACUUM INTO '/tmp/legacy-bridges-evil.db'",
        "SELECT writefile('/tmp/legacy-bridges-evil', 'x')",
        "SELECT readfile('/etc/hostname')",
        "REINDEX",
        "ANALYZE",
        "INSERT OR REPLACE INTO ORDMETA VALUES ('X', 'Y')",
        "WITH X AS (SELECT 1 AS A) INSERT INTO ORDMETA SELECT 'X', 'Y' FROM X",
        "CREATE TEMP TABLE T AS SELECT * FROM VORDHDR",
        "SELECT randomblob(1000000000)",
        "REPLACE INTO ORDMETA VALUES ('X', 'Y')",
        "BEGIN IMMEDIATE",
        "SAVEPOINT evil",
        "SELECT * FROM VORDHDR UNION SELECT * FROM (DELETE FROM ORDHDR RETURNING *)",
    ],
}


def corpus(dialect: str) -> list[str]:
    """The attempts for one database (at least 30)."""
    return COMMON + BY_DIALECT[dialect]


@pytest.mark.unit
@pytest.mark.parametrize("dialect", list(BY_DIALECT))
def test_the_corpus_is_big_enough(dialect: str) -> None:
    assert len(corpus(dialect)) >= 30


@pytest.mark.unit
@pytest.mark.parametrize(("dialect", "sql"), [(d, s) for d in BY_DIALECT for s in corpus(d)])
def test_the_gate_refuses_each_attempt(dialect: str, sql: str) -> None:
    with pytest.raises(Refused) as caught:
        SqlGate(Dialect(dialect)).check(sql)
    assert caught.value.status == 403 and caught.value.detail


@pytest.mark.live
@pytest.mark.fault
def test_a_connection_whose_account_could_write_still_refuses_everything(target) -> None:
    before = target.checksum()
    options = dict(target.admin_options)
    options.pop("db_schema", None)
    db = OdbcConnection(options.pop("connection"), options.pop("dialect"), user=options.get("user"),
                        password=target.admin_secrets.get("password"), allow_write_account=True, pool_size=1)
    try:
        for sql in corpus(target.dialect):
            with pytest.raises(Refused):
                db.query(sql.replace("VORDHDR", target.relation("VORDHDR")))
        assert db.query(f"SELECT COUNT(*) AS N FROM {target.relation('VORDHDR')}").rows[0][0] == 20_000
    finally:
        db.close()
    assert target.checksum() == before
    assert not list(Path("/tmp").glob("legacy-bridges-evil*"))
