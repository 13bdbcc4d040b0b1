"""The real-part rule, for the tests of bridges and transports (and of your own bridges).

A test that needs a real part — an emulator, a driver, a browser, a database — that is
not there *fails* when ``CI`` is set (``true``, ``1`` or ``yes``) and is skipped
elsewhere, with the reason: in CI a real-part test never silently skips.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import NoReturn

__all__ = ["default_sigint", "in_ci", "need", "real_part_missing", "wait_until"]


def in_ci() -> bool:
    """True when running under CI (``CI=true``)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def real_part_missing(what: str) -> NoReturn:
    """Fail (in CI) or skip (elsewhere) the calling test: ``what`` is not here."""
    import pytest

    if in_ci():
        pytest.fail(f"real part missing in CI: {what}", pytrace=False)
    pytest.skip(f"real part missing: {what}")


def need(condition: bool, what: str) -> None:
    """Apply the rule unless ``condition`` holds."""
    if not condition:
        real_part_missing(what)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def default_sigint() -> None:
    """``preexec_fn`` for a child a test stops with Ctrl-C: SIGINT back to its default.

    A runner started with SIGINT ignored (``nohup``, ``trap '' INT``, some CI agents) passes
    that on to every child, and a Python child that starts with SIGINT ignored never raises
    KeyboardInterrupt; with the default restored, the child's interpreter installs its own
    handler as usual.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
