"""Playwright exceptions translated into the core's error types, at the port."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bridges.core.errors import BridgeError, CassetteMiss, DeadlineExceeded, LegacyError, Unavailable

__all__ = ["BrowserGone", "is_browser_gone", "translate_playwright_error"]

# Messages Playwright gives when the browser (or its driver) is no longer there.
_GONE_MARKERS = (
    "has been closed",
    "target closed",
    "browser closed",
    "crashed",
    "connection closed",
    "browser has disconnected",
    "driver",
)


class BrowserGone(Unavailable):
    """The browser process exited or crashed mid-call; it is restarted for the next call."""


def is_browser_gone(exc: BaseException) -> bool:
    """True when ``exc`` says the browser, its page or its driver went away."""
    text = str(exc).lower()
    return isinstance(exc, PlaywrightError) and any(marker in text for marker in _GONE_MARKERS)


def translate_playwright_error(
    exc: BaseException, doing: str, redact: Callable[[str], str] = lambda s: s
) -> BridgeError:
    """The core error for a Playwright exception raised while ``doing`` something.

    Only the first line of Playwright's message is kept (its call log can echo typed
    values), and it goes through ``redact``.
    """
    if isinstance(exc, BridgeError):
        return exc
    first_line = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if isinstance(exc, PlaywrightTimeout):
        return DeadlineExceeded(f"deadline passed during {doing}")
    if "ERR_BLOCKED_BY_CLIENT" in first_line:
        return CassetteMiss(f"a request during {doing} is not in the cassette")
    if is_browser_gone(exc):
        return BrowserGone(f"the browser went away during {doing}; it is restarted for the next call", retry_after=1)
    if isinstance(exc, PlaywrightError) and "net::ERR_CERT" in first_line:
        return Unavailable(f"TLS: the web application's certificate was refused during {doing}: {first_line[:200]}",
                           retry_after=1)
    if isinstance(exc, PlaywrightError) and "net::ERR_" in first_line:
        return Unavailable(f"the web application cannot be reached during {doing}: {first_line[:200]}", retry_after=1)
    return LegacyError(f"browser error during {doing}: {first_line[:300]}")
