"""The real-part rule, for the tests of bridges and transports (and of your own bridges).

A test that needs a real part — an emulator, a driver, a browser, a database — that is
not there *fails* when ``CI`` is set (``true``, ``1`` or ``yes``) and is skipped
elsewhere, with the reason: in CI a real-part test never silently skips.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import NoReturn

__all__ = ["announced", "default_sigint", "in_ci", "need", "real_part_missing", "wait_until"]


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


def announced(proc: subprocess.Popen[str], pattern: str, timeout: float = 60.0) -> re.Match[str]:
    """The first line of ``proc``'s standard output (a text pipe) that ``pattern`` matches: how a
    server started on port 0 says which port it bound (a port picked by the test and released could
    be taken by another process before the server binds it). The output is read on a thread till the
    process exits, so its pipe never fills; AssertionError, with every line it wrote, when it exits
    or ``timeout`` seconds pass first."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout or ():
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"nothing matched {pattern!r} in {timeout} s: {''.join(seen)}") from None
        assert line is not None, f"the process exited before saying {pattern!r}: {''.join(seen)}"
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
