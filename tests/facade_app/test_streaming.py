"""NDJSON and CSV encoding of row streams: the C fast path and the per-value path agree."""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from decimal import Decimal

import pytest

from bridges.core.streaming import RowStream
from facade_app.streaming import _csv, _ndjson

pytestmark = pytest.mark.unit


class Colour(enum.Enum):
    RED = "red"


def _strict(line: bytes) -> dict:
    def refuse(name: str):
        raise ValueError(name)
    return json.loads(line, parse_constant=refuse)


FIELDS = ["text", "n", "amount", "day", "at", "colour", "x", "raw"]
FAST = {"text": "é,\"q\"", "n": 3, "amount": Decimal("1.50"), "day": dt.date(2024, 2, 29), "at": None,
        "colour": Colour.RED, "x": 1.5, "raw": None}
SLOW = {**FAST, "at": dt.datetime(2024, 2, 29, 1, 2, 3), "x": float("-inf"), "raw": b"\xfb\xff"}


@pytest.mark.parametrize("rows", [[FAST], [SLOW], [FAST, SLOW]])
def test_ndjson_is_valid_json_with_the_value_policy(rows) -> None:
    lines = b"".join(_ndjson(RowStream(iter(rows)), FIELDS)).splitlines()
    got = [_strict(line) for line in lines]
    assert got[0]["amount"] == "1.50" and got[0]["day"] == "2024-02-29" and got[0]["colour"] == "red"
    if rows[-1] is SLOW:
        assert got[-1]["x"] == "-Infinity" and got[-1]["raw"] == "+/8=" and got[-1]["at"] == "2024-02-29T01:02:03"


def test_csv_fast_and_per_value_paths_write_the_same_text() -> None:
    text = "".join(_csv(RowStream(iter([FAST, SLOW, {"text": "short"}])), FIELDS))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {"text": "é,\"q\"", "n": "3", "amount": "1.50", "day": "2024-02-29", "at": "",
                       "colour": "red", "x": "1.5", "raw": ""}
    assert rows[1]["x"] == "-Infinity" and rows[1]["raw"] == "+/8=" and rows[1]["at"] == "2024-02-29T01:02:03"
    assert rows[2]["text"] == "short" and rows[2]["n"] == ""


def test_tuples_are_rows_too() -> None:
    assert _strict(b"".join(_ndjson(RowStream(iter([(1, "a")])), ["n", "s"]))) == {"n": 1, "s": "a"}
    assert "".join(_csv(RowStream(iter([(1, "a")])), ["n", "s"])) == "n,s\n1,a\n"


def test_a_stream_of_batches_is_served_batch_by_batch_and_closed_once() -> None:
    closed = []
    stream = RowStream(batches=iter([[{"n": 1}, {"n": 2}], [], [{"n": 3}]]), on_close=lambda: closed.append(1))
    assert b"".join(_ndjson(stream, ["n"])) == b'{"n":1}\n{"n":2}\n{"n":3}\n' and closed == [1]
    again = RowStream(batches=iter([[{"n": 1}], [{"n": 2}]]))
    assert [r["n"] for r in again] == [1, 2] and again.closed
