"""Quality and cost of ``bridges crosswalk build`` on the demo systems, shared identifiers withheld.

Links CUSTMAST (its customer file, as its screens show it), ORDERS (read from the demo SQLite
database) and HELPDESK (its accounts as its tickets name them), once as the demo holds them and once
with CUSTMAST made messy (``fixtures.linkage.noisy``: case, accents, typos, abbreviated streets,
reformatted or missing phones, moved customers), and measures each against the known crosswalk.
The baseline in the same run links equal normalised names (and postcodes, where both systems have
one) unique on both sides: what a spreadsheet VLOOKUP would do. The ceiling counts the true pairs no
field the systems show tells apart (:mod:`bridges.linkage.ceiling`). The last line is the headline figure.

    .venv/bin/python bench/crosswalk.py
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridges.core.crosswalk import Crosswalk  # noqa: E402
from bridges.linkage import Record, build_crosswalk, evaluate  # noqa: E402
from bridges.linkage.ceiling import undecidable  # noqa: E402
from fixtures.linkage import custmast_records, helpdesk_records, noisy, orders_records  # noqa: E402
from fixtures.orders.load_sqlite import build_sqlite  # noqa: E402
from fixtures.world import CROSSWALK_PATH  # noqa: E402


def _exact(records: dict[str, list[Record]], truth: Crosswalk) -> tuple[float, float]:
    """The baseline's precision and recall: a pair linked when the normalised names are equal (and the
    postcodes, where both systems have one) and neither record has another such candidate — a VLOOKUP
    that refuses duplicates."""
    tp = fp = fn = 0
    for a, b in combinations(records, 2):
        both = all(any(x.norm.get("postcode") for x in records[s]) for s in (a, b))

        def key(r: Record, both: bool = both) -> tuple[str, str]:
            return (r.norm["name"], r.norm.get("postcode", "") if both else "")

        left, right = defaultdict(list), defaultdict(list)
        for r in records[a]:
            left[key(r)].append(r.id)
        for r in records[b]:
            right[key(r)].append(r.id)
        found = {(ls[0], right[k][0]) for k, ls in left.items() if len(ls) == 1 and len(right.get(k, [])) == 1}
        present_b = {r.id for r in records[b]}
        true = set()
        for r in records[a]:
            canonical = truth.canonical(a, r.id)
            other = truth.local(b, canonical) if canonical else None
            if other in present_b:
                true.add((r.id, other))
        tp, fp, fn = tp + len(found & true), fp + len(found - true), fn + len(true - found)
    return tp / (tp + fp), tp / (tp + fn)


def main() -> None:
    truth = Crosswalk.load(CROSSWALK_PATH)
    with tempfile.TemporaryDirectory() as tmp:
        db = build_sqlite(Path(tmp) / "orders.sqlite")
        conn = sqlite3.connect(db)
        orders = orders_records(
            conn.execute("SELECT CMCUSN, CMNAME, CMADR1, CMCITY, CMPSTC, CMCTRY, CMPHON FROM CUSMST")
        )
        conn.close()
    headline = []
    for label, custmast in (("as held", custmast_records()), ("messy CUSTMAST", noisy(custmast_records()))):
        records = {"custmast": custmast, "orders": orders, "helpdesk": helpdesk_records()}
        started = time.perf_counter()
        result = build_crosswalk(records)
        seconds = time.perf_counter() - started
        q = evaluate(result, truth, records)
        bp, br = _exact(records, truth)
        true = sum(p["true"] for p in q["pairs"].values())
        unsettled = sum(len(undecidable(records[a], records[b])) for a, b in combinations(records, 2))
        print(f"{label}: {sum(map(len, records.values()))} records in {seconds:.2f} s")
        for pair, p in q["pairs"].items():
            shown = f"precision {p['precision']:.4f} recall {p['recall']:.4f}"
            print(f"  {pair:<18} {shown} (in review {p['missed_in_review']})")
        print(
            f"  linkage   precision {q['precision']:.4f} recall {q['recall']:.4f}, {q['recall_after_review']:.4f} "
            f"after review ({q['review_items']} pairs to review)"
        )
        print(
            f"  ceiling   {unsettled} of {true} true pairs no field tells apart: recall at precision 1 "
            f"<= {1 - unsettled / true:.4f}"
        )
        print(f"  baseline  precision {bp:.4f} recall {br:.4f} (equal names and postcodes, unique on both sides)")
        headline.append(
            f"{label}: P {q['precision']:.3f} R {q['recall']:.3f} ({q['recall_after_review']:.3f} "
            f"after review, ceiling {1 - unsettled / true:.3f}) vs exact-match P {bp:.3f} R {br:.3f}"
        )
    print("crosswalk build on the demo systems, ids withheld — " + "; ".join(headline))


if __name__ == "__main__":
    main()
