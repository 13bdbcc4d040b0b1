"""Column profiles from samples: every planted problem found with its exact count, nothing on clean columns."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from bridges.core.codecs import encode_ebcdic, pack_comp3, zone
from rdbms.profile import gee_distinct, mask, personal_kind, profile_column
from rdbms.reflect import ReflectedColumn

pytestmark = pytest.mark.unit

AS_OF = dt.date(2025, 6, 30)


def _col(name: str, kind: str, type_name: str = "", **kw) -> ReflectedColumn:
    return ReflectedColumn(name, type_name or kind.upper(), kind, **kw)


def _findings(profile) -> dict[str, int]:
    return {f.kind: f.count for f in profile.findings}


def test_cyymmdd_dates_with_sentinels_freshness_and_range():
    values = [1250101, 1240615, 1100301, 960101, 0, 0, 9999999, None]
    p = profile_column(_col("OHORDT", "decimal", "NUMERIC(7, 0)", precision=7, scale=0), values, as_of=AS_OF)
    assert p.reading == "parse_cyymmdd"
    assert _findings(p) == {"legacy_date": 4, "date_sentinel": 3}
    assert p.nulls == 1 and p.sampled == 8
    assert p.date_range == ("1996-01-01", "2025-01-01")
    assert p.freshness == {"future": 0, "<=1y": 1, "1-2y": 1, "2-5y": 0, "5-10y": 0, ">10y": 2}
    sentinel = next(f for f in p.findings if f.kind == "date_sentinel")
    assert sentinel.examples == ["0 ×2", "9999999 ×1"]


def test_char_padding_blanks_and_numbers_stored_as_text():
    values = ["00012  ", "345    ", "7      ", "       ", "81     "]
    p = profile_column(_col("QTYTXT", "char", "CHAR(7)", length=7), values, as_of=AS_OF)
    found = _findings(p)
    assert found == {"char_padding": 4, "blank": 1}  # a leading zero: an identifier, kept as text
    # without leading zeros it is a number stored as text
    p = profile_column(_col("QTYTXT", "char", "CHAR(7)", length=7), ["12 ", "345", "7  ", "   ", "81 "], as_of=AS_OF)
    assert _findings(p) == {"char_padding": 3, "blank": 1, "number_as_text": 4}
    assert p.findings[-1].rule == "int with partial(strip_char, empty_as_none=True)"


def test_cents_hhmmss_and_nines_sentinel():
    p = profile_column(_col("OHTOTL", "integer"), [1999, 250, 0, 12], as_of=AS_OF)
    assert _findings(p) == {"cents": 4}
    p = profile_column(_col("OHORTM", "decimal", "NUMERIC(6, 0)", precision=6, scale=0), [83427, 101500, 235959])
    assert _findings(p) == {"legacy_time": 3}
    p = profile_column(_col("CMMAXQ", "integer"), [5, 12, 9999999, 9999999, 40], as_of=AS_OF)
    assert _findings(p) == {"number_sentinel": 2}


def test_mojibake_and_ebcdic_bytes():
    p = profile_column(_col("DESC1", "varchar"), ["MÃ¼ller", "Café", "Gar\ufffdia", "Smith"], as_of=AS_OF)
    assert _findings(p) == {"mojibake": 2}
    raw = [encode_ebcdic("HELLO WORLD", "cp037"), encode_ebcdic("ANNA SMITH", "cp037"), b"plain"]
    p = profile_column(_col("RAWTXT", "binary", "VARBINARY(20)"), raw, as_of=AS_OF)
    assert _findings(p) == {"ebcdic_bytes": 2}
    assert p.findings[0].examples == ["HELLO WORLD", "ANNA SMITH"]
    latin1 = ["Würfel".encode("latin-1"), b"Nails", "Pièce".encode("latin-1"), b"Tape"]
    p = profile_column(_col("NOTERAW", "binary", "VARBINARY(20)"), latin1, as_of=AS_OF)
    assert _findings(p) == {"not_utf8": 2}
    # Binary data is not text gone wrong: hashes in EBCDIC's byte range are neither EBCDIC nor "not UTF-8".
    binary = [bytes.fromhex("deadbeef"), bytes.fromhex("c0ffeeee"), bytes.fromhex("fade0ff1ce")]
    assert profile_column(_col("DIGEST", "binary", "VARBINARY(20)"), binary, as_of=AS_OF).findings == []


def test_packed_and_zoned_decimals_left_as_bytes():
    packed = [pack_comp3(n, 7) for n in (1250, -37, 0)]
    p = profile_column(_col("BALPK", "binary", "VARBINARY(4)"), packed, as_of=AS_OF)
    assert [(f.kind, f.count, f.rule, f.examples) for f in p.findings] == [
        ("packed_decimal", 3, "unpack_comp3", ["1250", "-37", "0"])
    ]
    zoned = [zone(n, 5) for n in (42, -7)]
    p = profile_column(_col("QTYZN", "binary", "VARBINARY(5)"), zoned, as_of=AS_OF)
    assert [(f.kind, f.rule, f.examples) for f in p.findings] == [("zoned_decimal", "unzone", ["42", "-7"])]


def test_personal_data_is_flagged_and_masked():
    names = ["Anna Müller", "José García", "Peter Smith"]
    p = profile_column(_col("CMNAME", "char", "CHAR(40)", length=40), [n.ljust(40) for n in names], as_of=AS_OF)
    assert p.personal == "name"
    assert [v for v, _ in p.top] == ["A*** M*****", "J*** G*****", "P**** S****"]
    personal = next(f for f in p.findings if f.kind == "personal_data")
    assert personal.count == 3 and "Anna" not in " ".join(personal.examples)
    emails = profile_column(_col("CONTACT", "varchar"), ["a@b.example", "c.d@e.example", ""], as_of=AS_OF)
    assert emails.personal == "email"
    ibans = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"]
    assert personal_kind(_col("ACCT", "varchar"), ibans) == "iban"
    assert personal_kind(_col("ACCT", "varchar"), ["DE00 3704 0044 0532 0130 00", "GB00WEST12345698765432"]) is None
    assert personal_kind(_col("CMPHON", "char"), ["+49 221 123456", "+33 1 555 0199"]) == "phone"
    assert personal_kind(_col("PRDESC", "char"), ["Hammer", "Nails"]) is None
    assert mask("+49 221 123456") == "+## ### ####56"


def test_clean_columns_report_nothing():
    clean = {
        _col("PRDESC", "varchar", "VARCHAR(40)"): ["Hammer", "Nails 4mm", "Tape"],
        _col("PRWGHT", "decimal", "NUMERIC(9, 3)", precision=9, scale=3): [Decimal("1.250"), Decimal("0.500")],
        _col("PRSTAT", "varchar", "VARCHAR(1)"): ["A", "D", "A"],
        _col("QTY", "integer"): [1, 2, 30, 4],
        _col("SHIPPED", "date"): [dt.date(2025, 1, 3), dt.date(2024, 12, 1)],
    }
    for column, values in clean.items():
        assert profile_column(column, values, as_of=AS_OF).findings == [], column.name


def test_distinct_estimate_extrapolates_singletons_and_is_exact_on_a_full_sample():
    counts = Counter({"a": 1, "b": 1, "c": 1, "d": 2})
    assert gee_distinct(counts, 5, 5) == 4
    assert gee_distinct(counts, 5, 500) == 10 * 3 + 1
    assert gee_distinct(Counter({"x": 5}), 5, 10**9) == 1
