"""Requests a bridge declares outside its cassette: ignored or stubbed (background XHR, analytics).

    IGNORED = (ignore("*/poll.php*", why="the unread-count poll"), stub("*/analytics/*", status=204))

A flow that does not need a request should not depend on it: a poll firing on a timer
is made a different number of times in each run, so recording it makes replay fail on
a run that polls once more. Matching requests are never recorded; while recording an
*ignored* request goes to the application as usual, and at replay it is aborted (not a
cassette miss); a *stubbed* request gets its declared answer in both modes. Live traffic
is not touched. ``pattern`` is a shell-style glob matched against the full URL or against
its path and query (``*`` crosses ``/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["RequestRule", "first_rule", "ignore", "stub"]


@dataclass(frozen=True)
class RequestRule:
    """One declared request pattern and what the cassette does with it."""

    pattern: str
    action: Literal["ignore", "stub"] = "ignore"
    methods: tuple[str, ...] = ()
    """Upper-case methods it applies to; empty: every method."""
    status: int = 200
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    why: str = ""

    def matches(self, method: str, url: str) -> bool:
        """True when a request of ``method`` to ``url`` falls under this rule."""
        if self.methods and method.upper() not in self.methods:
            return False
        parts = urlsplit(url)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        return fnmatchcase(url, self.pattern) or fnmatchcase(local, self.pattern)

    def fulfil_args(self) -> dict[str, Any]:
        """Playwright ``route.fulfill`` arguments of a stub."""
        return {"status": self.status, "body": self.body, "headers": {"content-type": self.content_type}}


def ignore(pattern: str, *, methods: Iterable[str] = (), why: str = "") -> RequestRule:
    """Requests matching ``pattern`` are not recorded and are aborted at replay."""
    return RequestRule(pattern, "ignore", tuple(m.upper() for m in methods), why=why)


def stub(pattern: str, *, status: int = 200, body: str = "", content_type: str = "text/plain; charset=utf-8",
         methods: Iterable[str] = (), why: str = "") -> RequestRule:
    """Requests matching ``pattern`` get this answer when recording and at replay (never recorded)."""
    return RequestRule(pattern, "stub", tuple(m.upper() for m in methods), status, body, content_type, why)


def first_rule(rules: Iterable[RequestRule], method: str, url: str) -> RequestRule | None:
    """The first of ``rules`` a request falls under, or None."""
    return next((rule for rule in rules if rule.matches(method, url)), None)
