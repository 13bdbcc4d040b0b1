"""The s3270 scripting dialect, in one place.

Everything that knows s3270's conventions lives here and nowhere else:

* s3270 addresses rows and columns from 0 and puts a field's attribute byte one column
  before its content; the rest of the package speaks 1-based content positions.
* typed text is sent as ``String("…")`` in which every ASCII character outside a small safe
  set is written as ``\\u00XX``, so no value can close the string, start another action
  or trigger one of String's own escapes (``\\n`` is Enter, ``\\pf3`` is PF3);
* ``ReadBuffer(Ascii)`` output (hex UTF-8 per cell, ``SF(c0=…)`` for field attributes)
  is parsed into a :class:`~mainframe.snapshot.Screen`.
"""

from __future__ import annotations

import codecs
import string
from collections.abc import Sequence

from bridges.core.errors import InvalidInput
from mainframe.snapshot import Field, Position, Screen

__all__ = [
    "AID_KEYS",
    "aid_action",
    "check_typed_value",
    "codec_for",
    "move_cursor",
    "parse_read_buffer",
    "string_action",
    "untypeable",
]

AID_KEYS = frozenset(
    ["Enter", "Clear", "PA1", "PA2", "PA3"] + [f"PF{n}" for n in range(1, 25)]
)
"""The attention keys a caller may press (anything else is refused, never sent)."""

# Characters written into String("…") as themselves; everything else becomes \uXXXX.
_SAFE = frozenset(string.ascii_letters + string.digits + " .,:-_/+*=#@%&!?<>[]{}|~^$`'")

# 3270 field attribute bits (the low six bits of the attribute byte).
_PROTECTED, _NUMERIC, _DISPLAY_MASK, _INTENSIFIED, _NONDISPLAY, _MDT = 0x20, 0x10, 0x0C, 0x08, 0x0C, 0x01


def aid_action(aid: str) -> str:
    """The s3270 action for an attention key name (``PF8`` → ``PF(8)``)."""
    if aid not in AID_KEYS:
        raise InvalidInput(f"unknown attention key {aid!r}")
    if aid.startswith(("PF", "PA")):
        return f"{aid[:2]}({int(aid[2:])})"
    return f"{aid}()"


def move_cursor(position: Position) -> str:
    """``MoveCursor`` to a 1-based content position (s3270 counts from 0)."""
    row, col = position
    return f"MoveCursor({int(row) - 1},{int(col) - 1})"


def codec_for(code_page: str) -> codecs.CodecInfo:
    """The Python codec of a host code page (``cp037``, ``cp1047``, ``cp1140``, ``cp1141``…)."""
    try:
        return codecs.lookup(code_page)
    except LookupError:
        import ebcdic  # noqa: F401  (registers cp1047, cp1141 and other EBCDIC codecs)

        return codecs.lookup(code_page)


def untypeable(value: str, code_page: str) -> str | None:
    """Why ``value`` cannot be typed into a field on this code page, or None if it can."""
    codec = codec_for(code_page)
    for ch in value:
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            return f"contains a control character (U+{ord(ch):04X}); a 3270 field holds one line of text"
        try:
            codec.encode(ch)
        except UnicodeEncodeError:
            return f"contains {ch!r}, which the host code page {code_page} cannot represent"
    return None


def check_typed_value(screen: Screen, position: Position, value: object, code_page: str) -> None:
    """Refuse (:class:`InvalidInput`) a value that cannot go into the input field at
    ``position`` exactly as given: no field there, too long, or untypeable characters."""
    where = f"row {position[0]}, column {position[1]}"
    if not isinstance(value, str):
        raise InvalidInput(f"the value for the field at {where} must be text")
    field = screen.field_at(*position)
    if field is None or field.protected or field.position != tuple(position):
        raise InvalidInput(f"no input field starts at {where}")
    reason = untypeable(value, code_page)
    if reason:
        raise InvalidInput(f"the value for the field at {where} {reason}")
    if len(value) > field.length:
        raise InvalidInput(
            f"the value for the field at {where} is {len(value)} characters; the field holds {field.length}"
        )


