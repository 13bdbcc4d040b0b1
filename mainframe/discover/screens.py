"""From captured screens to screen declarations: which captures show the same screen, what
its fields are across every capture, the protected text that recognises it, and its name.

Two captures show the same screen when the protected text and labels of their first
three rows agree (values, clocks and messages left out): that is where 3270 applications
put a screen id and title. A protected field whose text differs between captures of one
screen holds a value, so it is read as an output even without a label. Recognise rules
are protected text that every capture shows and no other captured screen shows at the same
place — titles and stable labels, never values — header rows first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mainframe.discover.classify import (
    HEADER_ROWS,
    Kind,
    ScreenField,
    classify,
    identifier,
    legend_keys,
    signature,
)
from mainframe.discover.tables import DiscoveredTable, find_table
from mainframe.discover.walk import Walk
from mainframe.snapshot import Screen

__all__ = ["DiscoveredScreen", "discover_screens", "screen_of"]

_STABLE = (Kind.TEXT, Kind.LABEL)


@dataclass
class DiscoveredScreen:
    """One distinct screen of the walk, merged over its captures."""

    name: str
    title: str
    captures: list[Screen]
    fields: list[ScreenField] = field(default_factory=list)
    """Inputs and outputs, in screen order."""
    recognise: list[ScreenField] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    message: ScreenField | None = None
    volatile: list[ScreenField] = field(default_factory=list)
    sign_on: bool = False
    messages: list[str] = field(default_factory=list)
    """What the message line said in the walk, each message once."""
    table: DiscoveredTable | None = None

    @property
    def screen_id(self) -> str:
        """The first recognise text (what the engineer sees in the top-left corner)."""
        return self.recognise[0].text if self.recognise else self.name

    def matches(self, screen: Screen) -> bool:
        """Whether every recognise rule holds on ``screen``."""
        return bool(self.recognise) and _shows(screen, self.recognise)


def _merge(screens: Sequence[Screen], pressed: set[str]) -> DiscoveredScreen:
    per_capture = [classify(s) for s in screens]
    first = per_capture[0]
    texts: dict[tuple[int, int], ScreenField] = {}
    fields: dict[tuple[int, int], ScreenField] = {}
    for classified in per_capture:
        for f in classified:
            if f.kind in (Kind.INPUT, Kind.OUTPUT):
                fields.setdefault(f.position, f)
            elif f.kind in _STABLE:
                texts.setdefault(f.position, f)
    # Protected text that changes from one capture to the next is a value, whatever it looks like.
    stable = [f for f in texts.values() if all(s.text(f.row, f.col, len(f.text)) == f.text for s in screens)]
    for position, f in texts.items():
        if f not in stable and f.kind is Kind.TEXT and position not in fields:
            value = _value(screens, f, stable)
            fields.setdefault(value.position, value)
    keys = set(pressed)
    for classified in per_capture:
        for f in classified:
            if f.kind is Kind.KEYS:
                keys |= legend_keys(f.text)
    table, outputs = find_table(list(fields.values()), stable, keys) or (None, list(fields.values()))
    return DiscoveredScreen(
        name="",
        title=_title(first),
        captures=list(screens),
        fields=_unique_names(sorted(outputs, key=lambda f: f.position)),
        table=table,
        recognise=sorted(stable, key=lambda f: (f.row > HEADER_ROWS, f.row, f.col)),
        keys=keys,
        message=next((f for f in first if f.kind is Kind.MESSAGE), None),
        volatile=[f for f in first if f.kind is Kind.VOLATILE],
        messages=list(dict.fromkeys(f.text for c in per_capture for f in c if f.kind is Kind.MESSAGE and f.text)),
    )


def _value(screens: Sequence[Screen], f: ScreenField, stable: Sequence[ScreenField]) -> ScreenField:
    """An output for protected text that changed between captures: the whole field it sits in
    (a right-aligned number grows to the left), named after stable text just before it."""
    underlying = next((u for s in screens if (u := s.field_at(*f.position)) is not None), None)
    col = underlying.col if underlying and underlying.row == f.row else f.col
    length = min(underlying.length, screens[0].cols - col + 1) if underlying else len(f.text)
    before = [t for t in stable if t.row == f.row and 0 <= col - (t.col + len(t.text)) <= 6]
    fallback = f"value_{f.row}_{col}"
    name = identifier(before[-1].text, fallback) if before else fallback
    return ScreenField(Kind.OUTPUT, f.row, col, length, name, before[-1].text if before else "")


def _unique_names(fields: list[ScreenField]) -> list[ScreenField]:
    seen: dict[str, int] = {}
    out = []
    for f in fields:
        count = seen[f.name] = seen.get(f.name, 0) + 1
        out.append(
            f
            if count == 1
            else ScreenField(f.kind, f.row, f.col, f.length, f"{f.name}_{count}", f.text, f.numeric, f.hidden)
        )
    return out


def _title(classified: Sequence[ScreenField]) -> str:
    """The longest protected text of the first rows: usually the screen's title."""
    for row in range(1, HEADER_ROWS + 1):
        texts = [f.text for f in classified if f.kind is Kind.TEXT and f.row == row]
        if texts:
            return max(texts, key=len)
    return next((f.text for f in classified if f.kind is Kind.TEXT), "")


