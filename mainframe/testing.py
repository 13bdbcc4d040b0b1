"""Test helpers: the CUSTMAST demo host, and the real-part rule.

Real-part tests *fail* under CI (``CI=true``) when a part is missing, and skip
elsewhere; :func:`need` applies that rule. :func:`demo_host` starts the demo TN3270
host of the fixtures (imported lazily: the library itself never needs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bridges.core.testing import need as real_part_rule

__all__ = ["demo_host", "need", "need_s3270"]


def need(condition: bool, reason: str) -> None:
    """Skip (or, under CI, fail) the calling test unless ``condition`` holds."""
    real_part_rule(condition, reason)


def need_s3270(executable: str = "s3270") -> str:
    """The path of s3270, or skip/fail."""
    path = shutil.which(executable)
    need(path is not None, f"{executable} is not installed (Debian package s3270)")
    return path or executable


@contextmanager
def demo_host(**options: Any) -> Iterator[Any]:
    """The CUSTMAST demo host on a free loopback port, stopped afterwards."""
    try:
        from fixtures.custmast import start_host
    except ImportError as exc:  # pragma: no cover - only on a checkout without fixtures
        need(False, f"the CUSTMAST demo host is not available ({exc})")
        raise
    host = start_host(port=0, **options)
    try:
        yield host
    finally:
        host.stop()