def string_action(value: str) -> str:
    """``String("…")`` typing ``value`` literally, whatever it contains.

    Safe ASCII goes as itself; other ASCII and Latin-1 controls as ``\\u00XX`` (so
    ``"``, ``\\``, ``(`` … can neither end the string nor start an escape); printable
    non-ASCII goes as UTF-8, because s3270 4.1 cuts a ``\\uXXXX`` escape to 8 bits
    (``\\u20ac`` would type ``¬``, not ``€``). Callers check :func:`untypeable` first;
    this function only guarantees that nothing is injected.
    """
    out = []
    for ch in value:
        if ch in _SAFE:
            out.append(ch)
        elif ord(ch) < 0x80 or not ch.isprintable():
            if ord(ch) > 0xFF:
                raise InvalidInput(f"U+{ord(ch):04X} cannot be typed on a 3270")
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)  # printable non-ASCII: no meaning to s3270's parser
    return 'String("' + "".join(out) + '")'


def _attributes(spec: str) -> int:
    """The 3270 attribute byte from an ``SF(c0=e8,41=f4)`` specification."""
    for part in spec.split(","):
        key, _, value = part.partition("=")
        if key.strip().lower() == "c0":
            return int(value, 16)
    return 0


class _Cells(dict[str, str]):
    """ReadBuffer cell token → character (hex UTF-8; nulls, controls and orders as blanks), memoised."""

    def __missing__(self, token: str) -> str:
        if token.startswith("S"):
            ch = " "  # an SF order's cell: the attribute byte shows as a blank
        else:
            try:
                ch = bytes.fromhex(token).decode("utf-8")
            except ValueError:
                ch = "?"
            if len(ch) != 1 or not ch.isprintable():
                ch = " "
        if len(self) < 65536:
            self[token] = ch
        return ch


_CELLS = _Cells({"00": " "})


def _span(cells: list[str], first: int, length: int) -> str:
    """``length`` cells from ``first``, wrapping at the end of the buffer as a 3270 does."""
    end = first + length
    if end <= len(cells):
        return "".join(cells[first:end])
    return "".join(cells[first:]) + "".join(cells[: end - len(cells)])


def parse_read_buffer(data_lines: Sequence[str], cursor0: tuple[int, int]) -> Screen:
    """Build a :class:`Screen` from ``ReadBuffer(Ascii)`` rows and s3270's 0-based cursor.

    Attribute cells show as blanks; non-display fields' contents are blanked too.
    """
    cells: list[str] = []
    starts: list[tuple[int, int]] = []  # (address of the attribute cell, attribute byte)
    rows = len(data_lines)
    for line in data_lines:
        tokens = line.split()
        if "SA(" in line:
            # SA(…) announces character attributes of the cells after it; it is not a cell.
            tokens = [token for token in tokens if not token.startswith("SA(")]
        if "SF(" in line:
            # Field starts are few: find them in the text, their cell index is the number of
            # separators before them (string methods, not a Python loop over 80 cells).
            spaced = " ".join(tokens)
            base = len(cells)
            at = spaced.find("SF(")
            while at >= 0:
                end = spaced.find(")", at)
                starts.append((base + spaced.count(" ", 0, at), _attributes(spaced[at + 3:end])))
                at = spaced.find("SF(", end)
        cells.extend(map(_CELLS.__getitem__, tokens))
    size = len(cells)
    cols = size // rows if rows else 0
    fields: list[Field] = []
    for i, (address, attr) in enumerate(starts):
        next_address = starts[(i + 1) % len(starts)][0]
        length = (next_address - address - 1) % size if len(starts) > 1 else size - 1
        first = (address + 1) % size
        hidden = attr & _DISPLAY_MASK == _NONDISPLAY
        if hidden:
            for k in range(length):
                cells[(first + k) % size] = " "
        fields.append(
            Field(
                row=first // cols + 1,
                col=first % cols + 1,
                length=length,
                protected=bool(attr & _PROTECTED),
                numeric=bool(attr & _NUMERIC),
                hidden=hidden,
                intensified=attr & _DISPLAY_MASK == _INTENSIFIED,
                modified=bool(attr & _MDT),
                value="" if hidden else _span(cells, first, length).rstrip(),
            )
        )
    flat = "".join(cells)
    lines = tuple(flat[r * cols:(r + 1) * cols] for r in range(rows))
    return Screen(rows=rows, cols=cols, lines=lines, fields=tuple(fields), cursor=(cursor0[0] + 1, cursor0[1] + 1))