def _choose_rules(screen: DiscoveredScreen, others: Sequence[DiscoveredScreen]) -> None:
    """Keep the fewest leading candidates (at most three) that no other screen's captures also show."""
    chosen: list[ScreenField] = []
    for candidate in screen.recognise[:3]:
        chosen.append(candidate)
        if not any(_shows(capture, chosen) for other in others for capture in other.captures):
            break
    screen.recognise = chosen


def _shows(screen: Screen, texts: Sequence[ScreenField]) -> bool:
    return all(screen.text(t.row, t.col, len(t.text)) == t.text for t in texts)


def _class_name(title: str, prefix: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title.removeprefix(prefix)) if prefix else re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(word.capitalize() for word in words[:4])
    return name if name and name[0].isalpha() else f"Screen{name}"


def _shared_prefix(titles: Sequence[str]) -> str:
    """A system name before `` - `` that several titles share (``CUSTMAST - MAIN MENU``)."""
    prefixes = [t.split(" - ", 1)[0] + " - " for t in titles if " - " in t]
    return next((p for p in prefixes if prefixes.count(p) > 1), "")


def discover_screens(walk: Walk) -> list[DiscoveredScreen]:
    """The distinct screens of ``walk`` (the sign-on screen first), named and with recognise rules."""
    groups: dict[tuple[tuple[int, int, str], ...], list[Screen]] = {}
    pressed: dict[tuple[tuple[int, int, str], ...], set[str]] = {}
    shown = [(walk.sign_on.screen, walk.sign_on.key)] if walk.sign_on else []
    shown += [(c.screen, c.key) for c in walk.captures]
    for screen, key in shown:
        mark = signature(screen)
        groups.setdefault(mark, []).append(screen)
        pressed.setdefault(mark, set()).update([key] if key else [])
    screens = [_merge(captures, pressed[mark]) for mark, captures in groups.items()]
    if walk.sign_on:
        screens[0].sign_on = True
    prefix = _shared_prefix([s.title for s in screens])
    taken: set[str] = set()
    for screen in screens:
        base = "SignOn" if screen.sign_on else _class_name(screen.title, prefix)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        screen.name = name
        taken.add(name)
    for screen in screens:
        _choose_rules(screen, [s for s in screens if s is not screen])
    return screens


def screen_of(screens: Sequence[DiscoveredScreen], screen: Screen) -> DiscoveredScreen:
    """The discovered screen ``screen`` was merged into."""
    return next(s for s in screens if any(capture is screen for capture in s.captures))
