"""Walking a host's screens and capturing each one: the steps an engineer gives, typed at
a prompt or read from a walk file, one per line::

    # from the menu to one customer and back
    type selection=1          # a fixed value: navigation
    ENTER
    input customer_no=84603489   # an operation parameter; the value becomes its example
    ENTER
    read                      # the operation reads this screen's output fields
    PF3
    done

Fields are named as :func:`~mainframe.discover.classify.classify` names them (after their
label) or given as ``ROW,COL``; values with blanks are quoted (``type street="Main St 5"``).
Keys are ENTER, CLEAR, PF1–PF24 and PA1–PA3, in any case. With no ``input`` step, the
values typed just before the key that led to the ``read`` screen are the parameters.

Signing on takes the user and the password (never printed, never kept: the captured
screens blank non-display fields) and is tried exactly once: a host that keeps showing
its sign-on screen refused it, and another attempt could revoke the user.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from bridges.core.errors import InvalidInput, LoginRefused
from mainframe.discover.classify import Kind, ScreenField, classify, signature
from mainframe.port import Terminal
from mainframe.s3270 import AID_KEYS
from mainframe.snapshot import Position, Screen

__all__ = [
    "Capture",
    "NextStep",
    "SignOnCapture",
    "Step",
    "Typed",
    "Walk",
    "WalkError",
    "capture_walk",
    "input_field",
    "parse_step",
    "parse_walk",
    "sign_on",
    "steps_from",
]

_KEYS = {key.upper(): key for key in AID_KEYS}


class WalkError(InvalidInput):
    """A step that cannot be understood or done (an unknown field, a bad line)."""


@dataclass(frozen=True)
class Step:
    """One step of a walk: ``key`` (an attention key), ``type``/``input`` (values for named
    fields), ``read`` (mark the screen the operation reads) or ``done``."""

    kind: str
    key: str = ""
    values: tuple[tuple[str, str], ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Typed:
    """A value typed into an input field before a key."""

    position: Position
    name: str
    value: str
    parameter: bool
    hidden: bool = False
    """Typed into a non-display field: the value is a secret, never written anywhere."""


@dataclass(frozen=True)
class Capture:
    """A screen the host showed, what was typed on it and the key pressed (None on the last)."""

    screen: Screen
    typed: tuple[Typed, ...] = ()
    key: str | None = None


@dataclass(frozen=True)
class SignOnCapture:
    """The sign-on screen, its user and password fields, and the key that submitted them."""

    screen: Screen
    user_field: ScreenField
    password_field: ScreenField
    key: str = "Enter"


@dataclass
class Walk:
    """Everything a walk captured, in order; ``read`` indexes the screen the operation reads."""

    captures: list[Capture] = field(default_factory=list)
    sign_on: SignOnCapture | None = None
    read: int | None = None

    @property
    def read_capture(self) -> Capture:
        """The screen to read: the one marked ``read``, else the last one."""
        return self.captures[self.read if self.read is not None else len(self.captures) - 1]


def parse_step(text: str, line: int = 0) -> Step | None:
    """The step a line gives, None for a blank or comment line; :class:`WalkError` otherwise."""
    try:
        words = shlex.split(text, comments=True)
    except ValueError as exc:
        raise WalkError(f"line {line}: {exc}") from None
    if not words:
        return None
    head = words[0].lower()
    if words[0].upper() in _KEYS and len(words) == 1:
        return Step("key", key=_KEYS[words[0].upper()], line=line)
    if head in ("read", "done") and len(words) == 1:
        return Step(head, line=line)
    if head in ("type", "input") and len(words) > 1:
        pairs = []
        for word in words[1:]:
            name, eq, value = word.partition("=")
            if not eq or not name:
                raise WalkError(f"line {line}: {word!r} is not FIELD=value")
            pairs.append((name, value))
        return Step(head, values=tuple(pairs), line=line)
    raise WalkError(f"line {line}: {text.strip()!r} is not a key (ENTER, PF3, …), type/input FIELD=value, read or done")


def parse_walk(text: str) -> list[Step]:
    """Every step of a walk file."""
    return [step for number, line in enumerate(text.splitlines(), 1) if (step := parse_step(line, number))]


def input_field(fields: Iterable[ScreenField], ref: str, line: int = 0) -> ScreenField:
    """The input field ``ref`` names (its name or ``ROW,COL``), or :class:`WalkError` listing the names."""
    inputs = [f for f in fields if f.kind is Kind.INPUT]
    row, comma, col = ref.partition(",")
    for f in inputs:
        if f.name == ref or (
            comma and row.strip().isdigit() and col.strip().isdigit() and f.position == (int(row), int(col))
        ):
            return f
    names = ", ".join(f.name for f in inputs) or "none"
    raise WalkError(f"line {line}: no input field {ref!r} on this screen (input fields: {names})")


def sign_on(
    terminal: Terminal, screen: Screen, user: str, password: str, key: str = "Enter"
) -> tuple[SignOnCapture, Screen]:
    """Type ``user`` and ``password`` into the first screen's fields and press ``key`` once.

    The password goes into the first non-display input field, the user into the input field
    before it. :class:`LoginRefused` when the sign-on screen comes back (never retried)."""
    fields = classify(screen)
    hidden = next((f for f in fields if f.kind is Kind.INPUT and f.hidden), None)
    if hidden is None:
        raise WalkError("the first screen has no non-display (password) field to sign on with")
    before = [f for f in fields if f.kind is Kind.INPUT and not f.hidden and f.position < hidden.position]
    if not before:
        raise WalkError("the sign-on screen has no user field before its password field")
    user_field = before[-1]
    answer = terminal.send(key, {user_field.position: user, hidden.position: password})
    if _same_screen(screen, answer):
        message = next((f.text for f in classify(answer) if f.kind is Kind.MESSAGE), "")
        raise LoginRefused(f"the host refused the sign-on{': ' + message if message else ''} (not tried again)")
    return SignOnCapture(screen, user_field, hidden, key), answer


def _same_screen(a: Screen, b: Screen) -> bool:
    return signature(a) == signature(b)


NextStep = Callable[[Screen], "Step | None"]
"""Gives the next step for the screen shown (None ends the walk)."""


def steps_from(steps: Iterable[Step]) -> NextStep:
    """A :data:`NextStep` that plays ``steps`` in order whatever the screen."""
    iterator: Iterator[Step] = iter(steps)
    return lambda screen: next(iterator, None)


def capture_walk(
    terminal: Terminal,
    next_step: NextStep,
    *,
    user: str | None = None,
    password: str | None = None,
    forgive: Callable[[WalkError | InvalidInput], None] | None = None,
) -> Walk:
    """Connect, sign on when ``user`` is given, then follow the steps, capturing every screen.

    A step that cannot be done raises, unless ``forgive`` is given (at a prompt): then it
    hears of the error and the walk goes on from the same screen, nothing sent."""
    walk = Walk()
    screen = terminal.connect()
    if user is not None:
        walk.sign_on, screen = sign_on(terminal, screen, user, password or "")
    typed: dict[Position, Typed] = {}
    while (step := next_step(screen)) is not None and step.kind != "done":
        try:
            screen, typed = _do(terminal, walk, screen, typed, step)
        except (WalkError, InvalidInput) as exc:
            if forgive is None or terminal.broken:
                raise
            forgive(exc)
    walk.captures.append(Capture(screen, tuple(typed.values())))
    return walk


def _do(
    terminal: Terminal, walk: Walk, screen: Screen, typed: dict[Position, Typed], step: Step
) -> tuple[Screen, dict[Position, Typed]]:
    if step.kind == "read":
        walk.read = len(walk.captures)
    elif step.kind in ("type", "input"):
        fields = classify(screen)
        found = {}
        for ref, value in step.values:
            f = input_field(fields, ref, step.line)
            if f.hidden and step.kind == "type":
                raise WalkError(
                    f"line {step.line}: {f.name} is a non-display field; give it with input (an "
                    "operation parameter), so its value is never written into the bridge"
                )
            found[f.position] = Typed(f.position, f.name, value, step.kind == "input", f.hidden)
        typed = {**typed, **found}
    else:
        answer = terminal.send(step.key, {t.position: t.value for t in typed.values()})
        walk.captures.append(Capture(screen, tuple(typed.values()), step.key))
        return answer, {}
    return screen, typed
