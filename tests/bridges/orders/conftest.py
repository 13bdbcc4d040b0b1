"""The three ORDERS databases for the bridge tests (the helper lives in tests/rdbms/databases.py)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _load_databases():
    name = "legacy_bridges_test_databases"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[2] / "rdbms" / "databases.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


databases = _load_databases()


def _load_helpers():
    name = "legacy_bridges_test_orders_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("helpers.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


helpers = _load_helpers()


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
