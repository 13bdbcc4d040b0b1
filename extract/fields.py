"""Reading and writing one elementary item: PICTURE strings, and a decoder and encoder per kind.

Decoders are built once per field and work on its bytes alone (a slice of the record):
text by the code page; zoned decimal (one EBCDIC digit a byte, the sign overpunched on the
last — or first, ``SIGN LEADING`` — byte's zone, or a separate ``+``/``-``); packed decimal
(COMP-3: two digits a byte, sign in the last nibble); binary (COMP, COMP-4, COMP-5, BINARY:
big-endian two's complement of 2, 4 or 8 bytes). A malformed value raises :class:`Malformed`
with the reason; the layout adds the record number and field name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bridges.core.codecs import decode_ebcdic, encode_ebcdic, pack_comp3, zone
from extract.copybook import CopybookError

if TYPE_CHECKING:
    from extract.layout import Field

__all__ = ["MAX_DIGITS", "Malformed", "decoder", "encoder", "picture"]

MAX_DIGITS = 31
"""The most digits a numeric item may have (Enterprise COBOL's ARITH(EXTEND) limit)."""

_REPEAT = re.compile(r"(.)\((\d+)\)")
_NUMERIC = re.compile(r"S?9*(V9*)?")
_EDITED = re.compile(r"[Z9.,+\-*$B0/]*(CR|DB)?")


class Malformed(ValueError):
    """The bytes of one field do not fit its picture."""


def _expand(pic: str) -> str:
    return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), pic)


def _binary_size(digits: int, where: str) -> int:
    if digits <= 4:
        return 2
    if digits <= 9:
        return 4
    if digits <= 18:
        return 8
    raise CopybookError(f"{where}: a binary item holds at most 18 digits")


