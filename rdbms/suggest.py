"""Codec suggestions for one column, from its declared type, its name and a sample of its values.

Legacy databases store dates as numbers (CYYMMDD, YYYYMMDD, YYMMDD, Julian CYYDDD) with
sentinels (0 = none, 9999999 = open-ended), money as integer cents, numbers as text and text
blank-padded in CHAR. None of that shows in the catalog, so each suggestion rests on the
values themselves (every sampled value must fit) and, where values alone are ambiguous, on
the column's name; each says why, so the engineer can judge it. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdbms.reflect import ReflectedColumn

__all__ = ["Suggestion", "suggest"]

_DATE_SENTINELS = {0, 999_999, 9_999_999, 99_999_999}
_YEARS = range(1900, 2101)
"""Years a legacy date column plausibly holds; a number outside them is not read as a date."""
_DATE_NAME = re.compile(r"(DT|DATE|DAT|JUL|DAY)$|^(DT|DATE)|_(DT|DATE)_", re.IGNORECASE)
_TIME_NAME = re.compile(r"(TM|TIME|HMS)$|_(TM|TIME)_", re.IGNORECASE)
_MONEY_NAME = re.compile(
    r"AMT|AMOUNT|PRI?C|PRICE|COST|TOTL|TOTAL|BAL|FEE|CHG|CHARGE|PAY|CRLM|LIMIT|LMT|CENTS?$", re.IGNORECASE
)
_WHOLE_TEXT = re.compile(r"^[+-]?[0-9]{1,18}$")
_DECIMAL_TEXT = re.compile(r"^[+-]?[0-9]{0,18}\.[0-9]{1,12}$")


@dataclass
class Suggestion:
    """How to read one column: the field's Python type, the codec (a name in
    :mod:`bridges.core.codecs`), the decimal places, and why."""

    type: str
    """``str``, ``int``, ``Decimal``, ``float``, ``bool``, ``dt.date``, ``dt.datetime`` or ``dt.time``."""
    read: str | None = None
    """Codec applied to each value read, as source (``strip_char``, ``parse_cyymmdd`` …)."""
    scale: int | None = None
    note: str = ""
    """What the value is, for the field's description."""
    caveats: list[str] = field(default_factory=list)
    """Guesses the engineer should check (comments in the generated source)."""
    skip: str = ""
    """Why the column cannot be exposed as it is (binary, unknown type); empty when it can."""

    @property
    def char(self) -> bool:
        """Whether values are blank-padded text trimmed on the way out."""
        return self.read is not None and self.read.startswith(("strip_char", "partial(strip_char"))


