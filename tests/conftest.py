"""Shared test plumbing: real parts that cannot run fail in CI and skip elsewhere."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def real_part_missing(what: str) -> None:
    """A real part this test needs is not here: a failure in CI, a skip elsewhere."""
    if IN_CI:
        pytest.fail(f"real part missing in CI: {what}", pytrace=False)
    pytest.skip(f"real part missing: {what}")


def require_executable(name: str) -> str:
    """The path of ``name`` on PATH, or a CI failure / local skip."""
    path = shutil.which(name)
    if path is None:
        real_part_missing(f"executable {name!r} not on PATH")
    return path  # type: ignore[return-value]
