"""Declarative screens and a navigator between them.

A screen is a class: how it is recognised, where its fields are (by position or by
label), how values convert, which keys it takes, which messages are typed errors, and
optionally a table::

    class Inquiry(ScreenDef):
        recognise = (TextAt(1, 2, "CMINQ"),)
        customer_no = InputField(4, 20, 8, numeric=True)
        name = OutputField(6, 20, 40)
        message = OutputField(-1, 2, 79)          # negative rows count from the bottom
        phone = LabelField("PHONE . . . . . :")
        keys = frozenset({"Enter", "PF3", "PF12", "Clear"})
        errors = (MessageRule(r"^CM016E", NotFound),)

``Inquiry.read(screen)`` gives the converted output fields; ``Inquiry.fill(customer_no=…)``
gives the ``{position: value}`` a terminal types, refusing a value longer than its field
with :class:`InvalidInput` naming the field. :func:`identify` picks the declaration a
screen matches, or raises :class:`UnexpectedScreen` with a redacted snapshot.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bridges.core.errors import BridgeError, InvalidInput, UnexpectedScreen
from mainframe.port import Terminal
from mainframe.snapshot import Position, Screen

__all__ = [
    "Edge",
    "FieldCount",
    "InputField",
    "LabelField",
    "MessageRule",
    "Navigator",
    "OutputField",
    "ScreenDef",
    "Table",
    "TextAt",
    "identify",
    "redacted_snapshot",
]


def _row(screen: Screen, row: int) -> int:
    return row if row > 0 else screen.rows + 1 + row


# -- recognition -------------------------------------------------------------------


@dataclass(frozen=True)
class TextAt:
    """Recognises a screen by text at a position (negative rows count from the bottom)."""

    row: int
    col: int
    text: str

    def matches(self, screen: Screen) -> bool:
        return screen.text(_row(screen, self.row), self.col, len(self.text)) == self.text


@dataclass(frozen=True)
class FieldCount:
    """Recognises a screen by its number of input fields."""

    inputs: int

    def matches(self, screen: Screen) -> bool:
        return len(screen.input_fields) == self.inputs


# -- fields ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputField:
    """A value read from the screen at (row, col, length), converted by ``convert``.

    A blank value reads as None unless ``blank`` says otherwise.
    """

    row: int
    col: int
    length: int
    convert: Callable[[str], Any] = str.strip
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def position(self, screen: Screen) -> Position:
        return (_row(screen, self.row), self.col)

    def read(self, screen: Screen) -> Any:
        raw = screen.text(*self.position(screen), self.length)
        if not raw.strip():
            return None
        return self.convert(raw)


@dataclass(frozen=True)
class LabelField:
    """A value found by its label: the content of the first field after ``label``.

    For screens whose layout moves but whose labels do not (``NAME  . . . :``).
    """

    label: str
    convert: Callable[[str], Any] = str.strip
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def read(self, screen: Screen) -> Any:
        for row in range(1, screen.rows + 1):
            col = screen.row_text(row).find(self.label)
            if col < 0:
                continue
            after = (row - 1) * screen.cols + col + len(self.label)
            for f in screen.fields:
                if (f.row - 1) * screen.cols + (f.col - 1) >= after:
                    return self.convert(f.value) if f.value.strip() else None
            return None
        return None


@dataclass(frozen=True)
class InputField(OutputField):
    """An input field; its declared length bounds what may be typed."""

    numeric: bool = False
    hidden: bool = False

    def validate(self, value: str) -> str:
        """``value`` if it fits the field, else :class:`InvalidInput` naming the field."""
        if not isinstance(value, str):
            raise InvalidInput(f"{self.name} must be text", errors=[_error(self.name, "must be text")])
        if len(value) > self.length:
            message = f"at most {self.length} characters (got {len(value)}); the screen field holds {self.length}"
            raise InvalidInput(f"{self.name}: {message}", errors=[_error(self.name, message)])
        if self.numeric and value.strip() and not value.strip().isdigit():
            raise InvalidInput(f"{self.name}: digits only", errors=[_error(self.name, "digits only")])
        return value


def _error(name: str, message: str) -> dict[str, str]:
    return {"field": name, "message": message, "type": "screen_field"}


@dataclass(frozen=True)
class Table:
    """Rows of a list screen: where they are, their columns, how to page, when it ends.

    ``last_row`` may be negative (counted from the bottom); a row whose ``key`` column
    is blank is not a row. ``end`` tells from a screen whether it shows the last page.
    """

    first_row: int
    last_row: int
    columns: Mapping[str, tuple[int, int]]
    key: str
    next_key: str = "PF8"
    end: Callable[[Screen], bool] = field(default=lambda screen: False)

    def rows(self, screen: Screen) -> list[dict[str, str]]:
        found = []
        for row in range(self.first_row, _row(screen, self.last_row) + 1):
            values = {name: screen.text(row, col, length).strip() for name, (col, length) in self.columns.items()}
            if values[self.key]:
                found.append(values)
        return found


@dataclass(frozen=True)
class MessageRule:
    """A message (regular expression on the screen's ``message`` field) that is a typed error."""

    pattern: str
    error: type[BridgeError]
    detail: str | None = None

    def check(self, message: str) -> BridgeError | None:
        match = re.search(self.pattern, message)
        if not match:
            return None
        return self.error((self.detail or "{message}").format(message=message, **match.groupdict()))


# -- screen declarations -------------------------------------------------------------


class ScreenDef:
    """Base of a declared screen. Subclasses set ``recognise`` and declare fields."""

    recognise: ClassVar[tuple[Any, ...]] = ()
    errors: ClassVar[tuple[MessageRule, ...]] = ()
    table: ClassVar[Table | None] = None
    keys: ClassVar[frozenset[str]] = frozenset()
    message: ClassVar[OutputField | None] = None

    @classmethod
    def matches(cls, screen: Screen) -> bool:
        """True if every recognition rule holds."""
        return bool(cls.recognise) and all(rule.matches(screen) for rule in cls.recognise)

    @classmethod
    def output_fields(cls) -> dict[str, OutputField | LabelField]:
        return {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, OutputField | LabelField) and not isinstance(value, InputField)
        }

    @classmethod
    def input_fields(cls) -> dict[str, InputField]:
        return {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, InputField)
        }

    @classmethod
    def read(cls, screen: Screen) -> dict[str, Any]:
        """Every output field, converted."""
        return {name: f.read(screen) for name, f in cls.output_fields().items()}

    @classmethod
    def fill(cls, screen: Screen | None = None, rows: int = 24, **values: str) -> dict[Position, str]:
        """Positions and values to type, each checked against its declared field."""
        fields = cls.input_fields()
        out: dict[Position, str] = {}
        for name, value in values.items():
            if name not in fields:
                raise InvalidInput(f"{cls.__name__} has no input field {name!r}")
            f = fields[name]
            row = f.row if f.row > 0 else (screen.rows if screen else rows) + 1 + f.row
            out[(row, f.col)] = f.validate(value)
        return out

    @classmethod
    def press(cls, terminal: Terminal, aid: str, screen: Screen | None = None, **values: str) -> Screen:
        """Type ``values`` into this screen's fields and press ``aid`` (one of its ``keys``)."""
        if cls.keys and aid not in cls.keys:
            raise InvalidInput(f"{cls.__name__} does not take {aid}")
        return terminal.send(aid, cls.fill(screen or terminal.last, **values))

    @classmethod
    def check_errors(cls, screen: Screen) -> None:
        """Raise the typed error the screen's message declares, if any."""
        if cls.message is None:
            return
        text = cls.message.read(screen) or ""
        for rule in cls.errors:
            error = rule.check(text)
            if error is not None:
                raise error

    @classmethod
    def message_text(cls, screen: Screen) -> str:
        """The message line's text ('' when blank)."""
        return (cls.message.read(screen) or "") if cls.message else ""


