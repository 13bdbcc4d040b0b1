"""The ORDERS runtime on each database (the databases come from tests/rdbms/database_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.bridges.orders import helpers


@pytest.fixture
def orders(target):
    """The ORDERS runtime on ``target``; closed after the test."""
    runtime = helpers.runtime_for(helpers.bridge_entry(target))
    yield runtime
    runtime.close()
