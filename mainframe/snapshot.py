"""A terminal screen as plain data: text, fields, cursor, size.

Every coordinate here is a 1-based *content* position (row 1, column 1 is the top-left
character a user sees); a field's position is where its first character sits, not its
attribute byte. Snapshots are immutable, compare by value and round-trip through
:meth:`Screen.to_data` / :meth:`Screen.from_data` (what cassettes store).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Field", "Position", "Screen", "screen_diff"]

Position = tuple[int, int]
"""(row, column), both 1-based."""


@dataclass(frozen=True)
class Field:
    """One 3270 field: where its content starts, how long it is, its attributes and value.

    A hidden (non-display) field's ``value`` is always empty: a snapshot shows what a
    user would see, so a password typed there never leaves the terminal.
    """

    row: int
    col: int
    length: int
    protected: bool = False
    numeric: bool = False
    hidden: bool = False
    intensified: bool = False
    modified: bool = False
    value: str = ""

    @property
    def position(self) -> Position:
        """(row, column) of the field's first character."""
        return (self.row, self.col)

    @property
    def is_input(self) -> bool:
        """True for a field the operator can type into."""
        return not self.protected

    def to_data(self) -> dict[str, Any]:
        """The field as a plain dict (only the attributes that are set)."""
        data: dict[str, Any] = {"at": [self.row, self.col], "len": self.length}
        for flag in ("protected", "numeric", "hidden", "intensified", "modified"):
            if getattr(self, flag):
                data[flag] = True
        data["value"] = self.value
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Field:
        """Inverse of :meth:`to_data`."""
        row, col = data["at"]
        flags = {k: bool(data.get(k, False)) for k in ("protected", "numeric", "hidden", "intensified", "modified")}
        return cls(row=row, col=col, length=data["len"], value=data.get("value", ""), **flags)


@dataclass(frozen=True)
class Screen:
    """A snapshot of the whole presentation space."""

    rows: int
    cols: int
    lines: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    cursor: Position = (1, 1)
    _flat: str = field(default="", init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_flat", "".join(self.lines))

    # -- reading --------------------------------------------------------------------

    def text(self, row: int, col: int = 1, length: int | None = None) -> str:
        """Text at a 1-based position; ``length`` None reads to the end of the row.

        Reads past the row's end continue on the next row, as the 3270 buffer does.
        """
        start = (row - 1) * self.cols + (col - 1)
        end = start + (length if length is not None else self.cols - col + 1)
        return self._flat[start:end]

    def row_text(self, row: int) -> str:
        """One whole row (1-based)."""
        return self.lines[row - 1]

    @property
    def all_text(self) -> str:
        """Every row, joined by newlines."""
        return "\n".join(self.lines)

    def contains(self, needle: str) -> bool:
        """True if ``needle`` appears on one row of the screen."""
        return any(needle in line for line in self.lines)

    def field_at(self, row: int, col: int) -> Field | None:
        """The field whose content covers (row, col), if any."""
        address = (row - 1) * self.cols + (col - 1)
        size = self.rows * self.cols
        for f in self.fields:
            start = (f.row - 1) * self.cols + (f.col - 1)
            offset = (address - start) % size
            if offset < f.length:
                return f
        return None

    @property
    def input_fields(self) -> tuple[Field, ...]:
        """The unprotected fields, in screen order."""
        return tuple(f for f in self.fields if f.is_input)

    # -- plain data -----------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """The snapshot as plain, YAML-friendly data."""
        return {
            "size": [self.rows, self.cols],
            "cursor": list(self.cursor),
            "text": "\n".join(line.rstrip() for line in self.lines),
            "fields": [f.to_data() for f in self.fields],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Screen:
        """Inverse of :meth:`to_data` (trailing blanks are restored)."""
        rows, cols = data["size"]
        text_lines = data["text"].split("\n")
        lines = tuple((text_lines[i] if i < len(text_lines) else "").ljust(cols) for i in range(rows))
        return cls(
            rows=rows,
            cols=cols,
            lines=lines,
            fields=tuple(Field.from_data(f) for f in data.get("fields", [])),
            cursor=tuple(data.get("cursor", (1, 1))),  # type: ignore[arg-type]
        )

    def with_lines(self, lines: tuple[str, ...]) -> Screen:
        """A copy with other text (used to mask volatile regions)."""
        return replace(self, lines=lines)

    def __str__(self) -> str:
        return self.all_text


def screen_diff(before: Screen | None, after: Screen, label: str = "screen") -> str:
    """A readable line diff of two screens (empty when they show the same text)."""
    old = before.all_text.splitlines() if before else []
    return "\n".join(
        difflib.unified_diff(old, after.all_text.splitlines(), f"{label} (before)", f"{label} (now)", lineterm="")
    )
