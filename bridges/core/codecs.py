"""Legacy codecs: turn the value shapes of old systems into Python values and back.

One module every transport and bridge can use (it imports nothing of the project but
:mod:`bridges.core.errors`): CHAR padding, two-digit-year and century dates (YYMMDD,
CYYMMDD, YYYYMMDD, Julian CYYDDD), numeric HHMMSS times, date sentinels, integer cents, packed
(COMP-3) and zoned decimals, EBCDIC text per code page, and one-letter status codes
kept as versioned data (:class:`StatusMap`).

SQL NULL (None) reads as None from every ``parse_*`` function.

Errors. Which side gave a malformed value decides its class:

* ``parse_*``, ``strip_char``, ``cents_to_decimal``, ``unpack_comp3``, ``unzone``,
  ``decode_ebcdic`` and ``StatusMap.decode`` read values FROM the legacy system; a
  malformed one raises :class:`LegacyValueError` (a :class:`~bridges.core.errors.LegacyError`,
  502): the legacy system answered something we do not understand.
* ``pad_char``, ``format_*``, ``decimal_to_cents``, ``pack_comp3``, ``zone``,
  ``encode_ebcdic`` and ``StatusMap.encode`` build values a caller gave; a malformed
  one raises :class:`InvalidValue` (an :class:`~bridges.core.errors.InvalidInput`, 422).
* When a caller's value goes through a ``parse_*`` function (a caller typing a legacy
  date), wrap the call in :func:`caller_value` so the error becomes a 422 naming the field.

Both share the marker base :class:`CodecError`. Messages name the problem and show
at most a short prefix of the value, never a huge one. Arguments that configure a
codec (code page, pivot, digits, scale) raise ``ValueError``: a wrong one is a bug in
the bridge, not bad data.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ebcdic  # noqa: F401  (registers cp1047, cp1141 and the other code pages the stdlib lacks)
import yaml

from bridges.core.errors import InvalidInput, LegacyError

__all__ = [
    "DATE_SENTINELS",
    "EBCDIC_CODEPAGES",
    "NO_DATE",
    "OPEN_ENDED",
    "CodecError",
    "InvalidValue",
    "LegacyValueError",
    "StatusMap",
    "caller_value",
    "cents_to_decimal",
    "decimal_to_cents",
    "decode_ebcdic",
    "encode_ebcdic",
    "format_cyyddd",
    "format_cyymmdd",
    "format_hhmmss",
    "format_yymmdd",
    "format_yyyymmdd",
    "pack_comp3",
    "pad_char",
    "parse_cyyddd",
    "parse_cyymmdd",
    "parse_hhmmss",
    "parse_yymmdd",
    "parse_yyyymmdd",
    "strip_char",
    "unpack_comp3",
    "unzone",
    "zone",
]

NO_DATE = 0
"""The "no date" sentinel of numeric date columns."""
OPEN_ENDED = 9_999_999
"""The "open-ended" sentinel of CYYMMDD columns (valid until further notice)."""
DATE_SENTINELS: Mapping[int, date | None] = MappingProxyType({NO_DATE: None, OPEN_ENDED: None, 999_999: None})
"""Default sentinels → value: 0, 999999 and 9999999 all read as None."""
EBCDIC_CODEPAGES = ("cp037", "cp273", "cp277", "cp278", "cp280", "cp284", "cp285", "cp297", "cp500",
                    "cp871", "cp1047", "cp1140", "cp1141", "cp1142", "cp1143", "cp1144", "cp1145",
                    "cp1146", "cp1147", "cp1148", "cp1149")
"""The single-byte Latin EBCDIC code pages accepted (stdlib and the ``ebcdic`` package)."""

_SHOW = 24
_MAX_DIGITS = 31
"""The most digits a packed/zoned field or an amount may have (COBOL's limit)."""
_PRECISION = 2 * _MAX_DIGITS + 4
_EXACT = Context(prec=_PRECISION)  # enough digits that scaling never rounds
_CENTS_LIMIT = 10**_MAX_DIGITS
"""Decimal precision for codec arithmetic: exact for every value we accept."""


# --- errors ---------------------------------------------------------------------------

class CodecError(Exception):
    """Marker base of every codec error (catch this to handle both directions)."""


class LegacyValueError(CodecError, LegacyError):
    """A value read from the legacy system is malformed (502)."""

    title = "Malformed value from the legacy system"


class InvalidValue(CodecError, InvalidInput):
    """A value given for the legacy system cannot be encoded (422)."""


def _show(value: Any) -> str:
    """A short, safe rendering of a value for an error message."""
    text = repr(value)
    if len(text) > _SHOW:
        size = len(value) if hasattr(value, "__len__") else None
        text = text[:_SHOW] + "…" + (f" ({size} long)" if size is not None else "")
    return text


def _legacy(problem: str, value: Any) -> LegacyValueError:
    return LegacyValueError(f"{problem}: {_show(value)}")


def _invalid(problem: str, value: Any) -> InvalidValue:
    return InvalidValue(f"{problem}: {_show(value)}", errors=[{"loc": [], "msg": problem, "type": "codec"}])


@contextlib.contextmanager
def caller_value(field_name: str) -> Iterator[None]:
    """Treat codec errors inside the block as the caller's bad input for ``field_name`` (422)."""
    try:
        yield
    except (LegacyValueError, InvalidValue) as exc:
        raise InvalidValue(
            f"{field_name}: {exc.detail}",
            errors=[{"loc": [field_name], "msg": exc.detail, "type": "codec"}],
        ) from None


# --- numbers as legacy columns deliver them -------------------------------------------

def _whole(value: Any, what: str, max_digits: int) -> int:
    """A non-negative whole number from int, integral Decimal/float, or a digit string."""
    if isinstance(value, bool):
        raise _legacy(f"{what} must be a number, not a boolean", value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, (Decimal, float)):
        number = _integral(value, what, max_digits)
    elif isinstance(value, (str, bytes)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > max_digits:
            raise _legacy(f"{what} must be at most {max_digits} digits", value)
        number = int(text)
    else:
        raise _legacy(f"{what} must be a number, not {type(value).__name__}", value)
    if number < 0 or number >= 10**max_digits:
        raise _legacy(f"{what} must be 0 to {'9' * max_digits}", value)
    return number


def _integral(value: Decimal | float, what: str, max_digits: int) -> int:
    """The int of an integral Decimal/float (ODBC drivers hand NUMERIC back as either)."""
    try:
        number = Decimal(value)
    except (ValueError, InvalidOperation):
        raise _legacy(f"{what} must be a finite number", value) from None
    if not number.is_finite():
        raise _legacy(f"{what} must be a finite number", value)
    if number and number.adjusted() >= max_digits:
        raise _legacy(f"{what} must have at most {max_digits} digits", value)
    if number != number.to_integral_value():
        raise _legacy(f"{what} must be a whole number", value)
    return int(number)


# --- CHAR -----------------------------------------------------------------------------

def strip_char(value: str | bytes | None, *, empty_as_none: bool = False) -> str | None:
    """A CHAR column's text without its trailing blanks (and trailing NUL low-values).

    Leading blanks are kept (they can be significant, e.g. right-justified numbers).
    With ``empty_as_none`` an all-blank field reads as None.
    """
    if type(value) is str:  # the common case first: exports call this per value
        text = value.rstrip(" \x00")
        return None if empty_as_none and not text else text
    if value is None:
        return None
    if isinstance(value, bytes):
        raise _legacy("CHAR value is bytes; decode it first (decode_ebcdic)", value)
    if not isinstance(value, str):
        raise _legacy(f"CHAR value must be text, not {type(value).__name__}", value)
    text = value.rstrip(" \x00")
    return None if empty_as_none and not text else text


def pad_char(value: str, length: int) -> str:
    """``value`` blank-padded to CHAR(``length``); too long or control characters → InvalidValue."""
    if not isinstance(value, str):
        raise _invalid(f"CHAR value must be text, not {type(value).__name__}", value)
    if len(value) > length:
        raise _invalid(f"longer than CHAR({length}) ({len(value)} characters)", value)
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise _invalid("control characters cannot be stored in a CHAR field", value)
    return value.ljust(length)


# --- dates and times ------------------------------------------------------------------

def _date(year: int, month: int, day: int, raw: Any, what: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _legacy(f"{what} is not a calendar date", raw) from None


def parse_cyymmdd(value: Any, *, sentinels: Mapping[int, date | None] = DATE_SENTINELS) -> date | None:
    """CYYMMDD (C: 0 → 19xx, 1 → 20xx, … 9 → 28xx) → date; sentinels (0, 9999999) → their value."""
    if value is None:
        return None
    number = _whole(value, "CYYMMDD date", 7)
    if number in sentinels:
        return sentinels[number]
    try:
        return _cyymmdd(number)
    except ValueError:
        raise _legacy("CYYMMDD date is not a calendar date", value) from None


@functools.lru_cache(maxsize=8192)  # legacy tables repeat the same few thousand dates
def _cyymmdd(number: int) -> date:
    century, rest = divmod(number, 1_000_000)
    yy, mmdd = divmod(rest, 10_000)
    return date(1900 + century * 100 + yy, mmdd // 100, mmdd % 100)


def format_cyymmdd(value: date | None, *, none_as: int = NO_DATE) -> int:
    """date → CYYMMDD number (None → ``none_as``, 0 by default)."""
    if value is None:
        return none_as
    if not isinstance(value, date):
        raise _invalid(f"expected a date, not {type(value).__name__}", value)
    if not 1900 <= value.year <= 2899:
        raise _invalid("CYYMMDD holds years 1900 to 2899", value)
    return (value.year - 1900) // 100 * 1_000_000 + value.year % 100 * 10_000 + value.month * 100 + value.day


def parse_yymmdd(value: Any, pivot: int = 40, *,
                 sentinels: Mapping[int, date | None] = DATE_SENTINELS) -> date | None:
    """YYMMDD → date, windowed: two-digit years below ``pivot`` are 20xx, the others 19xx.

    ``pivot=40`` (IBM's default window) reads 391231 as 2039-12-31 and 400101 as 1940-01-01.
    """
    if not isinstance(pivot, int) or not 0 <= pivot <= 100:
        raise ValueError(f"pivot must be 0 to 100, not {pivot!r}")
    if value is None:
        return None
    number = _whole(value, "YYMMDD date", 6)
    if number in sentinels:
        return sentinels[number]
    yy, mmdd = divmod(number, 10_000)
    year = 2000 + yy if yy < pivot else 1900 + yy
    return _date(year, mmdd // 100, mmdd % 100, value, "YYMMDD date")


def format_yymmdd(value: date | None, pivot: int = 40, *, none_as: int = NO_DATE) -> int:
    """date → YYMMDD number; the year must lie in the window ``pivot`` defines."""
    if not isinstance(pivot, int) or not 0 <= pivot <= 100:
        raise ValueError(f"pivot must be 0 to 100, not {pivot!r}")
    if value is None:
        return none_as
    if not isinstance(value, date):
        raise _invalid(f"expected a date, not {type(value).__name__}", value)
    low = 1900 + pivot
    if not low <= value.year < low + 100:
        raise _invalid(f"YYMMDD with pivot {pivot} holds years {low} to {low + 99}", value)
    return value.year % 100 * 10_000 + value.month * 100 + value.day


def parse_yyyymmdd(value: Any, *, sentinels: Mapping[int, date | None] = DATE_SENTINELS) -> date | None:
    """YYYYMMDD as a number or digits (20250630) → date; sentinels (0, 99999999 …) → their value."""
    if value is None:
        return None
    number = _whole(value, "YYYYMMDD date", 8)
    if number in sentinels or number == 99_999_999:
        return sentinels.get(number)
    yyyy, mmdd = divmod(number, 10_000)
    return _date(yyyy, mmdd // 100, mmdd % 100, value, "YYYYMMDD date")


def format_yyyymmdd(value: date | None, *, none_as: int = NO_DATE) -> int:
    """date → YYYYMMDD number (None → ``none_as``)."""
    if value is None:
        return none_as
    if not isinstance(value, date):
        raise _invalid(f"expected a date, not {type(value).__name__}", value)
    return value.year * 10_000 + value.month * 100 + value.day


def parse_cyyddd(value: Any, *, sentinels: Mapping[int, date | None] = DATE_SENTINELS) -> date | None:
    """Julian CYYDDD (century digit, year, day of year 1–366) → date; 0 → None."""
    if value is None:
        return None
    number = _whole(value, "CYYDDD date", 6)
    if number in sentinels:
        return sentinels[number]
    century, rest = divmod(number, 100_000)
    yy, ddd = divmod(rest, 1_000)
    year = 1900 + century * 100 + yy
    last = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
    if not 1 <= ddd <= last:
        raise _legacy(f"CYYDDD day of year must be 1 to {last} in {year}", value)
    return date(year, 1, 1) + timedelta(days=ddd - 1)


def format_cyyddd(value: date | None, *, none_as: int = NO_DATE) -> int:
    """date → Julian CYYDDD number (None → ``none_as``)."""
    if value is None:
        return none_as
    if not isinstance(value, date):
        raise _invalid(f"expected a date, not {type(value).__name__}", value)
    if not 1900 <= value.year <= 2899:
        raise _invalid("CYYDDD holds years 1900 to 2899", value)
    return (value.year - 1900) // 100 * 100_000 + value.year % 100 * 1_000 + value.timetuple().tm_yday


def parse_hhmmss(value: Any) -> time | None:
    """Numeric HHMMSS (e.g. 93015 = 09:30:15) → time; SQL NULL → None."""
    if value is None:
        return None
    number = _whole(value, "HHMMSS time", 6)
    hh, mmss = divmod(number, 10_000)
    mm, ss = divmod(mmss, 100)
    if hh > 23 or mm > 59 or ss > 59:
        raise _legacy("HHMMSS is not a time of day", value)
    return time(hh, mm, ss)


def format_hhmmss(value: time) -> int:
    """time → numeric HHMMSS (sub-second precision is dropped)."""
    if not isinstance(value, time):
        raise _invalid(f"expected a time, not {type(value).__name__}", value)
    return value.hour * 10_000 + value.minute * 100 + value.second


# --- money ----------------------------------------------------------------------------

def cents_to_decimal(value: Any, scale: int = 2) -> Decimal:
    """Integer minor units (cents) → Decimal with ``scale`` places (12345 → Decimal('123.45'))."""
    if type(value) is int and -_CENTS_LIMIT < value < _CENTS_LIMIT and scale == 2:
        return Decimal(value).scaleb(-2, _EXACT)  # the common case, checked as the general one below
    _check_scale(scale)
    what = "amount in cents"
    if isinstance(value, bool):
        raise _legacy(f"{what} must be a number, not a boolean", value)
    if isinstance(value, (str, bytes)):
        text = (value.decode("ascii", "replace") if isinstance(value, bytes) else value).strip()
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
        if not (digits.isascii() and digits.isdigit()) or len(digits) > _MAX_DIGITS:
            raise _legacy(f"{what} must be a whole number of at most {_MAX_DIGITS} digits", value)
        number = sign * int(digits)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, (Decimal, float)):
        number = _integral(value, what, _MAX_DIGITS)
    else:
        raise _legacy(f"{what} must be a number, not {type(value).__name__}", value)
    if abs(number) >= 10**_MAX_DIGITS:
        raise _legacy(f"{what} must have at most {_MAX_DIGITS} digits", value)
    return Decimal(number).scaleb(-scale, _EXACT)


def decimal_to_cents(value: Any, scale: int = 2) -> int:
    """Decimal (or int / decimal string) → integer minor units; more than ``scale`` places → InvalidValue."""
    _check_scale(scale)
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise _invalid(f"amount must be a Decimal, int or decimal string, not {type(value).__name__}", value)
    if isinstance(value, str) and len(value) > 4 * _MAX_DIGITS:
        raise _invalid("amount is too long", value)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise _invalid("amount is not a decimal number", value) from None
    if not number.is_finite():
        raise _invalid("amount must be finite", value)
    if number and number.adjusted() + scale >= _MAX_DIGITS:
        raise _invalid(f"amount has more than {_MAX_DIGITS} digits in minor units", value)
    with localcontext(prec=_PRECISION):
        scaled = number.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise _invalid(f"amount has more than {scale} decimal places", value)
        return int(scaled)


# --- packed and zoned decimals --------------------------------------------------------

def _check_scale(scale: int, digits: int = _MAX_DIGITS) -> None:
    if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= digits:
        raise ValueError(f"scale must be 0 to {digits}, not {scale!r}")


_POSITIVE = {0xA, 0xC, 0xE, 0xF}
_NEGATIVE = {0xB, 0xD}


def _bytes(data: Any, what: str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if not raw:
            raise _legacy(f"{what} is empty", data)
        if len(raw) > _MAX_DIGITS + 1:
            raise _legacy(f"{what} longer than {_MAX_DIGITS + 1} bytes", raw)
        return raw
    raise _legacy(f"{what} must be bytes, not {type(data).__name__}", data)


def unpack_comp3(data: bytes, scale: int = 0) -> Decimal:
    """Packed decimal (COMP-3: two digits a byte, sign in the last nibble) → Decimal."""
    _check_scale(scale)
    raw = _bytes(data, "packed decimal")
    nibbles = [n for byte in raw for n in (byte >> 4, byte & 0xF)]
    sign, digits = nibbles[-1], nibbles[:-1]
    if any(d > 9 for d in digits):
        raise _legacy("packed decimal holds a nibble that is not a digit", raw)
    if sign not in _POSITIVE and sign not in _NEGATIVE:
        raise _legacy(f"packed decimal sign nibble {sign:X} is not A-F", raw)
    return Decimal((1 if sign in _NEGATIVE else 0, tuple(digits), -scale))


def _digits_for(value: Any, digits: int, scale: int) -> tuple[bool, str]:
    """(negative, the ``digits`` digits of ``value`` scaled by 10**scale)."""
    if not isinstance(digits, int) or not 0 < digits <= _MAX_DIGITS:
        raise ValueError(f"digits must be 1 to {_MAX_DIGITS}, not {digits!r}")
    _check_scale(scale, digits)
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int)):
        raise _invalid(f"expected a Decimal or int, not {type(value).__name__}", value)
    number = Decimal(value)
    if not number.is_finite():
        raise _invalid("value must be finite", value)
    if number and number.adjusted() >= digits - scale:
        raise _invalid(f"does not fit {digits} digits with {scale} decimals", value)
    with localcontext(prec=_PRECISION):
        scaled = number.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise _invalid(f"has more than {scale} decimal places", value)
    whole = int(scaled)
    return whole < 0, str(abs(whole)).zfill(digits)


def pack_comp3(value: Decimal | int, digits: int, scale: int = 0, *, unsigned: bool = False) -> bytes:
    """Decimal → packed decimal of ``digits`` digits (sign C/D, or F with ``unsigned``)."""
    negative, text = _digits_for(value, digits, scale)
    if unsigned and negative:
        raise _invalid("an unsigned packed field cannot hold a negative value", value)
    if len(text) % 2 == 0:  # whole bytes: an even digit count gets a leading zero nibble
        text = "0" + text
    sign = 0xF if unsigned else 0xD if negative else 0xC
    nibbles = [int(ch) for ch in text] + [sign]
    return bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def unzone(data: bytes, scale: int = 0) -> Decimal:
    """EBCDIC zoned decimal (one digit a byte, zone F; sign in the last byte's zone) → Decimal."""
    _check_scale(scale)
    raw = _bytes(data, "zoned decimal")
    if any(b >> 4 != 0xF or b & 0xF > 9 for b in raw[:-1]):
        raise _legacy("zoned decimal holds a byte that is not F0-F9", raw)
    last_zone, last_digit = raw[-1] >> 4, raw[-1] & 0xF
    if last_digit > 9 or (last_zone not in _POSITIVE and last_zone not in _NEGATIVE):
        raise _legacy("zoned decimal's last byte is not a signed digit", raw)
    digits = tuple(b & 0xF for b in raw)
    return Decimal((1 if last_zone in _NEGATIVE else 0, digits, -scale))


def zone(value: Decimal | int, digits: int, scale: int = 0) -> bytes:
    """Decimal → EBCDIC zoned decimal of ``digits`` bytes (last zone F positive, D negative)."""
    negative, text = _digits_for(value, digits, scale)
    out = bytearray(0xF0 | int(ch) for ch in text)
    if negative:
        out[-1] = 0xD0 | (out[-1] & 0xF)
    return bytes(out)


# --- EBCDIC text ----------------------------------------------------------------------

def _codepage(codepage: str | int) -> str:
    name = str(codepage).lower().replace("-", "").replace("_", "").removeprefix("ibm").removeprefix("cp")
    candidate = "cp" + name.lstrip("0").zfill(3)
    if candidate not in EBCDIC_CODEPAGES:
        raise ValueError(f"unsupported EBCDIC code page {codepage!r} (known: {', '.join(EBCDIC_CODEPAGES)})")
    return candidate


_NEL = "\x85"


@functools.cache
def _nl_is_lf(name: str) -> bool:
    """Whether the codec decodes both EBCDIC NL (0x15) and LF (0x25) to LF: most of the
    ``ebcdic`` package's pages do, so they would not round-trip; we read NL as U+0085
    NEL instead, as the standard library's cp037/cp500/cp1140 do."""
    return b"\x15".decode(name) == b"\x25".decode(name)


def decode_ebcdic(data: bytes, codepage: str | int) -> str:
    """EBCDIC bytes → text in ``codepage`` (e.g. 'cp037', 'cp1047', 1141); byte-exact both ways."""
    name = _codepage(codepage)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _legacy(f"EBCDIC data must be bytes, not {type(data).__name__}", data)
    raw = bytes(data)
    try:
        if _nl_is_lf(name) and b"\x15" in raw:
            return _NEL.join(part.decode(name) for part in raw.split(b"\x15"))
        return raw.decode(name)
    except UnicodeDecodeError as exc:
        raise _legacy(f"byte {exc.object[exc.start]:02X} at {exc.start} has no character in {name}",
                      bytes(data)) from None


def encode_ebcdic(text: str, codepage: str | int) -> bytes:
    """Text → EBCDIC bytes in ``codepage``; a character the code page lacks → InvalidValue."""
    name = _codepage(codepage)
    if not isinstance(text, str):
        raise _invalid(f"text must be str, not {type(text).__name__}", text)
    try:
        if _nl_is_lf(name) and _NEL in text:
            return b"\x15".join(part.encode(name) for part in text.split(_NEL))
        return text.encode(name)
    except UnicodeEncodeError as exc:
        raise _invalid(f"character {exc.object[exc.start]!r} at {exc.start} is not in {name}", text) from None


# --- status codes ---------------------------------------------------------------------

@dataclass(frozen=True)
class StatusMap:
    """One-letter legacy status codes ↔ names, loaded from versioned data.

    The data files live in ``bridges/core/status_codes/`` (YAML: ``system``,
    ``version``, then ``maps: {map_name: {code: {name, label}}}``). ``decode`` of a
    code the map does not know is a :class:`LegacyValueError` naming the map and its
    version, so a new code on the legacy side shows up at once instead of passing
    through silently.
    """

    system: str
    map_name: str
    version: int
    names: Mapping[str, str]
    """code → name"""
    labels: Mapping[str, str] = field(default_factory=dict)
    """code → human label"""

    @classmethod
    def load(cls, system: str, map_name: str, path: str | Path | None = None) -> StatusMap:
        """The map ``map_name`` of ``system`` from its data file (or from ``path``)."""
        if path is None:
            text = resources.files("bridges.core.status_codes").joinpath(f"{system}.yaml").read_text("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        doc = yaml.safe_load(text)  # YAML, or JSON (a subset of YAML)
        try:
            version = int(doc["version"])
            entries = doc["maps"][map_name]
            names = {str(code): str(entry["name"]) for code, entry in entries.items()}
            labels = {str(code): str(entry.get("label", entry["name"])) for code, entry in entries.items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"status map {system}/{map_name}: missing or malformed {exc}") from None
        if len(set(names.values())) != len(names):
            raise ValueError(f"status map {system}/{map_name}: two codes share a name")
        return cls(system, map_name, version, names, labels)

    def decode(self, code: Any) -> str:
        """The name of a legacy code (blanks around it ignored); unknown → LegacyValueError."""
        key = code.strip() if isinstance(code, str) else code
        try:
            return self.names[key]
        except (KeyError, TypeError):
            raise _legacy(f"unknown {self.system} {self.map_name} code (map version {self.version})",
                          code) from None

    def encode(self, name: Any) -> str:
        """The legacy code of a name; unknown → InvalidValue listing the known names."""
        value = name.value if isinstance(name, StrEnum) else name
        for code, known in self.names.items():
            if known == value:
                return code
        raise _invalid(f"unknown {self.map_name}; expected one of {', '.join(self.names.values())}", name)

    def enum(self, class_name: str | None = None) -> type[StrEnum]:
        """A StrEnum of the names (for pydantic models): ``OrderStatus.SHIPPED == "shipped"``.

        Each call makes a new class: build it once, at import, and reuse it.
        """
        title = class_name or "".join(part.title() for part in self.map_name.split("_"))
        return StrEnum(title, {n.upper(): n for n in self.names.values()})  # type: ignore[return-value]
