"""Assess a TN3270 host: reachable or not, TLS, TN3270E, and the screens a declared walk reaches.

Two steps, each bounded by a deadline:

* :func:`probe_host` opens a TCP (or TLS) connection, reads the host's first telnet
  negotiation — ``IAC DO TN3270E`` offers TN3270E, ``IAC DO TERMINAL-TYPE`` alone plain TN3270 —
  and closes it. Nothing is sent: no session starts, no LU is taken.
* :func:`assess_walk` follows a declared walk (the sign-on and the steps of a walk file, as
  ``bridges discover tn3270`` takes them) through a terminal that times every round trip. Only
  the declared steps are typed (:func:`~mainframe.discover.capture_walk` types nothing else), the
  sign-on is tried exactly once, and the password goes nowhere but its non-display field.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridges.core.deadline import Deadline, deadline_scope
from mainframe.discover import Kind, Step, capture_walk, classify, discover_screens, steps_from
from mainframe.port import Terminal
from mainframe.snapshot import Position, Screen

__all__ = ["HostProbe", "TimedTerminal", "WalkAssessment", "assess_walk", "probe_host", "session_limit"]

_IAC, _DO = 0xFF, 0xFD
_SESSION_LIMIT = re.compile(
    r"\b(MAX(IMUM)?|TOO MANY|LIMIT)\b.*\bSESSIONS?\b|\bSESSIONS?\b.*\b(LIMIT|MAX(IMUM)?|EXCEEDED|REACHED)\b", re.I
)
"""A host's message that its sessions are at their limit (``CM099E SYSTEM BUSY - MAXIMUM SESSIONS REACHED``)."""
_TN3270E, _TERMINAL_TYPE = 0x28, 0x18


