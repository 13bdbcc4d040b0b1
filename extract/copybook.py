"""Parsing COBOL copybooks: the data-description entries of a record, as a tree of items.

    copybook = parse_copybook(Path("CUSTBAL.cpy").read_text())
    layout = copybook.layout()                  # the only (or a named) 01 record: extract.layout.Layout

Understood: level numbers 01–49 and 77 (88 condition names are read and ignored), ``PIC``
/ ``PICTURE`` with ``X``, ``A``, ``9``, ``S``, ``V`` and repetition counts (edited pictures —
``Z``, ``.``, ``,``, ``-``, ``+``, ``$``, ``*``, ``B``, ``0``, ``/``, ``CR``, ``DB`` — are text),
``USAGE`` ``DISPLAY`` / ``COMP-3`` / ``PACKED-DECIMAL`` / ``COMP`` / ``COMP-4`` / ``COMP-5`` /
``BINARY`` (on an item or inherited from its group), ``SIGN [IS] LEADING|TRAILING [SEPARATE]``,
``OCCURS n [TIMES]`` (with ``KEY`` and ``INDEXED BY``), ``REDEFINES``, ``FILLER`` (named or
not), ``VALUE``, ``JUSTIFIED`` and ``BLANK WHEN ZERO``. Fixed-format source (sequence area,
``*`` and ``/`` comment lines, ``-`` continuation) and free-format source (``*>`` comments)
are both read.

Refused with a :class:`CopybookError` naming the line: variable-length ``OCCURS … DEPENDING
ON``, ``RENAMES`` (66), ``SYNCHRONIZED`` (slack bytes), the ``P`` scaling position, floating
point (``COMP-1``, ``COMP-2``), ``INDEX`` and ``POINTER`` items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from extract.layout import Layout

__all__ = ["Copybook", "CopybookError", "Item", "parse_copybook"]


class CopybookError(ValueError):
    """The copybook cannot be read; the message names the line and the item."""


@dataclass
class Item:
    """One data-description entry and the entries under it."""

    level: int
    name: str
    line: int
    picture: str | None = None
    usage: str | None = None
    """``display``, ``packed`` or ``binary`` as written on this entry (None: inherited)."""
    occurs: int | None = None
    redefines: str | None = None
    sign_leading: bool = False
    sign_separate: bool = False
    children: list[Item] = field(default_factory=list)

    @property
    def is_filler(self) -> bool:
        """An unnamed item, or one named FILLER: it takes space and gives no value."""
        return self.name == "FILLER"


@dataclass
class Copybook:
    """The records (01 and 77 entries) of one copybook, in order."""

    records: list[Item]

    def layout(self, record: str | None = None, **options: object) -> Layout:
        """The layout of ``record`` (the only record when None); ``options`` go to
        :class:`extract.layout.Layout` (``codepage``, ``strip_text``, ``blank_numbers``)."""
        from extract.layout import Layout

        if record is None:
            if len(self.records) != 1:
                names = ", ".join(r.name for r in self.records)
                raise CopybookError(f"the copybook has {len(self.records)} records ({names}): name one")
            return Layout(self.records[0], **options)  # type: ignore[arg-type]
        for item in self.records:
            if item.name == record.upper():
                return Layout(item, **options)  # type: ignore[arg-type]
        raise CopybookError(f"the copybook has no record {record}")


_USAGES = {
    "DISPLAY": "display",
    "COMP-3": "packed",
    "COMPUTATIONAL-3": "packed",
    "PACKED-DECIMAL": "packed",
    "COMP": "binary",
    "COMPUTATIONAL": "binary",
    "COMP-4": "binary",
    "COMPUTATIONAL-4": "binary",
    "COMP-5": "binary",
    "COMPUTATIONAL-5": "binary",
    "BINARY": "binary",
}
_UNSUPPORTED_USAGES = {
    "COMP-1": "floating point (COMP-1)",
    "COMPUTATIONAL-1": "floating point (COMP-1)",
    "COMP-2": "floating point (COMP-2)",
    "COMPUTATIONAL-2": "floating point (COMP-2)",
    "INDEX": "INDEX items",
    "POINTER": "POINTER items",
    "NATIONAL": "NATIONAL (UTF-16) items",
}
_CLAUSES = {
    "PIC",
    "PICTURE",
    "USAGE",
    "OCCURS",
    "REDEFINES",
    "SIGN",
    "LEADING",
    "TRAILING",
    "VALUE",
    "VALUES",
    "SYNC",
    "SYNCHRONIZED",
    "JUSTIFIED",
    "JUST",
    "BLANK",
    "GLOBAL",
    "EXTERNAL",
    "RENAMES",
    *_USAGES,
    *_UNSUPPORTED_USAGES,
}
_TOKEN = re.compile(r"'[^']*'?|\"[^\"]*\"?|[^\s]+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class _Token:
    text: str
    line: int


def _is_fixed_format(lines: list[str]) -> bool:
    """Fixed format when every line with code keeps columns 1–6 for sequence numbers (digits
    or spaces) and column 7 for an indicator."""
    code = [line for line in lines if line.strip()]
    return bool(code) and all(
        len(line) > 6 and re.fullmatch(r"[0-9 ]{6}", line[:6]) and line[6] in " *-/Dd" for line in code
    )


def _source_lines(text: str) -> list[tuple[int, str]]:
    """(line number, code) after sequence areas, comments and continuations are dealt with."""
    lines = text.expandtabs(8).splitlines()
    fixed = _is_fixed_format(lines)
    out: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if fixed:
            indicator, code = line[6:7], line[7:72]
            if indicator in ("*", "/"):
                continue
            if indicator == "-" and out:  # a continued literal: joins the previous line
                rest = code.lstrip()
                rest = rest[1:] if rest[:1] in "'\"" else rest
                out[-1] = (out[-1][0], out[-1][1].rstrip() + rest)
                continue
        else:
            code = line
            if code.lstrip().startswith("*"):
                continue
        code = code.split("*>", 1)[0]
        if code.strip():
            out.append((number, code))
    return out


def _sentences(text: str) -> list[list[_Token]]:
    sentences: list[list[_Token]] = []
    current: list[_Token] = []
    for number, code in _source_lines(text):
        for match in _TOKEN.finditer(code):
            word = match.group()
            end = word.endswith(".") and word[:1] not in "'\""
            if end:
                word = word[:-1]
            if word:
                current.append(_Token(word, number))
            if end and current:
                sentences.append(current)
                current = []
    if current:
        raise CopybookError(f"line {current[-1].line}: the last entry has no closing period")
    return sentences


def _take(tokens: list[_Token], i: int, *optional: str) -> int:
    """Skip the optional noise words (IS, ARE, TIMES, ON, …) at ``i``."""
    while i < len(tokens) and tokens[i].text.upper() in optional:
        i += 1
    return i


def _entry(tokens: list[_Token]) -> Item | None:
    head = tokens[0]
    if not head.text.isdigit():
        raise CopybookError(f"line {head.line}: an entry starts with a level number, not {head.text!r}")
    level = int(head.text)
    if level == 88:
        return None
    if level == 66:
        raise CopybookError(f"line {head.line}: RENAMES (level 66) is not supported")
    if not (1 <= level <= 49 or level == 77):
        raise CopybookError(f"line {head.line}: level {level} is not a data level (01-49, 77)")
    i, name = 1, "FILLER"
    if i < len(tokens) and tokens[i].text.upper() not in _CLAUSES:
        name = tokens[i].text.upper()
        if not _NAME.fullmatch(name):
            raise CopybookError(f"line {tokens[i].line}: {tokens[i].text!r} is not a data name")
        i += 1
    item = Item(level, name, head.line)
    where = f"line {head.line}: {name}"
    while i < len(tokens):
        word, line = tokens[i].text.upper(), tokens[i].line
        i += 1
        if word in ("PIC", "PICTURE"):
            i = _take(tokens, i, "IS")
            if i >= len(tokens):
                raise CopybookError(f"{where}: PIC without a picture string")
            item.picture = tokens[i].text.upper()
            i += 1
        elif word == "USAGE":
            i = _take(tokens, i, "IS")
            if i >= len(tokens):
                raise CopybookError(f"{where}: USAGE without a usage")
            item.usage = _usage(tokens[i].text.upper(), where)
            i += 1
        elif word in _USAGES or word in _UNSUPPORTED_USAGES:
            item.usage = _usage(word, where)
        elif word == "OCCURS":
            i = _occurs(item, tokens, i, where)
        elif word == "REDEFINES":
            if i >= len(tokens):
                raise CopybookError(f"{where}: REDEFINES without a name")
            item.redefines = tokens[i].text.upper()
            i += 1
        elif word in ("SIGN", "LEADING", "TRAILING"):
            if word == "SIGN":
                i = _take(tokens, i, "IS")
                word = tokens[i].text.upper() if i < len(tokens) else ""
                i += 1
            if word not in ("LEADING", "TRAILING"):
                raise CopybookError(f"{where}: SIGN must say LEADING or TRAILING")
            item.sign_leading = word == "LEADING"
            if i < len(tokens) and tokens[i].text.upper() == "SEPARATE":
                item.sign_separate = True
                i = _take(tokens, i + 1, "CHARACTER")
        elif word in ("VALUE", "VALUES"):
            while i < len(tokens) and tokens[i].text.upper() not in _CLAUSES:
                i += 1  # the initial value is the program's business, not the file's
        elif word in ("SYNC", "SYNCHRONIZED"):
            raise CopybookError(f"{where}: SYNCHRONIZED (slack bytes) is not supported")
        elif word in ("JUSTIFIED", "JUST"):
            i = _take(tokens, i, "RIGHT")
        elif word == "BLANK":
            i = _take(tokens, i, "WHEN", "ZERO", "ZEROS", "ZEROES")
        elif word in ("GLOBAL", "EXTERNAL", "IS"):
            pass
        else:
            raise CopybookError(f"line {line}: unexpected word {tokens[i - 1].text!r} in the entry of {name}")
    return item


def _usage(word: str, where: str) -> str:
    if word in _UNSUPPORTED_USAGES:
        raise CopybookError(f"{where}: {_UNSUPPORTED_USAGES[word]} are not supported")
    if word not in _USAGES:
        raise CopybookError(f"{where}: unknown USAGE {word}")
    return _USAGES[word]


def _occurs(item: Item, tokens: list[_Token], i: int, where: str) -> int:
    if i >= len(tokens) or not tokens[i].text.isdigit():
        raise CopybookError(f"{where}: OCCURS needs a count")
    item.occurs = int(tokens[i].text)
    i += 1
    if (i < len(tokens) and tokens[i].text.upper() == "TO") or any(t.text.upper() == "DEPENDING" for t in tokens[i:]):
        raise CopybookError(f"{where}: OCCURS DEPENDING ON (variable-length records) is not supported")
    if item.occurs < 1:
        raise CopybookError(f"{where}: OCCURS needs a count of at least 1")
    i = _take(tokens, i, "TIMES")
    while i < len(tokens) and tokens[i].text.upper() in ("ASCENDING", "DESCENDING", "INDEXED"):
        i = _take(tokens, i + 1, "KEY", "IS", "BY")
        while i < len(tokens) and tokens[i].text.upper() not in _CLAUSES | {"ASCENDING", "DESCENDING", "INDEXED"}:
            i += 1
    return i


def parse_copybook(text: str) -> Copybook:
    """The records of a copybook's source text (:class:`CopybookError` naming the line if unreadable)."""
    records: list[Item] = []
    stack: list[Item] = []
    for tokens in _sentences(text):
        item = _entry(tokens)
        if item is None:
            continue
        if item.level in (1, 77):
            records.append(item)
            stack = [item]
            continue
        while stack and stack[-1].level >= item.level:
            stack.pop()
        if not stack:
            raise CopybookError(f"line {item.line}: {item.name} (level {item.level}) belongs to no 01 record")
        parent = stack[-1]
        if parent.picture is not None:
            raise CopybookError(f"line {item.line}: {parent.name} has a PICTURE, so it cannot hold {item.name}")
        parent.children.append(item)
        stack.append(item)
    if not records:
        raise CopybookError("the copybook describes no record (no 01 entry)")
    return Copybook(records)
