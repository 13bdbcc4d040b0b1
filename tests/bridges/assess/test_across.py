"""Across systems through the crosswalk: customers per system, ids not mapped or mapped twice, overlap,
and the fields that disagree for the same customer."""

from __future__ import annotations

import pytest

from bridges.assess.across import across_systems
from bridges.core.crosswalk import Crosswalk
from bridges.linkage import Record
from fixtures.linkage import custmast_records, helpdesk_records, noisy
from fixtures.world import CROSSWALK_PATH, customers

pytestmark = pytest.mark.unit


def _orders() -> list[Record]:
    return [
        Record("orders", c.orders_key, c.name, c.street, c.city, c.postcode, c.country, (c.phone,)).normalise()
        for c in customers()
    ]


def test_the_demo_systems_through_the_crosswalk():
    records = {"custmast": custmast_records(), "orders": _orders(), "helpdesk": helpdesk_records()}
    found = across_systems(records, Crosswalk.load(CROSSWALK_PATH))
    assert found["systems"]["custmast"] == {
        "records": 600,
        "canonical_customers": 600,
        "unmapped": 0,
        "unmapped_examples": [],
        "mapped_twice": 0,
        "mapped_twice_examples": [],
    }
    assert found["systems"]["helpdesk"]["canonical_customers"] == 524
    assert found["overlap"] == {"custmast & helpdesk & orders": 524, "custmast & orders": 76}
    assert {f: d["count"] for f, d in found["disagreements"].items()} == {
        "name": 0,
        "street": 0,
        "postcode": 0,
        "phone": 0,
    }


def test_planted_problems_are_counted_exactly():
    orders = _orders()
    orders.append(Record("orders", "D9999999", "Nobody Known").normalise())  # an id the crosswalk lacks
    messy = noisy(custmast_records())  # 3 % moved to "Neue Straße", some typos and case changes
    rows = [{"canonical_id": "C-00001", "custmast": "", "orders": "D0000001", "helpdesk": ""}]
    crosswalk = Crosswalk.load(CROSSWALK_PATH)
    twice = Crosswalk([*_rows(crosswalk), *rows], 2)  # C-00001 under a second ORDERS id
    orders.append(Record("orders", "D0000001", "Anna Double").normalise())
    found = across_systems({"custmast": messy, "orders": orders}, twice)
    assert found["systems"]["orders"]["unmapped"] == 1 and found["systems"]["orders"]["unmapped_examples"] == [
        "D9999999"
    ]
    assert found["systems"]["orders"]["mapped_twice_examples"] == ["C-00001"]
    moved = sum(1 for r in messy if r.street.startswith("Neue Straße"))
    assert found["disagreements"]["street"]["count"] == moved > 0
    typos = sum(1 for a, b in zip(messy, custmast_records(), strict=True) if a.norm["name"] != b.norm["name"])
    assert found["disagreements"]["name"]["count"] == typos > 0  # (a second id of one customer is not compared)
    assert all("Neue" not in e for e in found["disagreements"]["street"]["examples"])  # masked: N*** S******


def _rows(crosswalk: Crosswalk) -> list[dict[str, str]]:
    by_canonical: dict[str, dict[str, str]] = {}
    for system in crosswalk.systems:
        for local, canonical in crosswalk.ids(system).items():
            by_canonical.setdefault(canonical, {"canonical_id": canonical})[system] = local
    return list(by_canonical.values())
