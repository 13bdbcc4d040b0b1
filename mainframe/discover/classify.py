"""What each field of a captured screen is, read from its 3270 field attributes.

Unprotected fields are inputs (hidden when non-display, numeric when the numeric bit is
set). Protected fields are sorted by what they hold: a *label* ends in a colon or dot
leaders (``CUSTOMER NO . . :``); the protected field after a label on its row is an
*output* named after the label; the last row is the *message* line; a keys legend
(``ENTER=Inquire  PF3=Menu``) says which keys the screen takes; a clock or date is
*volatile*; other protected text is *text* — titles and menu lines, what recognise rules
are made of. A blank protected field after no label is only a stopper and is dropped.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from mainframe.s3270 import AID_KEYS
from mainframe.screens import ScreenDef
from mainframe.snapshot import Field, Screen

__all__ = ["HEADER_ROWS", "Kind", "ScreenField", "classify", "identifier", "legend_keys", "signature"]

HEADER_ROWS = 3
"""Rows whose protected text tells one screen from another (where screen ids and titles go)."""


class Kind(StrEnum):
    """What a field of a captured screen is."""

    INPUT = "input"
    OUTPUT = "output"
    LABEL = "label"
    TEXT = "text"
    MESSAGE = "message"
    KEYS = "keys"
    VOLATILE = "volatile"


@dataclass(frozen=True)
class ScreenField:
    """One classified field: where its content starts (1-based), how long it is (never past
    its row), what it is, its name (inputs and outputs) and text (its label for inputs and
    outputs, the protected text otherwise, left blanks skipped)."""

    kind: Kind
    row: int
    col: int
    length: int
    name: str = ""
    text: str = ""
    numeric: bool = False
    hidden: bool = False

    @property
    def position(self) -> tuple[int, int]:
        """(row, column) of the first character."""
        return (self.row, self.col)


# Names a field cannot take: a screen declaration's or a pydantic model's own attributes.
_RESERVED = {n for n in (*dir(ScreenDef), *dir(BaseModel)) if not n.startswith("_")} | {"message", "screen_id"}

# A label ends in a colon, dot leaders or an arrow: "NAME  . . . :", "USER:", "COMMAND ===>".
_LABEL_END = re.compile(r"(:|\.\s?\.|=+>)\s*$")
_LEGEND_KEY = re.compile(r"(?<![A-Z0-9])(ENTER|CLEAR|PF\d{1,2}|PA[1-3])\s*=", re.IGNORECASE)
_VOLATILE = re.compile(
    r"\d{1,2}:\d{2}(:\d{2})?"  # a clock
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"  # a date
)


def identifier(label: str, fallback: str) -> str:
    """A snake_case Python name for a field labelled ``label`` (``CUSTOMER NO . . :`` →
    ``customer_no``), or ``fallback`` when the label gives none."""
    words = re.sub(r"(:|\.\s?\.|=+>)[\s.:=>]*$", "", label).strip(" .:")
    name = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
    if not name or keyword.iskeyword(name):
        return fallback
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_field" if name in _RESERVED or name.startswith("model_") else name


def legend_keys(text: str) -> set[str]:
    """The attention keys a keys legend names (``ENTER=Select  PF3=Exit`` → Enter, PF3)."""
    found = set()
    for match in _LEGEND_KEY.finditer(text):
        key = match.group(1).upper()
        key = {"ENTER": "Enter", "CLEAR": "Clear"}.get(key, key)
        if key in AID_KEYS:
            found.add(key)
    return found


def _content(screen: Screen, f: Field) -> tuple[int, int, str]:
    """The field's first non-blank column, its length to the end of the field or row, and its text."""
    length = min(f.length, screen.cols - f.col + 1)
    raw = screen.text(f.row, f.col, length)
    lead = len(raw) - len(raw.lstrip())
    return f.col + lead, length - lead, raw.strip()


def classify(screen: Screen) -> tuple[ScreenField, ...]:
    """Every meaningful field of ``screen``, in screen order (see the module docstring)."""
    out: list[ScreenField] = []
    label: ScreenField | None = None  # the last label on the current row
    for f in screen.fields:
        if label is not None and label.row != f.row:
            label = None
        length = min(f.length, screen.cols - f.col + 1)
        fallback = f"field_{f.row}_{f.col}"
        if f.is_input:
            name = identifier(label.text, fallback) if label else fallback
            out.append(
                ScreenField(
                    Kind.INPUT,
                    f.row,
                    f.col,
                    length,
                    name,
                    label.text if label else "",
                    numeric=f.numeric,
                    hidden=f.hidden,
                )
            )
            label = None
            continue
        col, length_from_text, text = _content(screen, f)
        if f.row == screen.rows:
            out.append(ScreenField(Kind.MESSAGE, f.row, f.col, length, "message", text))
        elif label is not None:
            # The value after a label: its whole extent (to the next field or the row's end) is read.
            out.append(ScreenField(Kind.OUTPUT, f.row, f.col, length, identifier(label.text, fallback), label.text))
            label = None
        elif not text:
            continue  # a stopper or spacer
        elif legend_keys(text):
            out.append(ScreenField(Kind.KEYS, f.row, col, length_from_text, text=text))
        elif _VOLATILE.fullmatch(text):
            out.append(ScreenField(Kind.VOLATILE, f.row, col, len(text), text=text))
        elif _LABEL_END.search(text):
            label = ScreenField(Kind.LABEL, f.row, col, len(text), text=text)
            out.append(label)
        else:
            out.append(ScreenField(Kind.TEXT, f.row, col, len(text), text=text))
    return tuple(out)


def signature(screen: Screen) -> tuple[tuple[int, int, str], ...]:
    """What tells ``screen`` apart from other screens: the protected text and labels of its
    header rows (of every row when the header holds none); values, clocks and messages left out."""
    marks = [(f.row, f.col, f.text) for f in classify(screen) if f.kind in (Kind.TEXT, Kind.LABEL)]
    header = tuple(m for m in marks if m[0] <= HEADER_ROWS)
    return header or tuple(marks)
