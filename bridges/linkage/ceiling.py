"""How much of a crosswalk the records can settle at all: the pairs no field tells apart.

A record of one system is *undecidable* against another system when, after every record that has a
single candidate took its partner (one to one), two or more records of the other system still agree
with it on every field it shows (normalised name, street, place, email, and its phones among theirs).
A HELPDESK account that shows only a name two customers share is the common case: whatever a
linker decides, swapping the two customers is supported by exactly the same evidence, so no method
does better than a coin there. :func:`undecidable` finds them; the precision-1 recall of any linker
is at most ``1 - undecidable pairs / true pairs``.
"""

from __future__ import annotations

from bridges.linkage.records import Record

__all__ = ["undecidable"]

_FIELDS = ("name", "street", "postcode", "city", "email")


def _agrees(shown: Record, other: Record) -> bool:
    for key in _FIELDS:
        if shown.norm.get(key) and other.norm.get(key) and shown.norm[key] != other.norm[key]:
            return False
        if shown.norm.get(key) and not other.norm.get(key):
            return False
    return set(shown.norm_phones) <= set(other.norm_phones)


def undecidable(left: list[Record], right: list[Record]) -> dict[str, list[str]]:
    """The records of ``right`` that two or more records of ``left`` match equally on every field
    they show, after one-to-one elimination: ``right`` id → the ``left`` ids it cannot be told apart
    from. Candidates are found by the normalised name (a record with no name is left out)."""
    by_name: dict[str, list[Record]] = {}
    for r in left:
        by_name.setdefault(r.norm.get("name", ""), []).append(r)
    candidates = {
        r.id: {x.id for x in by_name.get(r.norm.get("name", ""), []) if _agrees(r, x)}
        for r in right
        if r.norm.get("name")
    }
    settled = True
    while settled:  # a record with one candidate takes it; nobody else can have it
        settled = False
        taken = {next(iter(c)) for c in candidates.values() if len(c) == 1}
        for c in candidates.values():
            if len(c) > 1 and c & taken:
                c -= taken
                settled = True
    return {rid: sorted(c) for rid, c in sorted(candidates.items()) if len(c) > 1}
