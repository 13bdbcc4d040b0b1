"""Screens a host shows *instead of* a session, declared once and checked at connect.

A host that cannot take a session often still answers: with a "system busy" screen,
a "terminal not available" message, a logo that says "connection rejected". To the
emulator that is an ordinary screen; declared as a :class:`Rejection`, the terminal's
``connect()`` turns it into :class:`ConnectionRejected` — a 503 with ``Retry-After`` —
so neither a pool nor a bridge mistakes it for a sign-on screen::

    busy = Rejection(TextAt(1, 2, "CMBUSY"), "CUSTMAST's session limit is reached", retry_after_s=5)
    LiveTerminal(host, port, rejections=(busy,))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bridges.core.errors import Unavailable
from mainframe.snapshot import Screen

__all__ = ["ConnectionRejected", "Rejection", "check_rejections"]


class ConnectionRejected(Unavailable):
    """The host rejected the connection (its rejection screen, or an LU name it did not grant)."""


@dataclass(frozen=True)
class Rejection:
    """A rejection screen: ``screen`` is anything with ``matches(screen)`` — a
    :class:`~mainframe.screens.ScreenDef` class or a recognition rule such as
    :class:`~mainframe.screens.TextAt`. The error's detail is ``detail``, followed by the
    screen's message line when the declaration has one."""

    screen: Any
    detail: str = "the host rejected the connection"
    retry_after_s: float = 5.0

    def check(self, screen: Screen) -> None:
        """Raise :class:`ConnectionRejected` if ``screen`` is this rejection."""
        if not self.screen.matches(screen):
            return
        message = ""
        message_text = getattr(self.screen, "message_text", None)
        if callable(message_text):
            message = "".join(ch for ch in message_text(screen) if ch.isprintable())[:120]
        raise ConnectionRejected(f"{self.detail} ({message})" if message else self.detail,
                                 retry_after=self.retry_after_s)


def check_rejections(screen: Screen, rejections: Iterable[Rejection]) -> None:
    """Raise :class:`ConnectionRejected` for the first rejection ``screen`` matches."""
    for rejection in rejections:
        rejection.check(screen)
