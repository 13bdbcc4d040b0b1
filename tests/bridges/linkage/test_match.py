"""Linking two systems' records: rare agreement accepted, ambiguity sent to review, strangers rejected."""

from __future__ import annotations

import pytest

from bridges.linkage import Record, link_systems
from fixtures.world import customers

pytestmark = pytest.mark.unit


def _r(system: str, id_: str, name: str, street: str = "", city: str = "", phone: str = "") -> Record:
    return Record(system, id_, name, street, city, "", "", (phone,) if phone else ()).normalise()


def _world(side: str) -> list[Record]:
    """Sixty demo customers with distinct names, as system ``side`` holds them."""
    seen: set[str] = set()
    people = [c for c in customers() if not (c.name in seen or seen.add(c.name))][:60]
    return [_r(side, f"{side}{i}", c.name, c.street, c.city, c.phone) for i, c in enumerate(people)]


def _decisions(links):
    return {(link.left.id, link.right.id): link.decision for link in links if link.decision != "reject"}


def test_the_same_customers_are_linked_one_to_one():
    links = link_systems(_world("a"), _world("b"))
    assert _decisions(links) == {(f"a{i}", f"b{i}"): "accept" for i in range(60)}


def test_a_typo_and_a_reformatted_phone_still_link():
    left = [*_world("a"), _r("a", "x", "Renée Lefèvre", "Rue de la Paix 7", "Paris", "+33 1 555 0199")]
    right = [*_world("b"), _r("b", "y", "RENEE LEFEVRF", "Rue de la Paix 7", "Paris", "01 555 0199")]
    assert _decisions(link_systems(left, right))[("x", "y")] == "accept"


def test_two_equally_likely_candidates_go_to_review():
    left = [*_world("a"), _r("a", "x", "Anna Smith")]
    right = [
        *_world("b"),
        _r("b", "y1", "Anna Smith", "Mill Lane 1", "Leeds"),
        _r("b", "y2", "Anna Smith", "High St 9", "Leeds"),
    ]
    decided = _decisions(link_systems(left, right))
    assert [d for (a, _), d in decided.items() if a == "x"] == ["review"]


def test_the_same_name_elsewhere_is_not_the_same_customer():
    left = [*_world("a"), _r("a", "x", "Peter Fischer", "Mill Lane 3", "Leeds", "+44 113 496000")]
    right = [*_world("b"), _r("b", "y", "Peter Fischer", "Storgatan 40", "Malmö", "+46 40 123456")]
    assert ("x", "y") not in _decisions(link_systems(left, right))
