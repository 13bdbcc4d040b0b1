"""Legacy codecs by example: known vectors, the sentinels, and the error each malformed value gets."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal

import pytest

from bridges.core import codecs
from bridges.core.codecs import (
    CodecError,
    InvalidValue,
    LegacyValueError,
    StatusMap,
    caller_value,
    cents_to_decimal,
    decimal_to_cents,
    decode_ebcdic,
    encode_ebcdic,
    format_cyyddd,
    format_cyymmdd,
    format_hhmmss,
    format_yymmdd,
    pack_comp3,
    pad_char,
    parse_cyyddd,
    parse_cyymmdd,
    parse_hhmmss,
    parse_yymmdd,
    strip_char,
    unpack_comp3,
    unzone,
    zone,
)
from bridges.core.errors import InvalidInput, LegacyError, error_for_problem

pytestmark = pytest.mark.unit


def test_public_surface_is_the_planned_one():
    planned = {"strip_char", "pad_char", "parse_yymmdd", "parse_cyymmdd", "format_cyymmdd", "parse_cyyddd",
               "parse_hhmmss", "cents_to_decimal", "decimal_to_cents", "unpack_comp3", "pack_comp3", "unzone",
               "zone", "decode_ebcdic", "encode_ebcdic", "StatusMap"}
    assert planned <= set(codecs.__all__)
    assert all(getattr(codecs, name).__doc__ for name in codecs.__all__ if callable(getattr(codecs, name)))


def test_error_classes_say_who_sent_the_bad_value():
    assert issubclass(LegacyValueError, LegacyError) and issubclass(LegacyValueError, CodecError)
    assert issubclass(InvalidValue, InvalidInput) and issubclass(InvalidValue, CodecError)
    with pytest.raises(LegacyValueError) as read_error:
        parse_cyymmdd(1250231)
    assert read_error.value.to_problem()["status"] == 502
    assert "not a calendar date" in read_error.value.detail and "1250231" in read_error.value.detail
    assert isinstance(error_for_problem(read_error.value.to_problem()), LegacyError)  # a client rebuilds it
    with pytest.raises(InvalidValue) as write_error:
        pad_char("too long", 3)
    assert write_error.value.to_problem()["status"] == 422


def test_huge_values_are_not_dumped_into_messages():
    huge = "9" * 1_000_000
    for call in (lambda: parse_cyymmdd(huge), lambda: pad_char(huge, 10), lambda: decimal_to_cents(huge),
                 lambda: unpack_comp3(huge.encode()), lambda: StatusMap.load("orders", "order_status").decode(huge)):
        with pytest.raises(CodecError) as err:
            call()
        assert len(str(err.value)) < 200 and "1000000 long" in str(err.value)


def test_caller_value_turns_a_parse_error_into_422_naming_the_field():
    with pytest.raises(InvalidValue) as err, caller_value("from"):
        parse_cyymmdd("1251301")
    problem = err.value.to_problem()
    assert problem["status"] == 422 and problem["errors"][0]["loc"] == ["from"]
    assert err.value.detail.startswith("from: ")


# --- CHAR ----------------------------------------------------------------------------

def test_strip_and_pad_char():
    assert strip_char("D0767378  ") == "D0767378"
    assert strip_char("  42  ") == "  42"  # leading blanks can be significant
    assert strip_char("AB\x00\x00") == "AB"
    assert strip_char("    ") == "" and strip_char("    ", empty_as_none=True) is None
    assert strip_char(None) is None
    assert pad_char("D0767378", 10) == "D0767378  "
    assert pad_char("", 3) == "   "
    assert pad_char("Müller", 8) == "Müller  "


@pytest.mark.parametrize("value", ["a\nb", "tab\there", "nul\x00", "csi\x9b", "x" * 11])
def test_pad_char_refuses_what_a_char_field_cannot_hold(value):
    with pytest.raises(InvalidValue):
        pad_char(value, 10)


@pytest.mark.parametrize("value", [b"AB  ", 12, ["A"]])
def test_strip_char_refuses_non_text(value):
    with pytest.raises(LegacyValueError):
        strip_char(value)


# --- dates and times -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1250630, date(2025, 6, 30)), (960101, date(1996, 1, 1)), (1000229, date(2000, 2, 29)),
     (1250630.0, date(2025, 6, 30)), (Decimal("1250630"), date(2025, 6, 30)), ("1250630", date(2025, 6, 30)),
     (" 960101", date(1996, 1, 1)), (2000101, date(2100, 1, 1)), (0, None), (9999999, None), (None, None)],
)
def test_parse_cyymmdd(raw, expected):
    assert parse_cyymmdd(raw) == expected


def test_cyymmdd_sentinels_can_mean_something_else():
    open_ended = {0: None, 9999999: date.max}
    assert parse_cyymmdd(9999999, sentinels=open_ended) == date.max
    assert format_cyymmdd(None) == 0 and format_cyymmdd(None, none_as=9999999) == 9999999
    assert format_cyymmdd(date(2025, 6, 30)) == 1250630 and format_cyymmdd(date(1996, 1, 1)) == 960101


@pytest.mark.parametrize(
    "raw", [1250231, 1251301, 1250600, 1990229, -1, 12345678, 1250630.5, "125063O", "", "1,250,630", True,
            Decimal("NaN"), float("inf"), b"\xff\xff", object(), [1250630]],
)
def test_parse_cyymmdd_rejects_malformed(raw):
    with pytest.raises(LegacyValueError):
        parse_cyymmdd(raw)


@pytest.mark.parametrize("value", [date(1899, 12, 31), date(2900, 1, 1), "2025-06-30", 1250630])
def test_format_cyymmdd_rejects_what_it_cannot_hold(value):
    with pytest.raises(InvalidValue):
        format_cyymmdd(value)


def test_yymmdd_pivot_window():
    assert parse_yymmdd(391231) == date(2039, 12, 31)
    assert parse_yymmdd(400101) == date(1940, 1, 1)
    assert parse_yymmdd(250630, pivot=0) == date(1925, 6, 30)
    assert parse_yymmdd(250630, pivot=100) == date(2025, 6, 30)
    assert parse_yymmdd(0) is None and parse_yymmdd(999999) is None
    assert format_yymmdd(date(2039, 12, 31)) == 391231
    with pytest.raises(InvalidValue):
        format_yymmdd(date(2040, 1, 1))  # outside 1940–2039: would read back as 1940
    with pytest.raises(LegacyValueError):
        parse_yymmdd(250231)
    with pytest.raises(ValueError):
        parse_yymmdd(250630, pivot=101)


def test_julian_cyyddd():
    assert parse_cyyddd(125001) == date(2025, 1, 1)
    assert parse_cyyddd(124366) == date(2024, 12, 31)
    assert parse_cyyddd(99365) == date(1999, 12, 31)
    assert parse_cyyddd(0) is None
    assert format_cyyddd(date(2024, 12, 31)) == 124366
    for bad in (125366, 125000, 100000 + 999, 1250630):
        with pytest.raises(LegacyValueError):
            parse_cyyddd(bad)


def test_hhmmss():
    assert parse_hhmmss(93015) == time(9, 30, 15)
    assert parse_hhmmss("093015") == time(9, 30, 15)
    assert parse_hhmmss(0) == time(0, 0) and parse_hhmmss(None) is None
    assert parse_hhmmss(235959.0) == time(23, 59, 59)
    assert format_hhmmss(time(17, 5, 9, 999)) == 170509
    for bad in (240000, 126000, 125960, 1000000, -1, "12:30:00"):
        with pytest.raises(LegacyValueError):
            parse_hhmmss(bad)


# --- money -------------------------------------------------------------------------------

def test_cents():
    assert cents_to_decimal(12345) == Decimal("123.45") and str(cents_to_decimal(12345)) == "123.45"
    assert str(cents_to_decimal(0)) == "0.00" and str(cents_to_decimal(-5)) == "-0.05"
    assert cents_to_decimal(15060.0) == Decimal("150.60")  # sqliteodbc hands NUMERIC back as float
    assert cents_to_decimal("-250") == Decimal("-2.50")
    assert cents_to_decimal(12345, scale=3) == Decimal("12.345")
    assert decimal_to_cents(Decimal("123.45")) == 12345
    assert decimal_to_cents("1.5") == 150 and decimal_to_cents(7) == 700 and decimal_to_cents("-0.01") == -1
    for bad in (12.5, "12.5", True, None, Decimal("NaN")):
        with pytest.raises(LegacyValueError):
            cents_to_decimal(bad)
    for bad in (Decimal("1.005"), 1.5, "abc", "NaN", "Infinity", "1e40", True, None):
        with pytest.raises(InvalidValue):
            decimal_to_cents(bad)


# --- packed and zoned ------------------------------------------------------------------------

def test_comp3_known_vectors():
    assert pack_comp3(12345, 5) == bytes.fromhex("12345C")
    assert pack_comp3(Decimal("-123.45"), 7, 2) == bytes.fromhex("0012345D")
    assert pack_comp3(42, 3, unsigned=True) == bytes.fromhex("042F")
    assert unpack_comp3(bytes.fromhex("12345C")) == Decimal(12345)
    assert unpack_comp3(bytes.fromhex("0012345D"), 2) == Decimal("-123.45")
    assert unpack_comp3(bytes.fromhex("042F")) == 42 and unpack_comp3(b"\x1a") == 1  # A, E, F also positive
    assert unpack_comp3(bytes.fromhex("9B")) == -9


@pytest.mark.parametrize("raw", ["1A3C", "12345", "123456", "", "FFFF"])
def test_comp3_rejects_malformed(raw):
    with pytest.raises(LegacyValueError):
        unpack_comp3(bytes.fromhex(raw) if raw != "12345" else b"\x12\x34\x55")


def test_comp3_refuses_values_that_do_not_fit():
    for value, digits, scale in [(1000, 3, 0), (Decimal("1.234"), 5, 2), (Decimal("Infinity"), 5, 0), (1.5, 5, 1)]:
        with pytest.raises(InvalidValue):
            pack_comp3(value, digits, scale)
    with pytest.raises(InvalidValue):
        pack_comp3(-1, 3, unsigned=True)
    with pytest.raises(ValueError):
        pack_comp3(1, 32)


def test_zoned_known_vectors():
    assert zone(123, 3) == bytes.fromhex("F1F2F3")
    assert zone(-123, 5) == bytes.fromhex("F0F0F1F2D3")
    assert zone(Decimal("12.34"), 4, 2) == bytes.fromhex("F1F2F3F4")
    assert unzone(bytes.fromhex("F1F2C3")) == 123
    assert unzone(bytes.fromhex("F0F1F2D3"), 2) == Decimal("-0.123").scaleb(1) == Decimal("-1.23")
    for bad in ("F1A2F3", "F1F23A", "31F2F3", ""):
        with pytest.raises(LegacyValueError):
            unzone(bytes.fromhex(bad))
    with pytest.raises(LegacyValueError):
        unzone("F1F2F3")  # text, not bytes


# --- EBCDIC ------------------------------------------------------------------------------------

def test_ebcdic_code_pages():
    assert encode_ebcdic("HELLO", "cp037") == bytes.fromhex("C8C5D3D3D6")
    assert encode_ebcdic("[", "cp037") == b"\xba" and encode_ebcdic("[", 1047) == b"\xad"  # the famous difference
    assert encode_ebcdic("€", "cp1140") == b"\x9f" and encode_ebcdic("€", "IBM-1141") == b"\x9f"
    assert decode_ebcdic(encode_ebcdic("Grüße, Ærø & Peña", "cp1141"), "cp1141") == "Grüße, Ærø & Peña"
    assert decode_ebcdic(b"\xc1\x40\xc2", 37) == "A B"


@pytest.mark.parametrize("codepage", ["cp037", "cp1140", "cp1141", "cp277"])
def test_ebcdic_newline_and_nel_stay_distinct(codepage):
    # The ebcdic package decodes both NL (0x15) and LF (0x25) to "\n" in most pages; we keep them apart.
    assert decode_ebcdic(b"\x15\x25", codepage) == "\x85\n"
    assert encode_ebcdic("\x85\n", codepage) == b"\x15\x25"


def test_ebcdic_errors():
    with pytest.raises(InvalidValue, match="not in cp037"):
        encode_ebcdic("price in €", "cp037")
    with pytest.raises(InvalidValue):
        encode_ebcdic("日本", "cp1047")
    with pytest.raises(LegacyValueError):
        decode_ebcdic("already text", "cp037")
    with pytest.raises(ValueError, match="unsupported EBCDIC code page"):
        decode_ebcdic(b"\xc1", "utf-8")


# --- status maps ---------------------------------------------------------------------------------

def test_status_map_from_the_versioned_data():
    status = StatusMap.load("orders", "order_status")
    assert status.version >= 1 and status.system == "orders"
    assert status.decode("S") == "shipped" and status.decode("H ") == "on_hold"
    assert status.encode("backordered") == "B"
    assert status.labels["H"] == "On hold"
    order_status = status.enum("OrderStatus")
    assert order_status("invoiced") is order_status.INVOICED and order_status.INVOICED == "invoiced"
    assert status.encode(order_status.CANCELLED) == "C"


def test_status_map_unknown_values():
    status = StatusMap.load("orders", "order_status")
    with pytest.raises(LegacyValueError, match=r"unknown orders order_status code \(map version 1\)"):
        status.decode("Z")
    for bad in (None, ["S"], ""):
        with pytest.raises(LegacyValueError):
            status.decode(bad)
    with pytest.raises(InvalidValue, match="expected one of open, shipped"):
        status.encode("lost")


def test_status_map_from_a_file(tmp_path):
    path = tmp_path / "acme.json"
    path.write_text(json.dumps({"system": "acme", "version": 3, "maps": {"flag": {"Y": {"name": "yes"}}}}))
    flag = StatusMap.load("acme", "flag", path)
    assert flag.version == 3 and flag.decode("Y") == "yes" and flag.labels == {"Y": "yes"}
    with pytest.raises(ValueError, match="missing or malformed"):
        StatusMap.load("acme", "other", path)
    path.write_text("system: acme\nversion: 1\nmaps: {flag: {Y: {name: yes}, J: {name: yes}}}\n")
    with pytest.raises(ValueError, match="two codes share a name"):
        StatusMap.load("acme", "flag", path)


@pytest.mark.parametrize(("raw", "expected"), [
    (20250630, date(2025, 6, 30)), ("19960101", date(1996, 1, 1)), (Decimal("20240229"), date(2024, 2, 29)),
    (0, None), (99999999, None), (None, None),
])
def test_parse_yyyymmdd(raw, expected):
    assert codecs.parse_yyyymmdd(raw) == expected
    if expected is not None:
        assert codecs.format_yyyymmdd(expected) == int(raw)


def test_yyyymmdd_refuses_what_is_not_a_date():
    with pytest.raises(LegacyValueError, match="not a calendar date"):
        codecs.parse_yyyymmdd(20250231)
    with pytest.raises(LegacyValueError):
        codecs.parse_yyyymmdd(123456789)
    with pytest.raises(InvalidValue):
        codecs.format_yyyymmdd("2025-06-30")  # type: ignore[arg-type]
    assert codecs.format_yyyymmdd(None) == 0
