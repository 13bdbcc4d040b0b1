"""A layout's fast path: one generated function that decodes a whole record.

The generated function slices every field at its fixed offset and calls that field's decoder,
with the row written as one dict literal (occurrences unrolled): no per-field loop, closure or
error bookkeeping. It reports no detail when a value is malformed — :meth:`extract.layout.Layout.decode`
then decodes the record again the careful way, which names the record and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extract import fields as codec

if TYPE_CHECKING:
    from extract.layout import Field, Group, Layout

__all__ = ["MAX_EXPRESSIONS", "compile_decoder"]

MAX_EXPRESSIONS = 20_000
"""Above this many field reads a record keeps the careful path (the generated code would be huge)."""


def _alternative(decode: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def lenient(raw: bytes) -> Any:
        try:
            return decode(raw)
        except codec.Malformed:
            return None

    return lenient


def compile_decoder(layout: Layout) -> Callable[[bytes], dict[str, Any]] | None:
    """The generated decoder of ``layout``, or None when the record is too large to unroll."""
    from extract.layout import Group

    names: dict[str, Any] = {}
    count = 0

    def decoder_name(f: Field) -> str:
        name = f"_d{len(names)}"
        decode = codec.decoder(f, layout.codepage, layout.strip_text, layout.blank_numbers == "null")
        names[name] = _alternative(decode) if f.alternative else decode
        return name

    def expression(member: Field | Group, base: int) -> str:
        nonlocal count
        if isinstance(member, Group):
            rows = []
            for n in range(member.occurs):
                at = base + member.offset + n * member.size
                rows.append("{" + ", ".join(f"{m.key!r}: {expression(m, at)}" for m in member.members) + "}")
            return "[" + ", ".join(rows) + "]"
        fn = decoder_name(member)
        starts = [base + member.offset + n * member.size for n in range(member.occurs or 1)]
        count += len(starts)
        reads = [f"{fn}(r[{s}:{s + member.size}])" for s in starts]
        return f"[{', '.join(reads)}]" if member.occurs else reads[0]

    body = ", ".join(f"{m.key!r}: {expression(m, 0)}" for m in layout.members)
    if count > MAX_EXPRESSIONS:
        return None
    source = f"def decode(r):\n    return {{{body}}}\n"
    exec(compile(source, f"<layout {layout.name}>", "exec"), names)  # the source holds only offsets and row keys
    return names["decode"]
