"""Codec suggestions on crafted columns: each legacy shape is recognised from its values (and, where
the values alone are ambiguous, its name), and the suggested codec reads every sampled value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bridges.core import codecs
from rdbms.reflect import ReflectedColumn
from rdbms.suggest import suggest

pytestmark = pytest.mark.unit


def _col(
    name: str,
    kind: str,
    type_name: str = "",
    *,
    length: int | None = None,
    precision: int | None = None,
    scale: int | None = None,
) -> ReflectedColumn:
    return ReflectedColumn(name, type_name or kind.upper(), kind, length, precision, scale)


def _reads(codec: str, values: list) -> list:
    if codec.startswith("partial(strip_char"):
        return [codecs.strip_char(v, empty_as_none=True) for v in values]
    return [getattr(codecs, codec)(v) for v in values]


def test_char_is_trimmed_and_varchar_only_when_padded():
    char = suggest(_col("CMNAME", "char", "CHAR(10)", length=10), ["ACME      ", "Zürich Ltd"])
    assert (char.type, char.read, char.char) == ("str", "strip_char", True)
    assert "blanks trimmed" in char.note
    tidy = suggest(_col("NOTE", "varchar", "VARCHAR(40)"), ["a note", "another"])
    assert (tidy.type, tidy.read) == ("str", None)
    padded = suggest(_col("NOTE", "varchar", "VARCHAR(40)"), ["a note   ", "b"])
    assert padded.read == "strip_char"


@pytest.mark.parametrize(
    ("column", "values", "codec", "expected"),
    [
        (
            _col("OHORDT", "decimal", "NUMERIC(7,0)", precision=7, scale=0),
            [Decimal(1250630), Decimal(960101), Decimal(0), Decimal(9999999), Decimal(1240229)],
            "parse_cyymmdd",
            dt.date(2025, 6, 30),
        ),
        (
            _col("SLSHDT", "decimal", "NUMERIC(7,0)", precision=7, scale=0),  # sqliteodbc: NUMERIC as float
            [1250630.0, 1250701.0, 1250702.0],
            "parse_cyymmdd",
            dt.date(2025, 6, 30),
        ),
        (_col("INVDATE", "integer"), [20250630, 19991231, 20240229, 0], "parse_yyyymmdd", dt.date(2025, 6, 30)),
        (
            _col("INVDAT", "decimal", "NUMERIC(6,0)", precision=6, scale=0),
            [240131, 991231, 10101],
            "parse_yymmdd",
            dt.date(2024, 1, 31),
        ),
        (
            _col("SHIPJUL", "decimal", "NUMERIC(6,0)", precision=6, scale=0),
            [125001, 124366, 99365],
            "parse_cyyddd",
            dt.date(2025, 1, 1),
        ),
        (
            _col("BOOKED", "char", "CHAR(8)", length=8),
            ["20250630", "20240229", "19991231"],
            "parse_yyyymmdd",
            dt.date(2025, 6, 30),
        ),
    ],
)
def test_legacy_dates_and_their_sentinels(column, values, codec, expected):
    found = suggest(column, values)
    assert (found.type, found.read) == ("dt.date", codec)
    assert _reads(codec, values)[0] == expected
    assert any(c.startswith("suggested:") for c in found.caveats)
    if 0 in values or Decimal(0) in values:
        assert "0" in found.note and "read as null" in found.note


def test_sentinels_are_named_in_the_description():
    column = _col("CMCRXP", "decimal", "NUMERIC(7,0)", precision=7, scale=0)
    found = suggest(column, [0, 9999999, 1251231, 1260101, 1260315])
    assert found.note.endswith("0 and 9999999 read as null.")


def test_numbers_that_are_not_dates_stay_numbers():
    assert suggest(_col("QTY", "integer"), [5, 17, 42]).type == "int"
    # One or two values fit a date form by chance: without a date-like name no date is suggested.
    assert suggest(_col("CODE", "integer"), [1250630, 1250630]).type == "int"
    # A calendar-invalid value (the 32nd) rules the date form out, even with a date-like name.
    assert suggest(_col("SLSHDT", "decimal", precision=7, scale=0), [960102, 960132, 960431]).type == "int"


def test_hhmmss_times_by_name_and_values():
    found = suggest(_col("OHORTM", "decimal", "NUMERIC(6,0)", precision=6, scale=0), [110214, 93015, 235959])
    assert (found.type, found.read) == ("dt.time", "parse_hhmmss")
    assert codecs.parse_hhmmss(93015) == dt.time(9, 30, 15)
    assert suggest(_col("OHORTM", "integer"), [110214, 250000]).type == "int"  # 25 o'clock: not a time


def test_integer_cents_by_name_only():
    found = suggest(_col("OLAMT", "integer"), [12345, 0, 990])
    assert (found.type, found.read) == ("Decimal", "cents_to_decimal")
    assert codecs.cents_to_decimal(12345) == Decimal("123.45")
    assert "drop the codec if it counts units" in found.caveats[0]
    assert suggest(_col("OLQTOR", "integer"), [12345, 0, 990]).read is None


def test_nines_in_a_number_column_are_flagged_as_a_possible_sentinel():
    found = suggest(_col("QTYMAX", "integer"), [5, 10, 9999999])
    assert found.type == "int" and found.read is None
    assert found.caveats and "9999999" in found.caveats[0] and found.caveats[0].startswith("check:")


def test_numbers_stored_as_text():
    whole = suggest(_col("QTYTXT", "varchar", "VARCHAR(10)"), ["12", " 7", "300", "  "])
    assert (whole.type, whole.read) == ("int", "partial(strip_char, empty_as_none=True)")
    assert _reads(whole.read, ["  "]) == [None]
    plain = suggest(_col("QTYTXT", "varchar", "VARCHAR(10)"), ["12", "7", "300"])
    assert (plain.type, plain.read) == ("int", None)
    decimal = suggest(_col("RATE", "varchar", "VARCHAR(10)"), ["1.50", "2.25", "10.00"])
    assert (decimal.type, decimal.scale) == ("Decimal", 2)
    # Leading zeros make an identifier: kept as text.
    ids = suggest(_col("ORDNO", "char", "CHAR(10)", length=10), ["0000100001", "0000100002", "0000100003"])
    assert (ids.type, ids.read) == ("str", "strip_char")
    # Two values are too few to call a text column numeric.
    assert suggest(_col("MTVAL", "char", "CHAR(80)", length=80), ["1", "4711"]).type == "str"


def test_scaled_decimals_floats_and_typed_dates():
    assert suggest(_col("PRWGHT", "decimal", "NUMERIC(9,3)", precision=9, scale=3), [0.25]).scale == 3
    assert suggest(_col("MSVAL", "float"), [float("nan"), 1.5]).type == "float"
    odd = suggest(_col("VALIDTO", "date"), [dt.date(9999, 12, 31), dt.date(2025, 1, 1)])
    assert odd.type == "dt.date" and "9999-12-31" in odd.caveats[0]


def test_columns_without_a_reading_are_left_out_with_the_reason():
    assert "binary" in suggest(_col("PHOTO", "binary", "BLOB"), [b"\x00"]).skip
    assert "no suggested reading" in suggest(_col("GEOM", "other", "GEOMETRY"), []).skip
