"""The bridge's copybook is the one the CUSTMAST host publishes with its extract."""

import pytest

from bridges.custbal import BalancesBridge
from fixtures.custmast.extract import COPYBOOK

pytestmark = pytest.mark.unit


def test_the_bridges_copybook_is_the_hosts():
    assert BalancesBridge.copybook.read_bytes() == COPYBOOK.read_bytes()
