"""Fixtures of the three ORDERS databases, one session-wide copy each (see databases.py).

Registered for the whole suite by ``tests/conftest.py``, so the rdbms and the ORDERS
bridge tests share one load of each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rdbms import databases


@pytest.fixture(scope="session")
def _targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    made: dict = {}
    yield made
    if {"postgresql", "mariadb"} & set(made):
        databases.drop_servers()


def _target(dialect: str, _targets: dict, tmp_path_factory: pytest.TempPathFactory):
    if dialect not in _targets:
        if dialect == "sqlite":
            _targets[dialect] = databases.sqlite_target(tmp_path_factory.mktemp("orders-sqlite"))
        elif dialect == "postgresql":
            _targets[dialect] = databases.postgres_target()
        else:
            _targets[dialect] = databases.mariadb_target()
    return _targets[dialect]


@pytest.fixture(params=databases.DIALECTS)
def target(request: pytest.FixtureRequest, _targets: dict, tmp_path_factory: pytest.TempPathFactory):
    """Each database in turn, loaded once per session."""
    return _target(request.param, _targets, tmp_path_factory)


@pytest.fixture(scope="session")
def sqlite_target(_targets: dict, tmp_path_factory: pytest.TempPathFactory):
    """The SQLite database alone (session-wide, so that module fixtures may use it too)."""
    return _target("sqlite", _targets, tmp_path_factory)


@pytest.fixture(scope="session")
def mariadb_target(_targets: dict, tmp_path_factory: pytest.TempPathFactory):
    """The MariaDB database alone."""
    return _target("mariadb", _targets, tmp_path_factory)


@pytest.fixture(scope="session")
def postgresql_target(_targets: dict, tmp_path_factory: pytest.TempPathFactory):
    """The PostgreSQL database alone."""
    return _target("postgresql", _targets, tmp_path_factory)
