"""The three ORDERS databases for the bridge tests (the helper lives in tests/rdbms/databases.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bridges.orders import helpers
from tests.rdbms import databases


@pytest.fixture
def orders(target):
    """The ORDERS runtime on ``target``; closed after the test."""
    runtime = helpers.runtime_for(helpers.bridge_entry(target))
    yield runtime
    runtime.close()


@pytest.fixture(scope="session")
def _targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    made: dict = {}
    yield made
    if {"postgresql", "mariadb"} & set(made):
        databases.drop_servers()


@pytest.fixture(params=databases.DIALECTS)
def target(request: pytest.FixtureRequest, _targets: dict, tmp_path_factory: pytest.TempPathFactory):
    """Each database in turn, loaded once per session."""
    dialect = request.param
    if dialect not in _targets:
        if dialect == "sqlite":
            _targets[dialect] = databases.sqlite_target(tmp_path_factory.mktemp("orders-sqlite"))
        elif dialect == "postgresql":
            _targets[dialect] = databases.postgres_target()
        else:
            _targets[dialect] = databases.mariadb_target()
    return _targets[dialect]
