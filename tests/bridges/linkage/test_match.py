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
    assert {(a, b): d for (a, b), d in decided.items() if a == "x"} == {("x", "y1"): "review", ("x", "y2"): "review"}


def test_a_name_unique_on_both_sides_links_on_its_own():
    left = [*_world("a"), _r("a", "x", "Ólafur Weiß", "Storgatan 3", "Malmö", "+46 40 111222")]
    right = [*_world("b"), _r("b", "y", "OLAFUR WEISS")]  # a name and nothing else
    decided = _decisions(link_systems(left, right))
    assert decided[("x", "y")] == "accept"


def test_a_settled_record_frees_the_shared_name_for_the_other():
    left = [
        *_world("a"),
        _r("a", "x1", "Anna Smith", "Mill Lane 1", "Leeds", "+44 113 111111"),
        _r("a", "x2", "Anna Smith", "High St 9", "Leeds", "+44 113 222222"),
    ]
    right = [*_world("b"), _r("b", "y1", "Anna Smith", phone="0113 111111"), _r("b", "y2", "Anna Smith")]
    decided = _decisions(link_systems(left, right))
    assert decided[("x1", "y1")] == "accept" and decided[("x2", "y2")] == "accept"
    # Two of a name and neither showing more: a coin toss, left to a person, each candidate listed.
    right = [*_world("b"), _r("b", "y1", "Anna Smith"), _r("b", "y2", "Anna Smith")]
    decided = {pair: d for pair, d in _decisions(link_systems(left, right)).items() if pair[0] in ("x1", "x2")}
    assert decided == {(x, y): "review" for x in ("x1", "x2") for y in ("y1", "y2")}


def test_a_shared_company_suffix_is_not_a_close_name():
    left = [*_world("a"), _r("a", "x", "Coté Distribución SL", "Gran Vía 4", "Madrid", "+34 91 5550101")]
    right = [*_world("b"), _r("b", "y", "Coté Distribución SL"), _r("b", "z", "Brontë Distribución SL")]
    links = {(link.left.id, link.right.id): link for link in link_systems(left, right)}
    assert links[("x", "y")].decision == "accept" and links[("x", "z")].weights["name"] < 0


def test_the_same_name_elsewhere_is_not_the_same_customer():
    left = [*_world("a"), _r("a", "x", "Peter Fischer", "Mill Lane 3", "Leeds", "+44 113 496000")]
    right = [*_world("b"), _r("b", "y", "Peter Fischer", "Storgatan 40", "Malmö", "+46 40 123456")]
    assert ("x", "y") not in _decisions(link_systems(left, right))
