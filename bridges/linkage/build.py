"""A crosswalk from linked records: clusters, canonical ids, the files written, quality against a truth.

Accepted links join records into customers, best first, never two records of one system in one
customer (a link that would is sent to review instead). Every record gets a canonical id — one
known to a single system too — kept from the previous crosswalk when a member was in it, new ones
numbered after its highest. The outputs (:func:`write_outputs`):

* ``crosswalk-vN.csv`` — the project's crosswalk format (:class:`bridges.core.crosswalk.Crosswalk`);
* ``matches.csv`` — every pair compared with probability ≥ 0.01, its decision and the weight of
  each field;
* ``review.csv`` — the uncertain pairs, both records side by side, for a person to confirm.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from bridges.core.crosswalk import Crosswalk
from bridges.linkage.match import Link, link_systems
from bridges.linkage.records import Record

__all__ = ["BuildResult", "build_crosswalk", "diff_crosswalks", "evaluate", "write_outputs"]

_NUMBER = re.compile(r"(\d+)$")
_SHOWN = 0.01


@dataclass
class BuildResult:
    """A built crosswalk: its version, rows (canonical id → each system's id), and every link."""

    version: int
    systems: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def review(self) -> list[Link]:
        """The pairs a person should confirm."""
        return [link for link in self.links if link.decision == "review"]

    def crosswalk(self) -> Crosswalk:
        """The rows as a :class:`~bridges.core.crosswalk.Crosswalk`."""
        return Crosswalk(self.rows, self.version)


class _Clusters:
    def __init__(self, records: list[Record]) -> None:
        self.parent = {(r.system, r.id): (r.system, r.id) for r in records}
        self.members = {key: {key} for key in self.parent}

    def find(self, key: tuple[str, str]) -> tuple[str, str]:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        systems_a = Counter(s for s, _ in self.members[ra])
        if any(s in systems_a for s, _ in self.members[rb]):
            return False  # two records of one system in one customer: not without a person
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        return True


def build_crosswalk(
    records: dict[str, list[Record]],
    *,
    accept: float = 0.9,
    review: float = 0.5,
    previous: Crosswalk | None = None,
    version: int | None = None,
) -> BuildResult:
    """Link every pair of systems in ``records`` and build the crosswalk (see the module docstring)."""
    systems = list(records)
    links = []
    for a, b in combinations(systems, 2):
        links += link_systems(records[a], records[b], accept=accept, review=review)
    links.sort(key=lambda link: -link.probability)
    clusters = _Clusters([r for rs in records.values() for r in rs])
    for link in links:
        if link.decision == "accept" and not clusters.join(
            (link.left.system, link.left.id), (link.right.system, link.right.id)
        ):
            link.decision = "review"
    result = BuildResult(version or ((previous.version + 1) if previous else 1), systems, links=links)
    groups = sorted(
        (sorted(members, key=lambda m: (systems.index(m[0]), m[1])) for members in clusters.members.values()),
        key=lambda ms: (systems.index(ms[0][0]), ms[0][1]),
    )
    # A previous id goes to the biggest customer holding it; a customer whose id is taken gets a new one.
    kept: dict[int, str] = {}
    taken: set[str] = set()
    for index in sorted(range(len(groups)), key=lambda i: -len(groups[i])):
        canonical = _canonical_of(previous, groups[index])
        if canonical and canonical not in taken:
            kept[index] = canonical
            taken.add(canonical)
    known = {c for s in systems for c in (previous.ids(s).values() if previous else ())} | taken
    next_number = max((int(m.group(1)) for c in known if (m := _NUMBER.search(c))), default=0) + 1
    for index, group in enumerate(groups):
        canonical = kept.get(index)
        if canonical is None:
            canonical = f"C-{next_number:05d}"
            next_number += 1
        row = {"canonical_id": canonical, **dict.fromkeys(systems, "")}
        row.update({system: local for system, local in group})
        result.rows.append(row)
    result.rows.sort(key=lambda row: row["canonical_id"])
    return result


def _canonical_of(previous: Crosswalk | None, group: list[tuple[str, str]]) -> str | None:
    if previous is None:
        return None
    found = Counter(c for s, i in group if (c := previous.canonical(s, i)))
    return found.most_common(1)[0][0] if found else None


def _pairs(crosswalk: Crosswalk, a: str, b: str, present: dict[str, set[str]]) -> set[tuple[str, str]]:
    pairs = set()
    for local in present[a]:
        canonical = crosswalk.canonical(a, local)
        other = crosswalk.local(b, canonical) if canonical else None
        if other and other in present[b]:
            pairs.add((local, other))
    return pairs


def evaluate(result: BuildResult, truth: Crosswalk, records: dict[str, list[Record]]) -> dict[str, Any]:
    """Precision and recall of the accepted links against ``truth``, per pair of systems and overall
    (pairs of records both present), with the review items that were true matches."""
    present = {s: {r.id for r in rs} for s, rs in records.items()}
    built = result.crosswalk()
    reviewed = {(link.left.system, link.left.id, link.right.system, link.right.id) for link in result.review}
    report: dict[str, Any] = {"pairs": {}}
    tp_all = fp_all = fn_all = review_true = 0
    for a, b in combinations(result.systems, 2):
        true, found = _pairs(truth, a, b, present), _pairs(built, a, b, present)
        tp, fp, fn = len(true & found), len(found - true), len(true - found)
        in_review = sum(1 for x, y in true - found if (a, x, b, y) in reviewed)
        report["pairs"][f"{a}-{b}"] = {
            "true": len(true),
            "found": len(found),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "missed_in_review": in_review,
        }
        tp_all, fp_all, fn_all, review_true = tp_all + tp, fp_all + fp, fn_all + fn, review_true + in_review
    report["precision"] = round(tp_all / (tp_all + fp_all), 4) if tp_all + fp_all else 1.0
    report["recall"] = round(tp_all / (tp_all + fn_all), 4) if tp_all + fn_all else 1.0
    report["recall_after_review"] = round((tp_all + review_true) / (tp_all + fn_all), 4) if tp_all + fn_all else 1.0
    report["review_items"] = len(result.review)
    return report


def _record_cells(r: Record) -> list[str]:
    return [r.system, r.id, r.name, r.street, r.city, r.postcode, ";".join(r.phones)]


def write_outputs(result: BuildResult, out: Path) -> tuple[Path, Path, Path]:
    """Write the crosswalk, the matches and the review file into ``out``; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    crosswalk = out / f"crosswalk-v{result.version}.csv"
    with crosswalk.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# legacy-bridges crosswalk, version {result.version}\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["canonical_id", *result.systems])
        for row in result.rows:
            writer.writerow([row["canonical_id"], *(row[s] for s in result.systems)])
    matches = out / "matches.csv"
    keys = ["name", "street", "place", "phone", "email"]
    with matches.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["system_a", "id_a", "system_b", "id_b", "probability", "decision", *(f"w_{k}" for k in keys)])
        for link in result.links:
            if link.probability >= _SHOWN:
                weights = [f"{link.weights[k]:.2f}" if k in link.weights else "" for k in keys]
                writer.writerow([link.left.system, link.left.id, link.right.system, link.right.id,
                                 f"{link.probability:.4f}", link.decision, *weights])  # fmt: skip
    review = out / "review.csv"
    with review.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        side = ["system", "id", "name", "street", "city", "postcode", "phone"]
        writer.writerow([*(f"{c}_a" for c in side), *(f"{c}_b" for c in side), "probability", "same_customer"])
        for link in result.review:
            writer.writerow([*_record_cells(link.left), *_record_cells(link.right), f"{link.probability:.4f}", ""])
    return crosswalk, matches, review


def _rows(path: Path) -> tuple[int, dict[str, dict[str, str]]]:
    crosswalk = Crosswalk.load(path)  # checks the version line
    with path.open(encoding="utf-8", newline="") as fh:
        fh.readline()
        return crosswalk.version, {row["canonical_id"]: row for row in csv.DictReader(fh)}


def diff_crosswalks(old: Path, new: Path) -> dict[str, Any]:
    """What changed from ``old`` to ``new``: canonical ids added and removed, and the system ids that
    moved to another canonical id, appeared or disappeared."""
    old_version, before = _rows(old)
    new_version, after = _rows(new)
    systems = sorted({k for rows in (before, after) for row in rows.values() for k in row} - {"canonical_id"})
    owner_before = {(s, row[s]): c for c, row in before.items() for s in systems if row.get(s)}
    owner_after = {(s, row[s]): c for c, row in after.items() for s in systems if row.get(s)}
    return {
        "from_version": old_version,
        "to_version": new_version,
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "moved": sorted(
            f"{s} {i}: {owner_before[(s, i)]} -> {owner_after[(s, i)]}"
            for (s, i) in set(owner_before) & set(owner_after)
            if owner_before[(s, i)] != owner_after[(s, i)]
        ),
        "new_ids": sorted(f"{s} {i}" for s, i in set(owner_after) - set(owner_before)),
        "gone_ids": sorted(f"{s} {i}" for s, i in set(owner_before) - set(owner_after)),
    }
