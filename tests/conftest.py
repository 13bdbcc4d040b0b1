"""Shared test plumbing: real parts that cannot run fail in CI and skip elsewhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bridges.core.testing import in_ci, real_part_missing

__all__ = ["IN_CI", "pytest_runtest_makereport", "real_part_missing", "require_executable", "stores_outside_repo"]

# The ORDERS databases (SQLite, PostgreSQL, MariaDB), loaded once for the whole session.
pytest_plugins = ["tests.rdbms.database_fixtures"]

IN_CI = in_ci()
REPO = Path(__file__).resolve().parent.parent


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


@pytest.fixture(autouse=True, scope="session")
def stores_outside_repo(tmp_path_factory):
    """A facade built from a configuration with no file of its own (its folder: the repository)
    keeps its default audit store and key in a temporary folder, never in the repository's var/
    (session-wide, so facades that module-scoped fixtures build are covered too)."""
    import facade_app.audit as audit
    import facade_app.audit_personal as personal

    moved: list[Path] = []

    def elsewhere(path: Path) -> Path:
        if not path.resolve().is_relative_to(REPO):
            return path
        if not moved:
            moved.append(tmp_path_factory.mktemp("state"))
        return moved[0] / path.name

    def store_url(config, _original=audit.store_url):
        url = _original(config)
        prefix = "sqlite:///"
        return prefix + str(elsewhere(Path(url.removeprefix(prefix)))) if url and url.startswith(prefix) else url

    def key_file(config, url, _original=personal.key_file):
        return elsewhere(_original(config, url))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "store_url", store_url)
        patch.setattr(personal, "key_file", key_file)
        yield
