"""Shared test plumbing: real parts that cannot run fail in CI and skip elsewhere."""

from __future__ import annotations

import shutil

import pytest

from bridges.core.testing import in_ci, real_part_missing

__all__ = ["IN_CI", "pytest_runtest_makereport", "real_part_missing", "require_executable"]

# The ORDERS databases (SQLite, PostgreSQL, MariaDB), loaded once for the whole session.
pytest_plugins = ["tests.rdbms.database_fixtures"]

IN_CI = in_ci()


def require_executable(name: str) -> str:
    """The path of ``name`` on PATH, or a CI failure / local skip."""
    path = shutil.which(name)
    if path is None:
        real_part_missing(f"executable {name!r} not on PATH")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI nothing skips: a skip from anywhere (a plugin, a fixture) is reported as a failure."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where nothing may skip: {report.longrepr}"
