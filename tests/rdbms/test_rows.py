"""Row functions, key predicates and key binding, without a database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Context, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridges.core.codecs import cents_to_decimal, parse_cyymmdd, strip_char
from bridges.core.errors import LegacyError
from rdbms import rows
from rdbms.keyset import after_clause, bind_key
from rdbms.tables import DeclaredView, ViewColumn

pytestmark = pytest.mark.unit

VIEW = DeclaredView(
    name="things", relation="T", key=("a", "b"),
    columns=(ViewColumn("A", "a", str, strip_char), ViewColumn("B", "b", int), ViewColumn("C", "c", Decimal, scale=2),
             ViewColumn("D", "d", float), ViewColumn("E", "e", dt.date, parse_cyymmdd),
             ViewColumn("F", "f", Decimal, cents_to_decimal), ViewColumn("G", "g", dt.datetime)),
)


def test_each_value_gets_its_fields_type_on_every_driver_shape() -> None:
    sqlite_like = ("K1  ", 2.0, 7.5, float("inf"), 1240229.0, 1234, "2024-02-29 00:00:00")
    pg_like = ("K1  ", 2, Decimal("7.50"), float("nan"), Decimal("1240229"), 1234, dt.datetime(2024, 2, 29))
    for raw in (sqlite_like, pg_like):
        row = VIEW.to_row(raw)
        assert row["a"] == "K1" and row["b"] == 2 and type(row["b"]) is int
        assert str(row["c"]) == "7.50" and row["e"] == dt.date(2024, 2, 29) and str(row["f"]) == "12.34"
        assert row["d"] in ("Infinity", "NaN") and row["g"] == dt.datetime(2024, 2, 29)
        assert VIEW.rows_function([raw, raw]) == [row, row]
    assert VIEW.to_row((None,) * 7) == dict.fromkeys("abcdefg")


def test_a_value_that_cannot_have_its_type_is_a_legacy_error() -> None:
    with pytest.raises(LegacyError, match="column b"):
        VIEW.to_row(("K", 2.5, 1, 1.0, 0, 0, None))
    with pytest.raises(LegacyError, match="column c"):
        VIEW.to_row(("K", 2, "x", 1.0, 0, 0, None))


def _codec_or_error(cents: int) -> object:
    try:
        return cents_to_decimal(cents).as_tuple()
    except LegacyError:
        return LegacyError


def _rows_or_error(rows: Callable[[list[tuple[Any, ...]]], list[Any]], cents: int, at: Callable[[Any], Any]) -> object:
    try:
        return at(rows([("K", 1, None, None, None, cents, None)])[0]).as_tuple()
    except LegacyError:
        return LegacyError


@given(st.integers())
def test_inlined_cents_equal_the_codec(cents: int) -> None:
    """Digits and exponent alike, for any int (beyond 31 digits both refuse it)."""
    assert _rows_or_error(VIEW.rows_function, cents, lambda r: r["f"]) == _codec_or_error(cents)


# The types pyodbc describes for VIEW's columns when the driver is sqliteodbc.
DRIVER = ("str", "int", "float", "float", "float", "int", "str")


@given(st.integers(-(2**63), 2**64 - 1), st.sampled_from([None, 5, 19, 20, 64]))
def test_driver_typed_cents_equal_the_codec_in_any_decimal_context(cents: int, prec: int | None) -> None:
    """The export path's ``cents * 0.01`` (a driver's ints are C integers) is exact in this
    thread's context when that context allows it, and falls back to the codec when not."""
    rows = VIEW.rows_function_for(DRIVER)
    with localcontext(None if prec is None else Context(prec=prec)):
        got = _rows_or_error(rows, cents, lambda r: r[5])
    assert got == _codec_or_error(cents)


def test_the_after_predicate_spells_out_the_key_order() -> None:
    assert after_clause(["A", "B"], [1, 2]) == ("((A > ?) OR (A = ? AND B > ?))", [1, 1, 2])
    assert after_clause(["A"], ["x"]) == ("((A > ?))", ["x"])
    with pytest.raises(ValueError):
        after_clause(["A", "B"], [1])


def test_keys_are_bound_as_each_driver_stores_them() -> None:
    at = dt.datetime(2024, 2, 29, 0, 0)
    assert bind_key("sqlite", at) == "2024-02-29 00:00:00"
    assert bind_key("sqlite", at.replace(microsecond=250000)) == "2024-02-29 00:00:00.250000"
    assert bind_key("sqlite", dt.date(2024, 2, 29)) == "2024-02-29"
    assert bind_key("sqlite", Decimal("12")) == 12 and bind_key("sqlite", 7.5) == 7.5
    assert bind_key("postgresql", at) is at and bind_key("mariadb", "K1  ") == "K1  "


def test_a_key_must_name_fields_of_the_view() -> None:
    with pytest.raises(ValueError, match="not one of its fields"):
        DeclaredView(name="x", relation="X", key=("a", "zz"), columns=VIEW.columns)


# Text a CHAR column may hold: pads of spaces and NULs, and the whitespace rstrip() alone would also take.
_CHAR_TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from("ab \x00\t\n\x1f\x85\xa0\u3000é"), max_size=12),
                       st.text(alphabet="ab", max_size=4).map(lambda s: s + " " * 12))
_CHARS = ViewColumn("S", "s", str, strip_char)
_CENTS = ViewColumn("M", "m", Decimal, cents_to_decimal)
_WIDE = DeclaredView(name="wide", relation="W", key="n",
                     columns=(ViewColumn("N", "n", int), _CHARS, _CENTS, ViewColumn("T", "t", str, strip_char)))


@given(st.lists(st.tuples(st.integers(0, 9), _CHAR_TEXT, st.one_of(st.none(), st.integers(-(2**63), 2**63)),
                          _CHAR_TEXT), min_size=1, max_size=30))
def test_the_driver_typed_rows_equal_the_checked_ones(batch: list[tuple[Any, ...]]) -> None:
    """The export path (no NULL test until a NULL comes, whitespace rstrip() where the batch's
    text allows it) gives the rows the checked function gives, value for value."""
    fresh = DeclaredView(name="wide", relation="W", key="n", columns=_WIDE.columns)  # its no-NULL form untried
    fast = fresh.rows_function_for(("int", "str", "int", "str"))
    checked = fresh.rows_function_for(("int",))  # a description of another shape: the checked function
    assert fast(batch) == checked(batch) == [tuple(_WIDE.to_row(r).values()) for r in batch]
    assert [[type(v) for v in row] for row in fast(batch)] == [[type(v) for v in row] for row in checked(batch)]


def test_the_characters_that_keep_rstrip_from_taking_a_pad_are_all_listed() -> None:
    """Every ASCII character after which ``rstrip()`` and ``rstrip(" \\x00")`` part ways is one
    the batch test looks for (beyond ASCII the test always takes ``rstrip(" \\x00")``)."""
    differ = {c for c in map(chr, range(128)) if ("a" + c + " ").rstrip() != ("a" + c + " ").rstrip(" \x00")}
    assert differ <= set(rows._NOT_PAD) and "\x00" in differ
