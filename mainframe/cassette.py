"""Screen cassettes: the recording and replaying implementations of the terminal port.

Both sit on the core envelope (:class:`bridges.core.cassette.Cassette`, transport
``tn3270``). Each step is one interaction: the request names the action (``connect``,
``send`` with its attention key and typed fields, ``screen``) and the response is the
resulting screen as plain data (text, field map, cursor). Secrets typed anywhere are
stored as reversible placeholders by the cassette's scrubber; a value typed into a
hidden field that is not a known secret is stored as ``<<HIDDEN>>``; volatile regions
(the clock) are masked in place, keeping the screen's geometry. Replay is strict and
sequential and needs no emulator at all.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bridges.core.cassette import Cassette, load_envelope
from bridges.core.errors import BridgeError, InvalidInput
from mainframe import s3270
from mainframe.port import Terminal
from mainframe.rejection import Rejection, check_rejections
from mainframe.snapshot import Position, Screen, screen_diff

__all__ = ["TRANSPORT", "RecordingTerminal", "ReplayingTerminal", "Volatile"]

TRANSPORT = "tn3270"
HIDDEN = "<<HIDDEN>>"
log = logging.getLogger("legacy_bridges.mainframe.cassette")


@dataclass(frozen=True)
class Volatile:
    """A screen region whose content changes on every run (a clock): masked when recorded.

    ``row`` may be negative (from the bottom); the mask is ``label`` cut or padded to
    ``length``, so columns to its right keep their place.
    """

    row: int
    col: int
    length: int
    label: str

    def apply(self, lines: list[str], rows: int) -> None:
        row = self.row if self.row > 0 else rows + 1 + self.row
        line = lines[row - 1]
        start = self.col - 1
        lines[row - 1] = line[:start] + self.label[: self.length].ljust(self.length) + line[start + self.length:]


def _request(action: str, screen: Screen | None = None, aid: str | None = None,
             fields: Mapping[Position, str] | None = None, secrets: Sequence[str] = ()) -> dict[str, Any]:
    request: dict[str, Any] = {"action": action}
    if aid is not None:
        request["aid"] = aid
    if fields:
        typed = []
        for (row, col), value in fields.items():
            field = screen.field_at(row, col) if screen else None
            if field is not None and field.hidden and value not in secrets:
                value = HIDDEN
            typed.append({"at": [row, col], "value": value})
        request["fields"] = typed
    return request


class RecordingTerminal:
    """A live terminal whose every step is appended to a cassette."""

    def __init__(self, live: Terminal, cassette: Cassette, *, code_page: str = "cp037",
                 secrets: Sequence[str] = (), volatile: Sequence[Volatile] = ()) -> None:
        self.live = live
        self.cassette = cassette
        self.code_page = code_page
        self.secrets = tuple(secrets)
        self.volatile = tuple(volatile)
        self._last: Screen | None = None
        self._previous = _previous_screens(cassette)
        self.drift: list[str] = []

    @property
    def broken(self) -> bool:
        return self.live.broken

    @property
    def granted_lu_name(self) -> str | None:
        """The LU name the live host granted."""
        return getattr(self.live, "granted_lu_name", None)

    def call_ended(self, ok: bool) -> None:
        """The pool's word on the call this session served: a recording whose last call
        failed is not saved as complete."""
        self.cassette.note_outcome(ok)

    @property
    def last(self) -> Screen | None:
        return self.live.last

    def connect(self) -> Screen:
        return self._step(_request("connect"), self.live.connect)

    def screen(self) -> Screen:
        return self._step(_request("screen"), self.live.screen)

    def send(self, aid: str | None = None, fields: Mapping[Position, str] | None = None) -> Screen:
        request = _request("send", self._last, aid, fields, self.secrets)
        return self._step(request, lambda: self.live.send(aid, fields))

    def close(self) -> None:
        self.live.close()

    def abort(self) -> None:
        self.live.abort()

    def _step(self, request: dict[str, Any], call: Any) -> Screen:
        try:
            screen = call()
        except InvalidInput:
            raise  # refused before anything reached the host: nothing to record
        except BridgeError as exc:
            self.cassette.record_error(request, exc)
            raise
        self._last = screen
        data = _masked(screen, self.volatile).to_data()
        index = len(self.cassette.envelope.interactions)
        self.cassette.record(request, data)
        self._note_drift(index, data)
        return screen

    def _note_drift(self, index: int, data: dict[str, Any]) -> None:
        if index >= len(self._previous) or self._previous[index] is None:
            return
        diff = screen_diff(self._previous[index], Screen.from_data(self.cassette.scrubber.scrub(data)),
                           f"step {index + 1}")
        if diff:
            self.drift.append(diff)
            log.warning("cassette %s: step %d shows a different screen than before:\n%s",
                        self.cassette.path.name, index + 1, diff)


class ReplayingTerminal:
    """A terminal played back from a cassette: no host, no emulator."""

    def __init__(self, cassette: Cassette, *, code_page: str = "cp037", secrets: Sequence[str] = (),
                 rejections: Sequence[Rejection] = ()) -> None:
        self.cassette = cassette
        self.rejections = tuple(rejections)
        self.code_page = code_page
        self.secrets = tuple(secrets)
        self.broken = False
        self.granted_lu_name: str | None = None
        self._last: Screen | None = None

    @property
    def last(self) -> Screen | None:
        return self._last

    def connect(self) -> Screen:
        screen = self._play(_request("connect"))
        try:
            check_rejections(screen, self.rejections)
        except BridgeError:
            self.broken = True
            raise
        return screen

    def screen(self) -> Screen:
        return self._play(_request("screen"))

    def send(self, aid: str | None = None, fields: Mapping[Position, str] | None = None) -> Screen:
        if aid is not None:
            s3270.aid_action(aid)  # the same refusal as live
        if self._last is not None:
            for position, value in (fields or {}).items():
                s3270.check_typed_value(self._last, position, value, self.code_page)
        return self._play(_request("send", self._last, aid, fields, self.secrets))

    def close(self) -> None:
        self._last = None

    def abort(self) -> None:
        self.broken = True

    def _play(self, request: dict[str, Any]) -> Screen:
        try:
            data = self.cassette.play(request)
        except BridgeError as exc:
            if not isinstance(exc, InvalidInput):
                self.broken = True
            raise
        self._last = Screen.from_data(data)
        return self._last


def _masked(screen: Screen, volatile: Sequence[Volatile]) -> Screen:
    """``screen`` with its volatile regions masked, in the text and in field values."""
    if not volatile:
        return screen
    lines = list(screen.lines)
    for region in volatile:
        region.apply(lines, screen.rows)
    masked = screen.with_lines(tuple(lines))
    fields = tuple(
        f if f.hidden else replace(f, value=masked.text(f.row, f.col, f.length).rstrip()) for f in screen.fields
    )
    return replace(masked, fields=fields)


def _previous_screens(cassette: Cassette) -> list[Screen | None]:
    """The screens of the recording being replaced (for the drift report)."""
    if cassette.replaying or not cassette.path.exists():
        return []
    try:
        envelope = load_envelope(cassette.path)
    except Exception:  # a broken old cassette only means no drift report
        return []
    return [Screen.from_data(i.response) if isinstance(i.response, dict) else None for i in envelope.interactions]