def redacted_snapshot(screen: Screen) -> dict[str, Any]:
    """A snapshot safe to log: every unprotected (input) field and every hidden field is
    blanked — in ``text`` as well as in the field list — since it may hold what a caller
    or the bridge typed (a password, a customer's data). Protected text stays."""
    size = screen.rows * screen.cols
    chars = list("".join(screen.lines))
    for f in screen.fields:
        if f.protected and not f.hidden:
            continue
        start = (f.row - 1) * screen.cols + (f.col - 1)
        for offset in range(f.length):
            chars[(start + offset) % size] = " "
    flat = "".join(chars)
    lines = tuple(flat[i:i + screen.cols] for i in range(0, size, screen.cols))
    data = screen.with_lines(lines).to_data()
    data["fields"] = [{k: v for k, v in f.items() if k != "value" or (f.get("protected") and not f.get("hidden"))}
                      for f in data["fields"]]
    return data


def identify(screen: Screen, candidates: Iterable[type[ScreenDef]], expected: str = "") -> type[ScreenDef]:
    """The declaration ``screen`` matches, or :class:`UnexpectedScreen`."""
    for candidate in candidates:
        if candidate.matches(screen):
            return candidate
    first = screen.row_text(1).strip()[:40]
    raise UnexpectedScreen(
        f"unrecognised screen{' (expected ' + expected + ')' if expected else ''}: {first!r}",
        snapshot=redacted_snapshot(screen),
    )


# -- navigation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """From one screen to another by pressing ``aid`` with ``values`` typed first."""

    source: type[ScreenDef]
    target: type[ScreenDef]
    aid: str
    values: Mapping[str, str] = field(default_factory=dict)


class Navigator:
    """Moves a terminal between declared screens along the shortest path of edges."""

    def __init__(self, screens: Sequence[type[ScreenDef]], edges: Sequence[Edge]) -> None:
        self.screens = tuple(screens)
        self.edges = tuple(edges)

    def where(self, screen: Screen) -> type[ScreenDef]:
        """The declaration of ``screen`` (or :class:`UnexpectedScreen`)."""
        return identify(screen, self.screens)

    def path(self, source: type[ScreenDef], target: type[ScreenDef]) -> list[Edge]:
        """The shortest list of edges from ``source`` to ``target``."""
        queue: deque[tuple[type[ScreenDef], list[Edge]]] = deque([(source, [])])
        seen = {source}
        while queue:
            at, route = queue.popleft()
            if at is target:
                return route
            for edge in self.edges:
                if edge.source is at and edge.target not in seen:
                    seen.add(edge.target)
                    queue.append((edge.target, [*route, edge]))
        raise UnexpectedScreen(f"no declared way from {source.__name__} to {target.__name__}")

    def go(self, terminal: Terminal, target: type[ScreenDef], screen: Screen | None = None) -> Screen:
        """Walk ``terminal`` to ``target``; every screen on the way is checked."""
        screen = screen or terminal.screen()
        for edge in self.path(self.where(screen), target):
            screen = edge.source.press(terminal, edge.aid, screen, **edge.values)
            landed = identify(screen, self.screens, expected=edge.target.__name__)
            if landed is not edge.target:
                landed.check_errors(screen)
                raise UnexpectedScreen(
                    f"{edge.aid} on {edge.source.__name__} led to {landed.__name__}, not {edge.target.__name__}",
                    snapshot=redacted_snapshot(screen),
                )
        return screen
