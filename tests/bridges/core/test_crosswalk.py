"""The crosswalk file and the demo world it is generated from."""

import pytest

from bridges.core.crosswalk import Crosswalk
from fixtures import world

pytestmark = pytest.mark.unit


def test_committed_crosswalk_is_current(tmp_path):
    fresh = tmp_path / "cw.csv"
    world.write_crosswalk(fresh)
    assert fresh.read_text(encoding="utf-8") == world.CROSSWALK_PATH.read_text(encoding="utf-8")


def test_every_customer_maps_both_ways():
    cw = Crosswalk.load(world.CROSSWALK_PATH)
    assert cw.version == world.CROSSWALK_VERSION
    assert cw.systems == ["custmast", "helpdesk", "orders"]
    for c in world.customers():
        assert cw.canonical("orders", c.orders_key + "  ") == c.canonical_id  # CHAR padding tolerated
        assert cw.canonical("custmast", c.custmast_no) == c.canonical_id
        assert cw.local("helpdesk", c.canonical_id) == c.helpdesk_account


def test_identifiers_are_unique_per_system():
    cs = world.customers()
    for attr in ("canonical_id", "custmast_no", "orders_key", "helpdesk_account"):
        assert len({getattr(c, attr) for c in cs}) == len(cs)


def test_unmapped_ids_are_none():
    cw = Crosswalk.load(world.CROSSWALK_PATH)
    assert cw.canonical("orders", "D9999999X") is None
    assert cw.local("nosuchsystem", "C-00001") is None


def test_file_without_version_line_is_rejected(tmp_path):
    path = tmp_path / "cw.csv"
    path.write_text("canonical_id,orders\nC-1,D1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="version"):
        Crosswalk.load(path)