@dataclass
class HostProbe:
    """What connecting told: reachable, how fast, TLS, TN3270E offered (None: not seen)."""

    host: str
    port: int
    reachable: bool
    tls: bool
    connect_ms: float | None = None
    tn3270e: bool | None = None
    tls_version: str | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The probe as the JSON report writes it."""
        return dict(self.__dict__)


def _negotiation(first: bytes) -> bool | None:
    pairs = {(first[i], first[i + 1], first[i + 2]) for i in range(len(first) - 2)}
    if (_IAC, _DO, _TN3270E) in pairs:
        return True
    if (_IAC, _DO, _TERMINAL_TYPE) in pairs:
        return False
    return None


def probe_host(
    host: str,
    port: int,
    *,
    tls: bool = False,
    ca_file: Path | None = None,
    server_name: str | None = None,
    timeout_s: float = 5.0,
) -> HostProbe:
    """Connect to ``host``:``port`` (over TLS when ``tls``, the certificate checked against
    ``ca_file`` or the system's CAs), read the first negotiation, close. Never raises for the
    host's sake: an unreachable host or a refused certificate is reported in ``error``."""
    probe = HostProbe(host, port, reachable=False, tls=tls)
    started = time.perf_counter()
    try:
        raw = socket.create_connection((host, port), timeout=timeout_s)
    except OSError as exc:
        probe.error = f"cannot connect: {exc.strerror or exc}"
        return probe
    sock: socket.socket = raw
    try:
        if tls:
            context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
            try:
                sock = context.wrap_socket(raw, server_hostname=server_name or host)
            except (ssl.SSLError, OSError) as exc:
                probe.error = f"TLS refused: {getattr(exc, 'reason', None) or exc}"
                return probe
            probe.tls_version = sock.version()  # type: ignore[attr-defined]
        probe.reachable = True
        probe.connect_ms = round((time.perf_counter() - started) * 1000, 2)
        sock.settimeout(min(timeout_s, 2.0))
        first = b""
        try:
            while len(first) < 64 and (chunk := sock.recv(64)):
                first += chunk
                if _negotiation(first) is not None:
                    break
        except OSError:  # a host that says nothing first: the kind stays unknown
            pass
        probe.tn3270e = _negotiation(first)
    finally:
        sock.close()
    return probe


class TimedTerminal:
    """A :class:`~mainframe.port.Terminal` that times each round trip (connect and every send)."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.times: list[float] = []
        self.sent: list[tuple[str | None, tuple[Position, ...]]] = []
        """Each send's key and the positions typed into (never the values)."""

    @property
    def broken(self) -> bool:
        """Whether the wrapped terminal is broken."""
        return self.terminal.broken

    @property
    def last(self) -> Screen | None:
        """The wrapped terminal's last screen."""
        return self.terminal.last

    def _timed(self, call: Any, *args: Any) -> Screen:
        started = time.perf_counter()
        screen = call(*args)
        self.times.append(time.perf_counter() - started)
        return screen

    def connect(self) -> Screen:
        """Connect, timed."""
        return self._timed(self.terminal.connect)

    def screen(self) -> Screen:
        """The current screen (no round trip, not timed)."""
        return self.terminal.screen()

    def send(self, aid: str | None = None, fields: Mapping[Position, str] | None = None) -> Screen:
        """Send, timed; the key and positions typed into are kept."""
        self.sent.append((aid, tuple(sorted((fields or {}).keys()))))
        return self._timed(self.terminal.send, aid, fields)

    def close(self) -> None:
        """Close the wrapped terminal."""
        self.terminal.close()

    def abort(self) -> None:
        """Abort the wrapped terminal."""
        self.terminal.abort()


@dataclass
class WalkAssessment:
    """The screens a declared walk reached: each with its fields, the sign-on kind, response times."""

    sign_on: str
    screens: list[dict[str, Any]] = field(default_factory=list)
    response_ms: dict[str, float] = field(default_factory=dict)
    round_trips: int = 0
    typed_fields: list[str] = field(default_factory=list)
    """``screen.field`` of every field typed into (the declared ones only; values never kept)."""
    session_limit: str | None = None
    """The host's message that its sessions are at their limit, when a screen of the walk showed one."""

    def as_dict(self) -> dict[str, Any]:
        """The walk as the JSON report writes it."""
        return dict(self.__dict__)


def session_limit(screens: Iterable[Screen | None]) -> str | None:
    """The first line of ``screens`` saying the host's sessions are at their limit, if one does."""
    for screen in screens:
        for line in screen.lines if screen is not None else ():
            if _SESSION_LIMIT.search(line):
                return " ".join(line.split())
    return None


def _quantile(ordered: Sequence[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def assess_walk(
    terminal: Terminal, steps: Sequence[Step], *, user: str | None, password: str | None, deadline_s: float = 60.0
) -> WalkAssessment:
    """Sign on (when ``user`` is given) and follow ``steps`` through ``terminal`` under one deadline;
    the caller closes the terminal."""
    timed = TimedTerminal(terminal)
    with deadline_scope(Deadline(deadline_s)):
        walk = capture_walk(timed, steps_from(steps), user=user, password=password)  # type: ignore[arg-type]
    found = WalkAssessment("screen with a non-display password field" if walk.sign_on else "none")
    screens = discover_screens(walk)
    for s in screens:
        fields = classify(s.captures[0])
        found.screens.append(
            {
                "name": s.name,
                "title": s.title,
                "sign_on": s.sign_on,
                "seen": len(s.captures),
                "keys": sorted(s.keys),
                "fields": [
                    {
                        "name": f.name,
                        "kind": f.kind.value,
                        "row": f.row,
                        "col": f.col,
                        "length": f.length,
                        "numeric": f.numeric,
                        "hidden": f.hidden,
                    }
                    for f in fields
                    if f.kind in (Kind.INPUT, Kind.OUTPUT)
                ],
                "messages": s.messages,
            }
        )
    if walk.sign_on:
        name = screens[0].name
        found.typed_fields += [f"{name}.{walk.sign_on.user_field.name}", f"{name}.{walk.sign_on.password_field.name}"]
    by_signature = {id(c): s.name for s in screens for c in s.captures}
    for capture in walk.captures:
        screen = by_signature.get(id(capture.screen), "?")
        found.typed_fields += [f"{screen}.{t.name}" for t in capture.typed]
    found.session_limit = session_limit(c.screen for c in walk.captures)
    ordered = sorted(timed.times)
    found.round_trips = len(ordered)
    if ordered:
        found.response_ms = {
            "p50": round(_quantile(ordered, 0.5) * 1000, 2),
            "p95": round(_quantile(ordered, 0.95) * 1000, 2),
            "max": round(ordered[-1] * 1000, 2),
        }
    return found
