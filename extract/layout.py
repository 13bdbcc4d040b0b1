"""Record layouts: where each field of a fixed-length record sits, and how to read and write it.

A :class:`Layout` is built from a copybook's 01 record (:meth:`extract.copybook.Copybook.layout`).
Rows are dicts keyed by the fields' names in snake case (``CUST-ID`` → ``cust_id``; a name used
twice is qualified by its group's, ``open_date_year``). Groups flatten into the row, except a
group that ``OCCURS``: it gives a list of dicts, as an elementary item that occurs gives a list
of values. ``FILLER`` takes space and gives nothing.

Values: text as ``str`` (trailing spaces stripped unless ``strip_text=False``), whole numbers
as ``int``, numbers with decimals (``V``) as exact :class:`~decimal.Decimal`.

``REDEFINES``: every view of the same bytes is decoded; in a set of views a field whose bytes
do not fit its picture gives None (the record uses another view), while malformed data
anywhere else raises :class:`DecodeError` naming the record number and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from bridges.core.codecs import EBCDIC_CODEPAGES, CodecError, LegacyValueError
from extract import fields as codec
from extract.compiled import compile_decoder
from extract.copybook import CopybookError, Item

__all__ = ["DecodeError", "EncodeError", "Field", "Layout"]

Kind = Literal["text", "zoned", "packed", "binary"]


class DecodeError(LegacyValueError):
    """A record does not fit its layout; names the record (1-based) and the field."""

    def __init__(self, record: int, field: str | None, reason: str) -> None:
        where = f"record {record}" + (f", field {field}" if field else "")
        super().__init__(f"{where}: {reason}", record=record, **({"field": field} if field else {}))
        self.record, self.field, self.reason = record, field, reason


class EncodeError(ValueError):
    """A row cannot be written in the layout; names the field."""


@dataclass(frozen=True)
class Field:
    """One elementary item: its place in the record and how its bytes read."""

    name: str
    """The COBOL name."""
    key: str
    """The row key."""
    offset: int
    """Offset of the first occurrence inside its enclosing occurrence (the record for top-level fields)."""
    size: int
    kind: Kind
    digits: int = 0
    scale: int = 0
    signed: bool = False
    sign_leading: bool = False
    sign_separate: bool = False
    occurs: int = 0
    """How many times the item repeats (a list of values); 0 without OCCURS (one value)."""
    alternative: bool = False
    """Inside a REDEFINES set: malformed bytes give None instead of an error."""

    @property
    def python_type(self) -> type:
        """``str``, ``int`` or ``Decimal``."""
        return str if self.kind == "text" else Decimal if self.scale else int

    def describe(self) -> str:
        """The field as a copybook would say it (``S9(7)V99 COMP-3``)."""
        if self.kind == "text":
            return f"X({self.size})"
        pic = (
            ("S" if self.signed else "")
            + f"9({self.digits - self.scale})"
            + (f"V9({self.scale})" if self.scale else "")
        )
        usage = {"zoned": "", "packed": " COMP-3", "binary": " COMP"}[self.kind]
        return pic + usage


@dataclass(frozen=True)
class Group:
    """A group that occurs: a list of rows of its own fields."""

    name: str
    key: str
    offset: int
    size: int
    """Size of one occurrence."""
    occurs: int
    members: tuple[Field | Group, ...]


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z_]", "_", name.lower().replace("-", "_"))


class Layout:
    """The layout of one fixed-length record (see the module docstring)."""

    def __init__(
        self,
        record: Item,
        *,
        codepage: str = "cp037",
        strip_text: bool = True,
        blank_numbers: Literal["error", "null"] = "error",
    ) -> None:
        if codepage not in EBCDIC_CODEPAGES:
            raise ValueError(f"unsupported EBCDIC code page {codepage!r} (known: {', '.join(EBCDIC_CODEPAGES)})")
        self.name = record.name
        self.codepage = codepage
        self.strip_text = strip_text
        self.blank_numbers = blank_numbers
        self._counts: dict[str, int] = {}
        self._count_names(record, top=True)
        members, self.length = self._place(record, 0, record.usage or "display", False, top=True)
        self.members: tuple[Field | Group, ...] = tuple(members)
        self._readers = [(m.key, self._reader(m)) for m in self.members]
        self._by_key = dict(self._readers)
        self._writers = [(m, self._writer(m)) for m in self.members]
        self._fast = compile_decoder(self)

    # -- building ----------------------------------------------------------------------------

    def _count_names(self, item: Item, top: bool = False) -> None:
        if not top and not item.is_filler:
            key = _snake(item.name)
            self._counts[key] = self._counts.get(key, 0) + 1
        for child in item.children:
            self._count_names(child)

    def _key(self, item: Item, parent: Item | None) -> str:
        key = _snake(item.name)
        if self._counts.get(key, 0) > 1 and parent is not None:
            key = f"{_snake(parent.name)}_{key}"
        return key

    def _place(
        self, item: Item, offset: int, usage: str, alternative: bool, top: bool = False, parent: Item | None = None
    ) -> tuple[list[Field | Group], int]:
        """The members ``item`` adds to its enclosing row, and the bytes it takes (all occurrences)."""
        usage = item.usage or usage
        if not item.children:
            if item.picture is None:
                raise CopybookError(f"line {item.line}: {item.name} has neither a PICTURE nor items under it")
            spec = codec.picture(
                item.picture, usage, item.sign_leading, item.sign_separate, f"line {item.line}: {item.name}"
            )
            size = spec.pop("size")
            field = Field(
                item.name,
                self._key(item, parent),
                offset,
                size,
                occurs=item.occurs or 0,
                alternative=alternative,
                sign_leading=item.sign_leading,
                sign_separate=item.sign_separate,
                **spec,
            )
            return ([] if item.is_filler else [field]), size * (item.occurs or 1)
        members: list[Field | Group] = []
        inner = 0 if item.occurs else offset  # members of an occurring group are placed inside one occurrence
        start, end = inner, inner
        placed: dict[str, tuple[int, int]] = {}
        views = {c.redefines for c in item.children if c.redefines} | {c.name for c in item.children if c.redefines}
        for child in item.children:
            at = end
            if child.redefines:
                if child.redefines not in placed:
                    raise CopybookError(
                        f"line {child.line}: {child.name} REDEFINES {child.redefines}, "
                        "which is not an earlier item of the same group"
                    )
                at = placed[child.redefines][0]
            found, size = self._place(child, at, usage, alternative or child.name in views, parent=item)
            placed[child.name] = (at, size)
            members += found
            end = max(end, at + size)
        size = end - start
        if item.occurs and not top:
            key = self._key(item, parent)
            return [Group(item.name, key, offset, size, item.occurs, tuple(members))], size * item.occurs
        return members, size

    # -- reading ------------------------------------------------------------------------------

    def _reader(self, member: Field | Group) -> Callable[[bytes, int], Any]:
        if isinstance(member, Group):
            readers = [(m.key, m.name, self._reader(m)) for m in member.members]
            first, stride = member.offset, member.size

            def read_group(record: bytes, base: int) -> list[dict[str, Any]]:
                rows = []
                for n in range(member.occurs):
                    at = base + first + n * stride
                    row = {}
                    for key, name, read in readers:
                        try:
                            row[key] = read(record, at)
                        except _Bad as bad:
                            raise _Bad(f"{member.name}({n + 1}).{bad.field or name}", bad.reason) from None
                    rows.append(row)
                return rows

            return read_group
        decode = codec.decoder(member, self.codepage, self.strip_text, self.blank_numbers == "null")
        offset, size = member.offset, member.size

        def read_one(record: bytes, base: int) -> Any:
            start = base + offset
            try:
                return decode(record[start : start + size])
            except codec.Malformed as exc:
                if member.alternative:
                    return None
                raise _Bad(member.name, str(exc)) from None

        if not member.occurs:
            return read_one

        def read_many(record: bytes, base: int) -> list[Any]:
            values = []
            for n in range(member.occurs):
                try:
                    values.append(read_one(record, base + n * size))
                except _Bad as bad:
                    raise _Bad(f"{member.name}({n + 1})", bad.reason) from None
            return values

        return read_many

    def decode(self, record: bytes, number: int = 1) -> dict[str, Any]:
        """One record → one row; :class:`DecodeError` naming record ``number`` and the field."""
        if len(record) != self.length:
            raise DecodeError(number, None, f"{len(record)} bytes where {self.name} records have {self.length}")
        if self._fast is not None:
            try:
                return self._fast(record)
            except Exception:  # the careful path below says what and where
                pass
        row = {}
        for key, read in self._readers:
            try:
                row[key] = read(record, 0)
            except _Bad as bad:
                raise DecodeError(number, bad.field, bad.reason) from None
        return row

    def value(self, record: bytes, key: str, number: int = 1) -> Any:
        """One top-level field of a record (by row key), the others left unread."""
        read = self._by_key.get(key)
        if read is None:
            raise KeyError(f"{self.name} has no field {key!r}")
        try:
            return read(record, 0)
        except _Bad as bad:
            raise DecodeError(number, bad.field, bad.reason) from None

    # -- writing ------------------------------------------------------------------------------

    def _writer(self, member: Field | Group) -> Callable[[bytearray, int, Any], None]:
        if isinstance(member, Group):
            writers = [(m, self._writer(m)) for m in member.members]

            def write_group(out: bytearray, base: int, rows: Any) -> None:
                if rows is None and all(getattr(m, "alternative", False) for m in member.members):
                    return  # another view of these bytes is the one written
                if not isinstance(rows, list) or len(rows) != member.occurs:
                    raise EncodeError(f"{member.name}: a list of {member.occurs} rows is needed")
                for n, row in enumerate(rows):
                    for m, write in writers:
                        write(out, base + member.offset + n * member.size, row[m.key])

            return write_group
        encode = codec.encoder(member, self.codepage)

        def write(out: bytearray, base: int, value: Any) -> None:
            if value is None and member.alternative:
                return  # another view of these bytes is the one written
            values = value if member.occurs else [value]
            if member.occurs and (not isinstance(value, list) or len(value) != member.occurs):
                raise EncodeError(f"{member.name}: a list of {member.occurs} values is needed")
            for n, one in enumerate(values):
                at = base + member.offset + n * member.size
                try:
                    out[at : at + member.size] = encode(one)
                except (ValueError, CodecError) as exc:
                    raise EncodeError(f"{member.name}: {getattr(exc, 'detail', exc)}") from None

        return write

    def encode(self, row: Mapping[str, Any]) -> bytes:
        """One row → one record (the inverse of :meth:`decode`); FILLER and gaps are EBCDIC spaces.
        In a REDEFINES set, give the view to write and None for the others."""
        out = bytearray(b"\x40" * self.length)
        for member, write in self._writers:
            if member.key not in row:
                raise EncodeError(f"{member.name}: missing from the row (key {member.key!r})")
            write(out, 0, row[member.key])
        return bytes(out)

    # -- describing ---------------------------------------------------------------------------

    def fields(self) -> Iterator[tuple[str, Field]]:
        """(dotted row path, field) of every field, group members included (``balances[].amount``)."""

        def walk(members: tuple[Field | Group, ...], prefix: str) -> Iterator[tuple[str, Field]]:
            for m in members:
                if isinstance(m, Group):
                    yield from walk(m.members, f"{prefix}{m.key}[].")
                else:
                    yield f"{prefix}{m.key}{'[]' if m.occurs else ''}", m

        yield from walk(self.members, "")


class _Bad(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason
