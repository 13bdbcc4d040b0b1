"""Link two systems' records: blocking, field comparison with rapidfuzz, Fellegi–Sunter weights.

* **Blocking.** Only records sharing a phone number, a street (place, its first word's first four
  letters and its number) or a four-letter prefix of a name word are compared (a block larger than
  :data:`MAX_BLOCK` on one side is skipped: a word that common says nothing).
* **Comparison.** Names agree by rapidfuzz's token-set ratio of the normalised names (word order and
  a company suffix do not matter) and are close when every word that differs is a typo or an
  abbreviation of one of the other's; streets by token-sort ratio, the place (postcode, else city)
  and email by equality, phones by any shared number. A field missing on either side is no evidence.
* **Weights.** Agreement on a value adds ``log2(m / u)``, where ``u`` is how often that value
  occurs on the other side (term frequency: a shared rare name says more than a shared common
  one); disagreement adds ``log2((1 - m) / (1 - u))``. The sum plus the prior log-odds of a match
  among the compared pairs gives the match probability.
* **One to one.** Pairs are settled best first, each record linked once, until nothing changes. A
  pair is ``accept`` when one of its records has no rival (another candidate within
  :data:`RIVAL_BITS` whose other record is not settled yet) and the other record is claimed so by
  nobody else — at ``accept`` or more, or at ``review`` or more when no field disagrees: then it is
  the only customer the data leaves (a name unique on both sides once the settled records took
  theirs). Every candidate of a record left unsettled at ``review`` or more is ``review``: a person
  chooses.
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
_NAME_AGREE, _NAME_NEAR, _WORD_CLOSE, _STREET_AGREE = 92.0, 70.0, 75.0, 88.0
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


def _close(a: str, b: str) -> bool:
    """Names alike word by word: every word one has and the other lacks is a typo or an abbreviation of
    one of the other's (``Lefevrf``, ``A.``). A shared company suffix with another owner's name before
    it (``Coté Distribución SL``, ``Björk Distribución SL``) is not close."""
    if fuzz.token_sort_ratio(a, b) < _NAME_NEAR:  # quick: most pairs compared are far apart
        return False
    words_a, words_b = set(a.split()), set(b.split())
    only_a, only_b = words_a - words_b, words_b - words_a

    def alike(x: str, others: set[str]) -> bool:
        return any(fuzz.ratio(x, y) >= _WORD_CLOSE or x.startswith(y) or y.startswith(x) for y in others)

    return bool(only_a and only_b) and all(alike(x, only_b) for x in only_a) and all(alike(y, only_a) for y in only_b)


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
        if fuzz.token_set_ratio(na, nb) >= _NAME_AGREE:
            weigh("name", True, nb)
        elif _close(na, nb):
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
    links.sort(key=lambda link: (-link.odds, link.left.id, link.right.id))
    _decide(links, accept, review)
    return links


def _decide(links: list[Link], accept: float, review: float) -> None:
    """Settle links best first until nothing changes, then send the unsettled candidates to review.

    Among the candidates whose records are both unsettled, a record is *sure* of a link when no other
    of its candidates is within :data:`RIVAL_BITS`. A link settles (``accept``) when one of its
    records is sure of it and no rival of it on the other record's side is a link its own other
    record is sure of (two records each sure of the same partner are a coin toss); at ``accept`` or
    more, or at ``review`` or more when no field disagrees. Each settled link can free another (its
    records are candidates of nobody else any more), hence the passes."""
    by_left: dict[str, list[Link]] = defaultdict(list)
    by_right: dict[str, list[Link]] = defaultdict(list)
    floor = _log_odds(review) - RIVAL_BITS
    for link in links:
        if link.odds >= floor:
            by_left[link.left.id].append(link)
            by_right[link.right.id].append(link)
    left_settled: set[str] = set()
    right_settled: set[str] = set()

    def rivals(link: Link, among: list[Link]) -> list[Link]:
        return [
            other
            for other in among
            if other is not link
            and other.odds >= link.odds - RIVAL_BITS
            and other.left.id not in left_settled
            and other.right.id not in right_settled
        ]

    def settles(link: Link) -> bool:
        left_rivals, right_rivals = rivals(link, by_left[link.left.id]), rivals(link, by_right[link.right.id])
        if not right_rivals:  # the right record has no other candidate: is the left one claimed twice?
            return not any(not rivals(other, by_right[other.right.id]) for other in left_rivals)
        if not left_rivals:
            return not any(not rivals(other, by_left[other.left.id]) for other in right_rivals)
        return False

    candidates = [link for link in links if link.probability >= review]
    changed = True
    while changed:
        changed = False
        for link in candidates:
            if link.left.id in left_settled or link.right.id in right_settled:
                continue
            agreeing = all(weight >= 0 for weight in link.weights.values())
            if (link.probability >= accept or agreeing) and settles(link):
                link.decision = "accept"
                left_settled.add(link.left.id)
                right_settled.add(link.right.id)
                changed = True
    for link in candidates:  # a person chooses among an unsettled record's candidates: all of them
        if link.decision != "accept" and link.left.id not in left_settled and link.right.id not in right_settled:
            link.decision = "review"


def _log_odds(probability: float) -> float:
    probability = min(max(probability, 1e-9), 1 - 1e-9)
    return math.log2(probability / (1 - probability))
