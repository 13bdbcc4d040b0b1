"""The demo's first customer-360 after a start: cold (the HELPDESK browser not yet launched and
logged in, CUSTMAST not yet signed on) vs after the demo's warm-up
(:func:`bridges.customer360.demo.warm_up`), each on a fresh demo world, in alternating rounds.

    .venv/bin/python bench/customer360_cold.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bridges.core.config import parse_config
from bridges.customer360.demo import warm_up
from facade_app import create_app
from facade_app.demo import DEFAULT_DEMO_KEY, demo_config, demo_world


def first_call(warm: bool) -> tuple[float, bool, float]:
    """(seconds of the first customer-360, whether it was complete, seconds of the warm-up)."""
    with tempfile.TemporaryDirectory() as tmp, demo_world(Path(tmp)) as world:
        app = create_app(parse_config(demo_config(world), base_dir=Path(tmp)))
        runtime = app.extensions["legacy_bridges"]["runtime"]
        try:
            started = time.perf_counter()
            if warm:
                warm_up(runtime)
            warming = time.perf_counter() - started
            started = time.perf_counter()
            r = app.test_client().get(
                "/v1/customer360/get_customer_360",
                query_string={"customer": "C-00001"},
                headers={"Authorization": f"Bearer {DEFAULT_DEMO_KEY}"},
            )
            took = time.perf_counter() - started
            assert r.status_code == 200, r.get_json()
            return took, r.get_json()["complete"], warming
        finally:
            runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.rounds):
        cold.append(first_call(False))
        warm.append(first_call(True))
    for name, runs in (("cold", cold), ("after warm-up", warm)):
        print(
            f"{name}: first customer-360 "
            + ", ".join(f"{t:.2f} s ({'complete' if c else 'partial'})" for t, c, _ in runs)
        )
    print(f"warm-up took {statistics.median(w for _, _, w in warm):.2f} s (median)")
    print(
        f"first customer-360 after a start: cold {statistics.median(t for t, _, _ in cold):.2f} s, "
        f"{sum(c for _, c, _ in cold)}/{len(cold)} complete; after warm-up "
        f"{statistics.median(t for t, _, _ in warm):.2f} s, {sum(c for _, c, _ in warm)}/{len(warm)} complete"
    )


if __name__ == "__main__":
    main()
