"""The crosswalk's hand-weighted Fellegi–Sunter linker against splink (EM-trained m and u on DuckDB),
on the same demo records with the shared identifiers withheld, per pair of systems, in one run.

splink is not a dependency of the project: this script measures why. Install it beside the project to
run it (``pip install splink==5.0.0``: duckdb and pyarrow come with it). splink gets the same
normalised fields (name with term frequencies, street, place with term frequencies, phone, email),
the same blocking (name words, phone, place and street) and the same one-to-one greedy decision at
0.9 and at 0.5; its λ is estimated from exact name and phone rules, u by random sampling, m by EM
blocked on the name and on the phone. The last line is the headline figure.

    .venv/bin/python bench/crosswalk_splink.py
"""

from __future__ import annotations

import logging
import sys
import time
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridges.core.crosswalk import Crosswalk  # noqa: E402
from bridges.linkage import Record, build_crosswalk, evaluate  # noqa: E402
from fixtures.linkage import custmast_records, helpdesk_records, noisy, orders_records  # noqa: E402
from fixtures.orders.generate import generate  # noqa: E402
from fixtures.world import CROSSWALK_PATH  # noqa: E402


def _rows(records: list[Record]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        words = r.norm.get("name", "").split()
        out.append(
            {
                "unique_id": r.id,
                "name": r.norm.get("name") or None,
                "name1": words[0][:4] if words else None,
                "name2": words[-1][:4] if words else None,
                "street": r.norm.get("street") or None,
                "place": (r.norm.get("postcode") or r.norm.get("city")) or None,
                "phone": r.norm_phones[0] if r.norm_phones else None,
                "email": r.norm.get("email") or None,
            }
        )
    return out


def _splink_pairs(left: list[Record], right: list[Record]) -> list[tuple[float, str, str]]:
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    db = DuckDBAPI()
    tables = [
        db.register(_rows(left), dataset_display_name="system_a"),
        db.register(_rows(right), dataset_display_name="system_b"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.97, 0.9]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("street", [0.95, 0.88]),
            cl.ExactMatch("place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name1"), block_on("name2"), block_on("phone"), block_on("place", "street"),
        ],
    )  # fmt: skip
    linker = Linker(tables, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("name"), block_on("phone")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e5, seed=1)
    for rule in (block_on("name1"), block_on("phone")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    found = []
    for p in linker.inference.predict(threshold_match_probability=0.01).as_record_list():
        a, b = p["unique_id_l"], p["unique_id_r"]
        found.append((p["match_probability"], *((a, b) if p["source_dataset_l"] == "system_a" else (b, a))))
    return sorted(found, reverse=True)


def _one_to_one(pairs: list[tuple[float, str, str]], threshold: float) -> set[tuple[str, str]]:
    taken_a, taken_b, links = set(), set(), set()
    for probability, a, b in pairs:
        if probability < threshold:
            break
        if a not in taken_a and b not in taken_b:
            taken_a.add(a)
            taken_b.add(b)
            links.add((a, b))
    return links


def _true(truth: Crosswalk, left: list[Record], right: list[Record]) -> set[tuple[str, str]]:
    present, pairs = {r.id for r in right}, set()
    for r in left:
        canonical = truth.canonical(r.system, r.id)
        other = truth.local(right[0].system, canonical) if canonical else None
        if other in present:
            pairs.add((r.id, other))
    return pairs


def main() -> None:
    try:
        import splink  # noqa: F401
    except ImportError:
        sys.exit("splink is not installed: pip install splink==5.0.0 (it brings duckdb and pyarrow)")
    logging.getLogger("splink").setLevel(logging.ERROR)
    truth = Crosswalk.load(CROSSWALK_PATH)
    cusmst = [row[:7] for row in generate().rows["CUSMST"]]
    worst = {}
    for label, custmast in (("as held", custmast_records()), ("messy CUSTMAST", noisy(custmast_records()))):
        records = {"custmast": custmast, "orders": orders_records(cusmst), "helpdesk": helpdesk_records()}
        started = time.perf_counter()
        ours = evaluate(build_crosswalk(records), truth, records)["pairs"]
        print(f"{label}: hand-weighted linker, all three pairs in {time.perf_counter() - started:.2f} s")
        for a, b in combinations(records, 2):
            started = time.perf_counter()
            pairs = _splink_pairs(records[a], records[b])
            seconds = time.perf_counter() - started
            true = _true(truth, records[a], records[b])
            mine = ours[f"{a}-{b}"]
            print(f"  {a + '-' + b:<19} hand-weighted P {mine['precision']:.4f} R {mine['recall']:.4f}")
            for threshold in (0.9, 0.5):
                found = _one_to_one(pairs, threshold)
                tp = len(found & true)
                p, r = tp / len(found), tp / len(true)
                print(f"  {'':<19} splink >= {threshold}  P {p:.4f} R {r:.4f} ({seconds:.1f} s)")
                key = (a, b, threshold)
                worst[key] = min(worst.get(key, (2.0, 2.0)), (r, p))
            worst[(a, b, "ours")] = min(worst.get((a, b, "ours"), (2.0, 2.0)), (mine["recall"], mine["precision"]))
    r9, p9 = worst[("custmast", "helpdesk", 0.9)]
    r5, p5 = worst[("custmast", "helpdesk", 0.5)]
    ro, po = worst[("custmast", "helpdesk", "ours")]
    print(
        f"CUSTMAST-HELPDESK, worst of both runs: hand-weighted P {po:.3f} R {ro:.3f}; splink >= 0.9 P {p9:.3f} "
        f"R {r9:.3f}; splink >= 0.5 P {p5:.3f} R {r5:.3f}"
    )


if __name__ == "__main__":
    main()
