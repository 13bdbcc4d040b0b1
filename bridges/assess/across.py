"""Across systems: the same customers in several silos, through the crosswalk.

Given each system's customer records (records files, :mod:`bridges.linkage.records`) and the
crosswalk, it counts per system the canonical customers it holds, its ids the crosswalk does not
map, and canonical customers it holds under two ids; across systems, how many customers each
combination of systems shares (an UpSet view's bars), and for the same customer the fields that
disagree — name, street, postcode, phone — once normalised (case, accents, punctuation, a
phone's country code do not count), with masked examples.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

from bridges.core.crosswalk import Crosswalk
from bridges.core.personal import mask
from bridges.linkage.records import Record

__all__ = ["across_systems"]

EXAMPLES = 3
_COMPARED = ("name", "street", "postcode")


def across_systems(records: dict[str, list[Record]], crosswalk: Crosswalk) -> dict[str, Any]:
    """The report's ``across`` entry for ``records`` (by system) and ``crosswalk``."""
    systems: dict[str, Any] = {}
    holders: dict[str, set[str]] = defaultdict(set)
    by_canonical: dict[str, dict[str, Record]] = defaultdict(dict)
    for system, rs in records.items():
        mapped = [(r, crosswalk.canonical(system, r.id)) for r in rs]
        unmapped = [r.id for r, c in mapped if c is None]
        counts = Counter(c for _, c in mapped if c)
        twice = sorted(c for c, n in counts.items() if n > 1)
        systems[system] = {
            "records": len(rs),
            "canonical_customers": len(counts),
            "unmapped": len(unmapped),
            "unmapped_examples": unmapped[:EXAMPLES],
            "mapped_twice": len(twice),
            "mapped_twice_examples": twice[:EXAMPLES],
        }
        for r, c in mapped:
            if c:
                holders[c].add(system)
                by_canonical[c].setdefault(system, r)
    overlap = Counter(" & ".join(sorted(s)) for s in holders.values())
    disagreements: dict[str, dict[str, Any]] = {}
    for field in (*_COMPARED, "phone"):
        found = []
        for canonical, held in sorted(by_canonical.items()):
            for (sa, a), (sb, b) in combinations(sorted(held.items()), 2):
                if field == "phone":
                    differ = bool(a.norm_phones and b.norm_phones and not set(a.norm_phones) & set(b.norm_phones))
                    shown = (";".join(a.phones), ";".join(b.phones))
                else:
                    differ = bool(a.norm.get(field) and b.norm.get(field) and a.norm[field] != b.norm[field])
                    shown = (getattr(a, field), getattr(b, field))
                if differ:
                    found.append(f"{canonical}: {sa} {mask(shown[0])} / {sb} {mask(shown[1])}")
        disagreements[field] = {"count": len(found), "examples": found[:EXAMPLES]}
    return {
        "crosswalk_version": crosswalk.version,
        "systems": systems,
        "overlap": dict(sorted(overlap.items(), key=lambda item: (-item[1], item[0]))),
        "disagreements": disagreements,
    }
