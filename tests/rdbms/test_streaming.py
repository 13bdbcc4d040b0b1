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