def picture(pic: str, usage: str, sign_leading: bool, sign_separate: bool, where: str) -> dict[str, Any]:
    """What a PICTURE and USAGE make: ``kind``, ``size`` and for numbers ``digits``, ``scale``, ``signed``."""
    text = _expand(pic)
    if "P" in text:
        raise CopybookError(f"{where}: the P scaling position is not supported")
    if _NUMERIC.fullmatch(text) and "9" in text:
        digits, scale, signed = text.count("9"), len(text.partition("V")[2]), text.startswith("S")
        if digits > MAX_DIGITS:
            raise CopybookError(f"{where}: more than {MAX_DIGITS} digits")
        spec = {"digits": digits, "scale": scale, "signed": signed}
        if usage == "packed":
            return {"kind": "packed", "size": digits // 2 + 1, **spec}
        if usage == "binary":
            return {"kind": "binary", "size": _binary_size(digits, where), **spec}
        if sign_separate and not signed:
            raise CopybookError(f"{where}: SIGN SEPARATE on an unsigned picture")
        return {"kind": "zoned", "size": digits + (1 if sign_separate else 0), **spec}
    if usage != "display":
        raise CopybookError(f"{where}: PIC {pic} cannot be {usage.upper()}")
    if re.fullmatch(r"[XA9]+", text) or _EDITED.fullmatch(text):
        return {"kind": "text", "size": len(text)}  # alphanumeric, or numeric-edited display text
    raise CopybookError(f"{where}: PIC {pic} is not a picture this decoder reads")


# -- decoders --------------------------------------------------------------------------------

_ZONED = bytearray(b"x" * 256)
for _d in range(10):
    _ZONED[0xF0 + _d] = 0x30 + _d
_ZONED_DIGITS = bytes(_ZONED)  # F0-F9 → ASCII digits; any other byte → 'x' (never a digit)
_POSITIVE_ZONES = {0xC, 0xF, 0xA, 0xE}
_NEGATIVE_ZONES = {0xD, 0xB}
_PLUS, _MINUS = 0x4E, 0x60  # '+' and '-' in every Latin EBCDIC code page


def _number(negative: bool, digits: str, scale: int) -> int | Decimal:
    if scale:
        return Decimal(f"{'-' if negative and digits.strip('0') else ''}{digits}E-{scale}")
    value = int(digits)
    return -value if negative else value


def _blank(raw: bytes) -> bool:
    return raw.count(0x40) == len(raw) or raw.count(0) == len(raw)


def _text_decoder(codepage: str, strip: bool) -> Callable[[bytes], str]:
    def text(raw: bytes) -> str:
        try:
            value = raw.decode(codepage) if 0x15 not in raw else decode_ebcdic(raw, codepage)
        except Exception as exc:  # UnicodeDecodeError or the codec's own error: one message
            raise Malformed(f"a byte has no character in {codepage}") from exc
        return value.rstrip(" ") if strip else value

    return text


def _zoned_decoder(f: Field) -> Callable[[bytes], int | Decimal]:
    scale, signed = f.scale, f.signed
    if f.sign_separate:

        def separate(raw: bytes) -> int | Decimal:
            sign, body = (raw[0], raw[1:]) if f.sign_leading else (raw[-1], raw[:-1])
            digits = body.translate(_ZONED_DIGITS)
            if sign not in (_PLUS, _MINUS):
                raise Malformed(f"sign byte {sign:02X} is neither + nor -")
            if not digits.isdigit():
                raise Malformed(f"zoned digits expected, found {body.hex(' ').upper()}")
            return _number(sign == _MINUS, digits.decode(), scale)

        return separate
    at = 0 if f.sign_leading else -1

    def zoned(raw: bytes) -> int | Decimal:
        signed_byte = raw[at]
        zone_nibble, digit = signed_byte >> 4, signed_byte & 0xF
        digits = bytearray(raw.translate(_ZONED_DIGITS))
        digits[at] = 0x30 + digit if digit <= 9 else 0x78
        if not digits.isdigit():
            raise Malformed(f"zoned digits expected, found {raw.hex(' ').upper()}")
        if zone_nibble in _NEGATIVE_ZONES:
            if not signed:
                raise Malformed("a negative sign in an unsigned field")
            return _number(True, digits.decode(), scale)
        if zone_nibble not in _POSITIVE_ZONES or (not signed and zone_nibble not in (0xF, 0xC)):
            raise Malformed(f"zone {zone_nibble:X} of the sign byte is not a sign")
        return _number(False, digits.decode(), scale)

    return zoned


def _packed_decoder(f: Field) -> Callable[[bytes], int | Decimal]:
    scale, signed = f.scale, f.signed
    spare = f.size * 2 - 1 - f.digits  # a leading nibble the picture leaves unused (even digit counts)
    exponent = f"E-{scale}"
    positive = frozenset("cfae" if signed else "fc")
    negative = frozenset("db" if signed else "")

    def packed(raw: bytes) -> int | Decimal:
        nibbles = raw.hex()
        digits, sign = nibbles[:-1], nibbles[-1]
        if digits.isdigit() and not (spare and digits[0] != "0"):  # the common case first, checks inline
            if sign in positive:
                return Decimal(digits + exponent) if scale else int(digits)
            if sign in negative:
                value = Decimal(digits + exponent) if scale else int(digits)
                return -value if value else value  # never a negative zero
        if not digits.isdigit():
            raise Malformed(f"packed digits expected, found {raw.hex(' ').upper()}")
        if spare and digits[0] != "0":
            raise Malformed(f"more than the {f.digits} digits of the picture")
        if sign in "db":
            raise Malformed("a negative sign in an unsigned field")
        raise Malformed(f"sign nibble {sign.upper()} is not a sign")

    return packed


def _binary_decoder(f: Field) -> Callable[[bytes], int | Decimal]:
    scale, signed = f.scale, f.signed

    def binary(raw: bytes) -> int | Decimal:
        value = int.from_bytes(raw, "big", signed=signed)
        return Decimal(f"{value}E-{scale}") if scale else value

    return binary


def decoder(f: Field, codepage: str, strip_text: bool, blank_is_null: bool) -> Callable[[bytes], Any]:
    """The function reading ``f``'s bytes (:class:`Malformed` when they do not fit)."""
    if f.kind == "text":
        return _text_decoder(codepage, strip_text)
    read = {"zoned": _zoned_decoder, "packed": _packed_decoder, "binary": _binary_decoder}[f.kind](f)
    if not blank_is_null or f.kind == "binary":
        return read

    def or_null(raw: bytes) -> Any:
        return None if _blank(raw) else read(raw)

    return or_null


# -- encoders --------------------------------------------------------------------------------


def encoder(f: Field, codepage: str) -> Callable[[Any], bytes]:
    """The function writing a value in ``f``'s bytes (ValueError or a codec error when it does not fit)."""
    if f.kind == "text":
        space = encode_ebcdic(" ", codepage)

        def text(value: Any) -> bytes:
            raw = encode_ebcdic(value, codepage)
            if len(raw) > f.size:
                raise ValueError(f"{len(raw)} bytes do not fit {f.size}")
            return raw + space * (f.size - len(raw))

        return text
    if f.kind == "packed":
        return lambda value: pack_comp3(value, f.digits, f.scale, unsigned=not f.signed)

    def check(value: Any) -> None:
        if not f.signed and value < 0:
            raise ValueError("an unsigned field cannot hold a negative value")

    if f.kind == "binary":

        def binary(value: Any) -> bytes:
            check(value)
            scaled = Decimal(value).scaleb(f.scale)
            if scaled != scaled.to_integral_value() or abs(scaled) >= 10**f.digits:
                raise ValueError(f"does not fit {f.digits} digits with {f.scale} decimals")
            return int(scaled).to_bytes(f.size, "big", signed=f.signed)

        return binary

    def zoned(value: Any) -> bytes:
        check(value)
        raw = bytearray(zone(value, f.digits, f.scale))
        negative = raw[-1] >> 4 == 0xD
        if f.signed and not negative:
            raw[-1] = 0xC0 | (raw[-1] & 0xF)  # the sign a signed field writes for positive values
        if f.sign_separate:
            raw[-1] = 0xF0 | (raw[-1] & 0xF)
            sign = bytes([_MINUS if negative else _PLUS])
            return sign + bytes(raw) if f.sign_leading else bytes(raw) + sign
        if f.sign_leading and len(raw) > 1:
            raw[0], raw[-1] = (raw[-1] & 0xF0) | (raw[0] & 0xF), 0xF0 | (raw[-1] & 0xF)
        return bytes(raw)

    return zoned
