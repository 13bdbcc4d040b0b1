"""Streams: rows in batches on a connection of their own, closed when done or dropped."""

from __future__ import annotations

import pytest

from bridges.core.errors import Refused, Unavailable
from rdbms import RdbmsSettings, open_connection

pytestmark = pytest.mark.live


def _db(target, **overrides):
    return open_connection(RdbmsSettings(**{**{k: v for k, v in target.options.items() if k != "db_schema"},
                                            **overrides}), system="orders", secrets=target.secrets)


def test_a_stream_yields_every_row_in_batches(target) -> None:
    db = _db(target)
    try:
        cursor = db.stream(f"SELECT OLORNO, OLLINE, OLAMT FROM {target.relation('VORDLIN')}", batch_size=700)
        assert [c.name.upper() for c in cursor.columns] == ["OLORNO", "OLLINE", "OLAMT"]
        sizes = [len(b) for b in cursor.batches]
        assert max(sizes) == 700 and sum(sizes) > 60_000
    finally:
        db.close()


def test_a_stream_dropped_half_way_frees_its_slot(target) -> None:
    db = _db(target, max_streams=1)
    try:
        for _ in range(3):  # with one slot, a leaked stream would block the next
            cursor = db.stream(f"SELECT OLORNO FROM {target.relation('VORDLIN')}", batch_size=100)
            next(cursor.rows())
            cursor.close()
        held = db.stream(f"SELECT OLORNO FROM {target.relation('VORDLIN')}")
        with pytest.raises(Unavailable):
            db.stream(f"SELECT OLORNO FROM {target.relation('VORDLIN')}")
        held.close()
    finally:
        db.close()


def test_a_stream_passes_the_gate(target) -> None:
    db = _db(target)
    try:
        with pytest.raises(Refused):
            db.stream("SELECT * FROM VORDHDR; DELETE FROM ORDHDR")
    finally:
        db.close()


def test_keyset_chunks_export_every_row_once_in_key_order(target) -> None:
    from rdbms.keyset import keyset_chunks

    db = _db(target)
    relation = target.relation("VORDHDR")

    def after(key):
        if key is None:
            return f"SELECT OHORNO, OHTOTL FROM {relation} ORDER BY OHORNO", []
        return f"SELECT OHORNO, OHTOTL FROM {relation} WHERE OHORNO > ? ORDER BY OHORNO", [key[0]]

    try:
        cursor = keyset_chunks(db, after, lambda row: (row[0],), chunk_rows=3000)
        sizes, keys = [], []
        for batch in cursor.batches:
            sizes.append(len(batch))
            keys += [row[0].rstrip() for row in batch]
        assert sizes == [3000] * 6 + [2000]
        assert keys == sorted(keys) and len(set(keys)) == 20_000
    finally:
        db.close()


def test_numeric_columns_come_back_as_exact_decimals(target) -> None:
    """MariaDB's go through the port's own converter (pyodbc's leaks there); sqliteodbc gives floats."""
    from decimal import Decimal

    db = _db(target)
    try:
        rows = db.query(f"SELECT OLDSCP, OLLINE FROM {target.relation('VORDLIN')} WHERE OLDSCP > 0 "
                        "ORDER BY OLORNO, OLLINE LIMIT 3").rows
        expected = float if target.dialect == "sqlite" else Decimal
        assert rows and all(isinstance(r[0], expected) for r in rows)
        if expected is Decimal:
            assert all(r[0].as_tuple().exponent == -2 for r in rows)
    finally:
        db.close()


TEXT = "Müller & Søn 'x' 日本語 \u2028 tab\t "  # no astral character: sqliteodbc mangles those in SQL text


def test_text_comes_back_as_stored_from_query_and_stream(target) -> None:
    """SQLite text is taken from the driver as UTF-8 rather than UTF-16: the same str either way."""
    db = _db(target)
    try:
        sql = "SELECT '" + TEXT.replace("'", "''") + "' AS t"
        assert db.query(sql).rows[0][0] == TEXT
        assert [row[0] for batch in db.stream(sql).batches for row in batch] == [TEXT]
        astral = TEXT + "😀 𝔘"
        assert db.query("SELECT ? AS t", [astral]).rows[0][0] == astral
    finally:
        db.close()
