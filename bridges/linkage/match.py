"""Link two systems' records: blocking, field comparison with rapidfuzz, Fellegi–Sunter weights.

* **Blocking.** Only records sharing a phone number, a street (place, its first word's first four
  letters and its number) or a four-letter prefix of a name word are compared (a block larger than
  :data:`MAX_BLOCK` on one side is skipped: a word that common says nothing).
* **Comparison.** Names by rapidfuzz's token-set ratio of the normalised names (word order and
  a company suffix do not matter), streets by token-sort ratio, the place (postcode, else city)
  and email by equality, phones by any shared number. A field missing on either side is no evidence.
* **Weights.** Agreement on a value adds ``log2(m / u)``, where ``u`` is how often that value
  occurs on the other side (term frequency: a shared rare name says more than a shared common
  one); disagreement adds ``log2((1 - m) / (1 - u))``. The sum plus the prior log-odds of a match
  among the compared pairs gives the match probability.
* **One to one.** Pairs are taken best first, each record linked once. A pair is ``accept`` at
  ``accept`` or more with no rival (another candidate of either record within :data:`RIVAL_BITS`), else
  ``review`` at ``review`` or more: a person decides.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import product

from rapidfuzz import fuzz

from bridges.linkage.records import Record

__all__ = ["MAX_BLOCK", "M_PROBABILITY", "RIVAL_BITS", "Link", "link_systems"]

MAX_BLOCK = 300
M_PROBABILITY = {"name": 0.95, "street": 0.9, "place": 0.95, "phone": 0.9, "email": 0.95}
"""How often a true match agrees on each field (a legacy record is often stale or mistyped). City,
postcode and country count once, as the place: they say the same thing three times."""
RIVAL_BITS = 6.0
"""A second candidate within this many bits of log-odds of the best (64 times less likely) is a rival."""
_NAME_AGREE, _NAME_CLOSE, _STREET_AGREE = 92.0, 80.0, 88.0
_CLOSE_M, _CLOSE_U = 0.04, 0.01
"""A name close but not equal (a typo, an abbreviation): weight log2(0.04 / 0.01) = 2."""


@dataclass
class Link:
    """A candidate pair, its match probability, the decision and each field's contribution."""

    left: Record
    right: Record
    probability: float
    odds: float = 0.0
    """The log2 odds the probability comes from (it tells apart pairs whose probabilities round to 1)."""
    decision: str = "reject"
    """``accept``, ``review`` or ``reject``."""
    weights: dict[str, float] = field(default_factory=dict)


def _place(record: Record) -> str:
    return record.norm.get("postcode") or record.norm.get("city", "")


def _blocks(record: Record) -> set[str]:
    street = record.norm.get("street", "").split()
    keys = {f"st:{_place(record)}:{street[0][:4]}:{street[-1]}"} if len(street) >= 2 else set()
    keys |= {f"ph:{p}" for p in record.norm_phones}
    keys |= {f"nm:{word[:4]}" for word in record.norm.get("name", "").split() if len(word) >= 3}
    return keys


def _frequencies(records: list[Record]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {k: Counter() for k in M_PROBABILITY}
    for r in records:
        for key in ("name", "street", "email"):
            if r.norm.get(key):
                counts[key][r.norm[key]] += 1
        if _place(r):
            counts["place"][_place(r)] += 1
        for p in set(r.norm_phones):
            counts["phone"][p] += 1
    return counts


def _u(counts: Counter[str], value: str, size: int) -> float:
    return max(counts.get(value, 0), 1) / max(size, 1)


def _chance(counts: Counter[str]) -> float:
    """How often two records picked at random agree on the field."""
    total = sum(counts.values())
    return sum(n * n for n in counts.values()) / (total * total) if total else 0.0


def _compare(
    a: Record, b: Record, freq: dict[str, Counter[str]], chance: dict[str, float], size: int
) -> dict[str, float]:
    weights: dict[str, float] = {}

    def weigh(key: str, agree: bool, value: str) -> None:
        m = M_PROBABILITY[key]
        if agree:
            weights[key] = math.log2(m / _u(freq[key], value, size))
        else:
            weights[key] = math.log2((1 - m) / max(1e-9, 1 - chance[key]))

    na, nb = a.norm.get("name", ""), b.norm.get("name", "")
    if na and nb:
        score = fuzz.token_set_ratio(na, nb)
        if score >= _NAME_AGREE:
            weigh("name", True, nb)
        elif score >= _NAME_CLOSE:
            weights["name"] = math.log2(_CLOSE_M / _CLOSE_U)
        else:
            weigh("name", False, nb)
    sa, sb = a.norm.get("street", ""), b.norm.get("street", "")
    if sa and sb:
        weigh("street", fuzz.token_sort_ratio(sa, sb) >= _STREET_AGREE, sb)
    pa, pb = _place(a), _place(b)
    if pa and pb:
        weigh("place", pa == pb, pb)
    ea, eb = a.norm.get("email", ""), b.norm.get("email", "")
    if ea and eb:
        weigh("email", ea == eb, eb)
    if a.norm_phones and b.norm_phones:
        shared = set(a.norm_phones) & set(b.norm_phones)
        weigh("phone", bool(shared), min(shared) if shared else "")
    return weights


def link_systems(left: list[Record], right: list[Record], *, accept: float = 0.9, review: float = 0.5) -> list[Link]:
    """Every candidate pair of ``left`` × ``right`` with its probability; the one-to-one links decided
    ``accept`` or ``review``, the others ``reject``. Best first."""
    blocks: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, r in enumerate(left):
        for key in _blocks(r):
            blocks[key][0].append(i)
    for j, r in enumerate(right):
        for key in _blocks(r):
            blocks[key][1].append(j)
    pairs: set[tuple[int, int]] = set()
    for lefts, rights in blocks.values():
        if len(lefts) <= MAX_BLOCK and len(rights) <= MAX_BLOCK:
            pairs.update(product(lefts, rights))
    freq = _frequencies(right)
    chance = {key: _chance(counts) for key, counts in freq.items()}
    expected = min(len(left), len(right))
    prior = math.log2(expected / max(len(pairs) - expected, 1)) if pairs else 0.0
    links = []
    for i, j in pairs:
        weights = _compare(left[i], right[j], freq, chance, len(right))
        odds = prior + sum(weights.values())
        links.append(Link(left[i], right[j], 1 / (1 + 2**-odds), odds, weights=weights))
    links.sort(key=lambda link: (-link.probability, link.left.id, link.right.id))
    _decide(links, accept, review)
    return links


def _decide(links: list[Link], accept: float, review: float) -> None:
    by_left: dict[str, list[Link]] = defaultdict(list)
    by_right: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        if link.probability >= review:
            by_left[link.left.id].append(link)
            by_right[link.right.id].append(link)
    taken_left: set[str] = set()
    taken_right: set[str] = set()
    for link in links:
        if link.probability < review:
            break
        if link.left.id in taken_left or link.right.id in taken_right:
            continue
        # A candidate whose other record an earlier (better) link already took is no rival: one to one.
        rivals = [
            other
            for other in (*by_left[link.left.id], *by_right[link.right.id])
            if other is not link
            and other.odds >= link.odds - RIVAL_BITS
            and other.left.id not in taken_left
            and other.right.id not in taken_right
        ]
        taken_left.add(link.left.id)
        taken_right.add(link.right.id)
        link.decision = "accept" if link.probability >= accept and not rivals else "review"