def _whole(value: Any) -> int | None:
    """``value`` as a whole number (int, integral float/Decimal, digit text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value == int(value) else None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, str) and _WHOLE_TEXT.match(value.strip()):
        return int(value.strip())
    return None


def _valid(year: int, month: int, day: int) -> bool:
    if year not in _YEARS:
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _cyymmdd(n: int) -> bool:
    century, rest = divmod(n, 1_000_000)
    yy, mmdd = divmod(rest, 10_000)
    return century <= 9 and _valid(1900 + century * 100 + yy, mmdd // 100, mmdd % 100)


def _yyyymmdd(n: int) -> bool:
    return 10_000_000 <= n <= 99_991_231 and _valid(n // 10_000, n // 100 % 100, n % 100)


def _yymmdd(n: int) -> bool:
    yy, mmdd = divmod(n, 10_000)
    return n < 1_000_000 and _valid(2000 + yy if yy < 40 else 1900 + yy, mmdd // 100, mmdd % 100)


def _cyyddd(n: int) -> bool:
    century, rest = divmod(n, 100_000)
    yy, ddd = divmod(rest, 1_000)
    year = 1900 + century * 100 + yy
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return century <= 9 and year in _YEARS and 1 <= ddd <= (366 if leap else 365)


def _hhmmss(n: int) -> bool:
    hh, mmss = divmod(n, 10_000)
    return n >= 0 and hh <= 23 and mmss // 100 <= 59 and mmss % 100 <= 59


def _date_codec(column: ReflectedColumn, numbers: Sequence[int]) -> tuple[str, str] | None:
    """(codec, what) when every non-sentinel number is a date of one legacy form."""
    dates = [n for n in numbers if n not in _DATE_SENTINELS]
    named = bool(_DATE_NAME.search(column.name))
    if not dates or (len(set(dates)) < 3 and not named):
        return None  # one or two values fit a date form by chance too often to say so without the name
    sentinels = sorted({n for n in numbers if n in _DATE_SENTINELS})
    shown = f"; {' and '.join(map(str, sentinels))} read as null" if sentinels else ""
    if all(_yyyymmdd(n) for n in dates):
        return "parse_yyyymmdd", f"YYYYMMDD date{shown}"
    seven = column.precision == 7 or any(n >= 1_000_000 for n in dates)
    if all(_cyymmdd(n) for n in dates) and (seven or not all(_yymmdd(n) for n in dates)):
        return "parse_cyymmdd", f"CYYMMDD date (C: 0 = 19xx, 1 = 20xx){shown}"
    if all(_yymmdd(n) for n in dates) and named:
        return "parse_yymmdd", f"YYMMDD date (years below 40 are 20xx){shown}"
    if all(_cyyddd(n) for n in dates) and (named or column.precision in (5, 6)):
        return "parse_cyyddd", f"Julian CYYDDD date (C, year, day of the year){shown}"
    return None


def _sentinel_caveat(numbers: Sequence[int]) -> list[str]:
    nines = sorted({n for n in numbers if n >= 9_999 and set(str(n)) == {"9"}})
    return [f"check: {n} appears in the data, a sentinel (no limit, unknown)? Map it to null if so." for n in nines]


def _numeric(column: ReflectedColumn, values: Sequence[Any], *, blanks: bool = False) -> Suggestion | None:
    """For whole numbers (stored as numbers, or as digit text when ``blanks`` says whether some were blank)."""
    whole = [_whole(v) for v in values]
    if any(n is None for n in whole):
        return None
    numbers = [n for n in whole if n is not None]
    from_text = column.kind in {"char", "varchar"}
    found = None if blanks else _date_codec(column, numbers)
    if found:
        codec, what = found
        caveat = f"suggested: {what.split(';')[0]}, by its values."
        return Suggestion("dt.date", codec, note=f"{what}.", caveats=[caveat])
    if not blanks and _TIME_NAME.search(column.name) and numbers and all(_hhmmss(n) for n in numbers):
        return Suggestion(
            "dt.time",
            "parse_hhmmss",
            note="a time of day stored as HHMMSS.",
            caveats=["suggested: HHMMSS time, by its name and values."],
        )
    if not from_text and _MONEY_NAME.search(column.name):
        return Suggestion(
            "Decimal",
            "cents_to_decimal",
            note="integer cents, read as a Decimal amount.",
            caveats=["suggested: integer cents, by its name; drop the codec if it counts units."],
        )
    if from_text:
        return Suggestion(
            "int",
            "partial(strip_char, empty_as_none=True)" if blanks else None,
            note="a whole number stored as text" + (", blank read as null." if blanks else "."),
            caveats=["suggested: a number stored as text, by its values."],
        )
    return Suggestion("int", caveats=_sentinel_caveat(numbers))


def _text(column: ReflectedColumn, values: Sequence[str]) -> Suggestion:
    padded = column.kind == "char" or any(v != v.rstrip(" ") for v in values)
    read = "strip_char" if padded else None
    note = f"text, {column.type_name}" + (", blanks trimmed." if padded else ".")
    filled = [v.strip() for v in values if v.strip()]
    blanks = len(filled) < len(values)
    if len(set(filled)) >= 3 and all(_WHOLE_TEXT.match(v) for v in filled):
        if any(len(v) > 1 and v.lstrip("+-").startswith("0") for v in filled):
            return Suggestion("str", read, note=note)  # leading zeros: an identifier, kept as text
        found = _numeric(column, filled, blanks=blanks)
        if found is not None:
            return found
    if len(set(filled)) >= 3 and all(_DECIMAL_TEXT.match(v) for v in filled):
        places = max(len(v.split(".")[1]) for v in filled)
        return Suggestion(
            "Decimal",
            "partial(strip_char, empty_as_none=True)" if blanks else None,
            scale=places,
            note=f"a decimal number stored as text ({places} places).",
            caveats=["suggested: a decimal number stored as text, by its values."],
        )
    return Suggestion("str", read, note=note)


def _sentinel_date(values: Sequence[Any]) -> list[str]:
    odd = sorted({v for v in values if isinstance(v, dt.date) and v.year in (1, 1900, 9999)})
    return [f"check: {odd[0]} appears in the data, a sentinel date? Map it to null if so."] if odd else []


def suggest(column: ReflectedColumn, values: Sequence[Any]) -> Suggestion:
    """The suggestion for ``column`` given its sampled ``values`` (NULLs left out by the caller)."""
    kind = column.kind
    if kind in {"char", "varchar"}:
        return _text(column, [v for v in values if isinstance(v, str)])
    if kind == "integer" or (kind == "decimal" and column.scale == 0):
        return _numeric(column, values) or Suggestion("Decimal", scale=0)
    if kind == "decimal":
        return Suggestion("Decimal", scale=column.scale, note=f"a decimal number, {column.type_name}.")
    if kind == "float":
        return Suggestion("float", note="a floating-point number (NaN and infinities served as strings).")
    if kind == "bool":
        return Suggestion("bool")
    if kind in {"date", "datetime", "time"}:
        return Suggestion(f"dt.{kind}", caveats=_sentinel_date(values))
    if kind == "binary":
        return Suggestion("str", skip=f"binary column ({column.type_name}): decode it with a codec of its own")
    return Suggestion("str", skip=f"type {column.type_name} has no suggested reading")
