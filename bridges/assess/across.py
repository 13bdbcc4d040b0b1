"""Across systems: the same customers in several silos, through the crosswalk.

Given each system's customer records (records files, :mod:`bridges.linkage.records`) and the
crosswalk, it counts per system the canonical customers it holds, its ids the crosswalk does not
map, and canonical customers it holds under two ids; across systems, how many customers each
combination of systems shares (an UpSet view's bars), and for the same customer the fields that
disagree — name, street, postcode, phone — once normalised (case, accents, punctuation, a
phone's country code do not count), with masked examples.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

from bridges.core.crosswalk import Crosswalk
from bridges.core.errors import ConfigError
from bridges.core.personal import mask
from bridges.linkage.records import Record

__all__ = ["across_systems", "customer_columns", "records_from_rows"]

EXAMPLES = 3
_COMPARED = ("name", "street", "postcode")
_FIELDS = {  # a record's field → what an assessed column of it is named like (its personal kind first)
    "street": ("address", re.compile(r"ADR|ADDR|STREET|STRASSE|RUE", re.I)),
    "city": ("address", re.compile(r"CITY|TOWN|ORT$|VILLE", re.I)),
    "postcode": ("address", re.compile(r"PSTC|POSTC|ZIP|PLZ|POSTAL", re.I)),
    "country": (None, re.compile(r"CTRY|COUNTRY|LAND$|CNTRY", re.I)),
    "phone": ("phone", re.compile(r"", re.I)),
    "email": ("email", re.compile(r"", re.I)),
    "name": ("name", re.compile(r"", re.I)),
}


def customer_columns(relation: dict[str, Any]) -> dict[str, str]:
    """Which column of an assessed ``relation`` (the report's entry) holds each field of a customer
    record: ``id`` its one-column key; name, street, city, postcode, country, phone and email by the
    personal data the assessment found in them and their names. ConfigError without a key or a name."""
    if len(relation["key"]) != 1:
        raise ConfigError(f"--customers: {relation['name']} has no one-column key to use as the customer's id")
    found = {"id": relation["key"][0]}
    for field, (kind, named) in _FIELDS.items():
        for column in relation["columns"]:
            taken = column["name"] in found.values()
            if not taken and (kind is None or column["personal"] == kind) and named.search(column["name"]):
                found[field] = column["name"]
                break
    if "name" not in found:
        raise ConfigError(f"--customers: no column of {relation['name']} holds a name")
    return found


def records_from_rows(system: str, columns: dict[str, str], rows: Iterable[Sequence[Any]]) -> list[Record]:
    """``system``'s customer records from ``rows`` of the ``columns`` (:func:`customer_columns`, in order)."""
    fields = list(columns)
    out = []
    for row in rows:
        cells = {f: str(v).rstrip(" \x00") if v is not None else "" for f, v in zip(fields, row, strict=True)}
        phone = cells.pop("phone", "")
        record = Record(system, **{k: v for k, v in cells.items()}, phones=(phone,) if phone else ())  # type: ignore[arg-type]
        out.append(record.normalise())
    return out


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
