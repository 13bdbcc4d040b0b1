"""What a shared session budget costs: CUSTMAST lookups with the pool's budget leased through
Redis versus kept in the process, in the same run.

Starts the CUSTMAST demo host in its own process and measures:

* the raw lease round trip — ``Budget.try_acquire`` then ``release`` on the local Redis — against
  an in-process ``threading.BoundedSemaphore`` acquire/release (what a per-process budget costs);
* ``get_customer`` through the bridge runtime at 1 and 8 concurrent callers, the pool warm
  (8 signed-on sessions) with ``facade.budget_store`` unset and then set: a warm call takes no
  lease (the session keeps its own), but its check-in asks whether another process is waiting.

The last line is the headline: the p50 of a warm lookup with the shared budget over without.

    .venv/bin/python bench/leases.py [--calls 400]   (needs Redis on 127.0.0.1:6379)
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile, summary
from bench.mainframe_pool import host_process, measure
from bridges.core.config import parse_config
from bridges.core.leases import LeaseStore
from bridges.core.registry import build_runtime
from fixtures.custmast import DEFAULT_PASSWORD
from fixtures.world import customers

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379"


def lease_round_trips(count: int) -> tuple[list[float], list[float]]:
    """Acquire-and-release latencies: Redis lease, then an in-process semaphore."""
    store = LeaseStore.from_url(REDIS, ttl_s=15)
    store.prefix = f"lb-bench:{uuid.uuid4().hex[:8]}"
    budget = store.budget("custmast", limit=4, slots=[f"LU{n:04d}" for n in range(1, 9)])
    leased, local = [], []
    semaphore = threading.BoundedSemaphore(4)
    for _ in range(count):
        started = time.perf_counter()
        lease = budget.try_acquire()
        assert lease is not None
        # release leaves the slot out 0.1 s (the legacy side's grace), so 8 names cycle
        budget.release(lease)
        leased.append(time.perf_counter() - started)
        started = time.perf_counter()
        semaphore.acquire()
        semaphore.release()
        local.append(time.perf_counter() - started)
        if len(leased) % 4 == 0:
            time.sleep(0.11)  # pacing: let the given-back slots come free (not part of the timings)
    store.close()
    return leased, local


def lookups(host: str, port: int, shared: bool, calls: int, rng: random.Random) -> dict[int, list[float]]:
    """Warm ``get_customer`` latencies at 1 and 8 concurrent callers."""
    world = customers()
    facade = {"budget_store": REDIS} if shared else {}
    config = parse_config(
        {
            "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
            "facade": facade,
            "bridges": {
                f"cm_{uuid.uuid4().hex[:6]}": {
                    "kind": "custmast",
                    "guard": {"deadline_s": 30, "max_concurrency": 8, "queue_timeout_s": 30, "read_retries": 0},
                    "secrets": {"password": {"env": "CUSTMAST_PASSWORD", "default": DEFAULT_PASSWORD}},
                    "options": {
                        "host": host,
                        "port": port,
                        "pool": {"min_size": 8, "max_size": 8, "acquire_timeout_s": 30},
                    },
                }
            },
        },
        base_dir=ROOT,
    )
    runtime = build_runtime(config)
    (name,) = runtime.bridges
    try:
        if not runtime.bridges[name].bridge.pool.wait_ready(30):
            raise SystemExit("the pool did not fill")

        def warm(number: str) -> object:
            return runtime.call(name, "get_customer", {"customer": number})

        measure(warm, [c.custmast_no for c in world[:40]], 8)  # warm-up
        return {
            concurrency: measure(warm, [rng.choice(world).custmast_no for _ in range(calls)], concurrency)
            for concurrency in (1, 8)
        }
    finally:
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="lookups per concurrency level and mode")
    args = parser.parse_args()
    rng = random.Random(3270)
    leased, local = lease_round_trips(args.calls)
    print(f"lease acquire+release (Redis): {summary(leased)}")
    print(f"semaphore acquire+release (in process): {summary(local)}")
    with host_process() as (host, port):
        results = {shared: lookups(host, port, shared, args.calls, rng) for shared in (False, True)}
    for concurrency in (1, 8):
        for shared in (False, True):
            label = "shared budget" if shared else "in-process budget"
            print(f"{label:>17} @ {concurrency} concurrent: {summary(results[shared][concurrency])}")
    ratios = {c: percentile(results[True][c], 0.5) / percentile(results[False][c], 0.5) for c in (1, 8)}
    print(f"p50 shared/in-process @ 1 concurrent: {ratios[1]:.2f}x")
    print(
        f"warm CUSTMAST lookup with the budget shared through Redis: {ratios[8]:.2f}x the in-process p50 "
        f"at 8 concurrent (lease round trip p50 {percentile(leased, 0.5) * 1000:.3f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
