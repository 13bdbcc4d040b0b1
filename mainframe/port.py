"""The terminal port: the one narrow interface every 3270 backend implements.

A terminal connects, shows its current :class:`~mainframe.snapshot.Screen`, and
``send``\\ s: it types values into input fields (1-based positions of each field's
first character) and optionally presses one attention key, then returns the screen
the host answered with. Three implementations share it: live (s3270), recording
(live + a cassette) and replaying (a cassette alone, no s3270 needed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from mainframe.snapshot import Position, Screen

__all__ = ["Terminal"]


@runtime_checkable
class Terminal(Protocol):
    """A 3270 session. Every call is bounded by ``bridges.core.current_deadline()``.

    Errors are core errors: :class:`~bridges.core.errors.DeadlineExceeded` when the
    keyboard never unlocks, :class:`~bridges.core.errors.Unavailable` when the host
    cannot be reached or drops the session, :class:`~bridges.core.errors.InvalidInput`
    when a value cannot go into its field. After any error but ``InvalidInput`` the
    terminal is ``broken`` and must be closed, never reused.
    """

    broken: bool
    last: Screen | None
    """The screen the last call returned (None before ``connect``): no round trip."""

    def connect(self) -> Screen:
        """Open the session and return the host's first screen."""
        ...

    def screen(self) -> Screen:
        """The current screen."""
        ...

    def send(self, aid: str | None = None, fields: Mapping[Position, str] | None = None) -> Screen:
        """Type ``fields`` (each erased first), press ``aid`` if given, return the screen."""
        ...

    def close(self) -> None:
        """End the session and release its process."""
        ...

    def abort(self) -> None:
        """End the session from another thread: the owner's current or next call fails
        (with :class:`~bridges.core.errors.Unavailable`) and the owner closes it."""
        ...
