"""Legacy codecs, property-based: every encodable value round-trips, and any other input
either decodes consistently or raises the codec error of its direction — never anything else."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.core.codecs import (
    EBCDIC_CODEPAGES,
    InvalidValue,
    LegacyValueError,
    StatusMap,
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

pytestmark = pytest.mark.unit
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LEGACY_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2899, 12, 31))
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.binary(max_size=20),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def fitting_decimal(draw: st.DrawFn) -> tuple[Decimal, int, int]:
    """(value, digits, scale) with value fitting a field of ``digits`` digits and ``scale`` decimals."""
    digits = draw(st.integers(1, 31))
    scale = draw(st.integers(0, digits))
    whole = draw(st.integers(-(10**digits) + 1, 10**digits - 1))
    return Decimal(f"{whole}E-{scale}"), digits, scale  # exact: no context rounding


# --- round trips -------------------------------------------------------------------------

@FAST
@given(LEGACY_DATES)
def test_cyymmdd_round_trips_in_every_shape_a_driver_returns(day):
    number = format_cyymmdd(day)
    assert 0 < number < 9_999_999
    for shape in (number, str(number), float(number), Decimal(number)):
        assert parse_cyymmdd(shape) == day


@FAST
@given(st.integers(0, 100), st.data())
def test_yymmdd_round_trips_inside_its_pivot_window(pivot, data):
    low = 1900 + pivot
    day = data.draw(st.dates(min_value=date(low, 1, 1), max_value=date(low + 99, 12, 31)))
    assert parse_yymmdd(format_yymmdd(day, pivot), pivot) == day


@FAST
@given(LEGACY_DATES)
def test_cyyddd_round_trips(day):
    assert parse_cyyddd(format_cyyddd(day)) == day


@FAST
@given(st.times())
def test_hhmmss_round_trips_to_the_second(moment):
    assert parse_hhmmss(format_hhmmss(moment)) == time(moment.hour, moment.minute, moment.second)


@FAST
@given(st.integers(-(10**31) + 1, 10**31 - 1), st.integers(0, 6))
def test_cents_round_trip(cents, scale):
    amount = cents_to_decimal(cents, scale)
    assert amount.as_tuple().exponent == -scale
    assert decimal_to_cents(amount, scale) == cents
    assert decimal_to_cents(str(amount), scale) == cents


@FAST
@given(fitting_decimal(), st.booleans())
def test_comp3_round_trips(case, unsigned):
    value, digits, scale = case
    if unsigned:
        value = value.copy_abs()  # exact: abs() rounds to the context's 28 digits
    packed = pack_comp3(value, digits, scale, unsigned=unsigned)
    assert len(packed) == digits // 2 + 1
    assert unpack_comp3(packed, scale) == value


@FAST
@given(fitting_decimal())
def test_zoned_round_trips(case):
    value, digits, scale = case
    zoned = zone(value, digits, scale)
    assert len(zoned) == digits
    assert unzone(zoned, scale) == value


@FAST
@given(st.sampled_from(EBCDIC_CODEPAGES), st.binary(max_size=64))
def test_ebcdic_single_byte_pages_are_bijective(codepage, raw):
    assert encode_ebcdic(decode_ebcdic(raw, codepage), codepage) == raw


@FAST
@given(st.sampled_from(["cp037", "cp1047", "cp1140", "cp1141"]), st.text(max_size=40))
def test_ebcdic_text_round_trips_or_names_the_missing_character(codepage, text):
    try:
        raw = encode_ebcdic(text, codepage)
    except InvalidValue as exc:
        assert "is not in " + codepage in exc.detail
        return
    assert len(raw) == len(text) and decode_ebcdic(raw, codepage) == text


@FAST
@given(st.text(max_size=30), st.integers(0, 40))
def test_pad_then_strip_gives_back_the_text(text, length):
    try:
        padded = pad_char(text, length)
    except InvalidValue:
        assert len(text) > length or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)
        return
    assert len(padded) == length and strip_char(padded) == text.rstrip(" ")


# --- malformed input: the right error, never another exception ------------------------------

@FAST
@given(ANYTHING)
def test_date_and_time_parsers_raise_only_legacy_value_errors(value):
    for parse in (parse_cyymmdd, parse_yymmdd, parse_cyyddd, parse_hhmmss):
        try:
            result = parse(value)
        except LegacyValueError as exc:
            assert len(exc.detail) < 200
            continue
        assert result is None or isinstance(result, (date, time))


@FAST
@given(st.integers(0, 9_999_999))
def test_every_seven_digit_number_is_a_date_a_sentinel_or_refused(number):
    try:
        day = parse_cyymmdd(number)
    except LegacyValueError:
        mmdd = number % 10_000
        assert not (1 <= mmdd // 100 <= 12) or mmdd % 100 == 0 or mmdd % 100 > 28
        return
    assert (day is None and number in (0, 999_999, 9_999_999)) or format_cyymmdd(day) == number


@FAST
@given(st.binary(min_size=0, max_size=40), st.integers(0, 31))
def test_packed_and_zoned_decoders_accept_or_refuse_any_bytes(raw, scale):
    for decode in (unpack_comp3, unzone):
        try:
            value = decode(raw, scale)
        except LegacyValueError as exc:
            assert len(exc.detail) < 200
            continue
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -scale


@FAST
@given(ANYTHING)
def test_encoders_raise_only_invalid_value(value):
    for encode in (lambda v: pack_comp3(v, 9, 2), lambda v: zone(v, 9, 2), lambda v: decimal_to_cents(v),
                   lambda v: pad_char(v, 10), lambda v: format_cyymmdd(v), lambda v: encode_ebcdic(v, "cp037")):
        try:
            encode(value)
        except InvalidValue as exc:
            assert exc.to_problem()["status"] == 422
            assert len(exc.detail) < 200


@FAST
@given(ANYTHING)
def test_cents_decoder_raises_only_legacy_value_errors(value):
    try:
        result = cents_to_decimal(value)
    except LegacyValueError:
        return
    assert isinstance(result, Decimal) and result.as_tuple().exponent == -2


@FAST
@given(st.one_of(st.text(max_size=3), st.none(), st.integers()))
def test_status_decode_knows_a_code_or_names_its_map(code):
    status = StatusMap.load("orders", "order_status")
    try:
        name = status.decode(code)
    except LegacyValueError as exc:
        assert "order_status" in exc.detail and "version" in exc.detail
        return
    assert status.encode(name) == code.strip()
