"""What warm browser contexts buy: a HELPDESK ticket search, warm pool versus a fresh browser.

Measures, in the same run against the demo HELPDESK app:

* **warm** — ``search_tickets`` through the bridge runtime with the browser running and a
  logged-in context kept warm (the steady state of the service);
* **fresh** — the same search with a fresh browser per request: launch Chromium, new
  context, log in, search, close (what a script without a pool does);

prints p50/p95 of both and their ratio (goal ≥ 5×), then the memory one more warm
context costs (proportional set size of the Chromium process tree before and after
keeping N more logged-in contexts, each with the search frameset loaded), and the
throughput of 8 concurrent callers with one browser versus two.

    .venv/bin/python bench/web_pool.py [--warm 40] [--fresh 8] [--contexts 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from bench._common import percentile, summary
from bridges.core.config import parse_config
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.registry import build_runtime
from fixtures.helpdesk import DEMO_PASSWORD, start_app

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = ["C-00001", "C-00002", "C-00003", "C-00004", "C-00005"]


def _runtime(base_url: str, pool_size: int = 2, browsers: int = 1):
    return build_runtime(parse_config({
        "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
        "bridges": {"helpdesk": {
            "secrets": {"password": {"env": "HELPDESK_PASSWORD", "default": DEMO_PASSWORD}},
            "options": {"base_url": base_url, "pool_size": pool_size, "browsers": browsers},
            "guard": {"deadline_s": 30, "read_retries": 0},
        }},
    }, base_dir=ROOT))


def _search(runtime, n: int) -> None:
    runtime.call("helpdesk", "search_tickets", {"customer": CUSTOMERS[n % len(CUSTOMERS)]})


def _browser_memory() -> tuple[float, float]:
    """(RSS, PSS) in MiB of every Chromium process under this one."""
    rss = pss = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" not in child.name():
                continue
            info = child.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.uss)
    return rss / 2**20, pss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=40, help="warm searches measured")
    parser.add_argument("--fresh", type=int, default=8, help="fresh-browser searches measured")
    parser.add_argument("--contexts", type=int, default=6, help="extra warm contexts for the memory figure")
    args = parser.parse_args()

    with start_app(port=0) as app:
        runtime = _runtime(app.entry_url, pool_size=args.contexts + 1)
        try:
            for n in range(3):  # launch, log in, warm the page
                _search(runtime, n)
            warm = []
            for n in range(args.warm):
                started = time.perf_counter()
                _search(runtime, n)
                warm.append(time.perf_counter() - started)

            port = runtime.bridges["helpdesk"].bridge.port
            key = runtime.bridges["helpdesk"].bridge.credential.key
            before = _browser_memory()

            def open_contexts(browser):
                leases = [port.lanes[0].pool.checkout(browser, key) for _ in range(args.contexts)]
                for lease in leases:
                    lease.page.goto(app.entry_url + "index.php", wait_until="load")
                for lease in leases:
                    port.lanes[0].pool.checkin(lease)
                return len(leases)

            with deadline_scope(Deadline(60)):
                opened = port.lanes[0].owner.call(open_contexts, doing="open warm contexts")
            time.sleep(0.5)
            after = _browser_memory()
        finally:
            runtime.close()

        throughput = {}
        for browsers in (1, 2):
            parallel = _runtime(app.entry_url, browsers=browsers)
            try:
                with ThreadPoolExecutor(8) as pool:
                    list(pool.map(lambda n, rt=parallel: _search(rt, n), range(8)))  # launch and log in
                    started = time.perf_counter()
                    list(pool.map(lambda n, rt=parallel: _search(rt, n), range(args.warm)))
                    throughput[browsers] = args.warm / (time.perf_counter() - started)
            finally:
                parallel.close()

        fresh = []
        for n in range(args.fresh):
            started = time.perf_counter()
            cold = _runtime(app.entry_url)
            try:
                _search(cold, n)
            finally:
                cold.close()
            fresh.append(time.perf_counter() - started)

    per_rss = (after[0] - before[0]) / opened
    per_pss = (after[1] - before[1]) / opened
    ratio = percentile(fresh, 0.5) / percentile(warm, 0.5)
    print(f"warm context search        : {summary(warm)}")
    print(f"fresh browser per request  : {summary(fresh)}")
    print(f"browser tree before/after {opened} more warm contexts: RSS {before[0]:.0f} → {after[0]:.0f} MiB, "
          f"PSS {before[1]:.0f} → {after[1]:.0f} MiB")
    print(f"memory per warm context    : {per_pss:.1f} MiB PSS ({per_rss:.1f} MiB RSS)")
    print(f"8 concurrent callers       : {throughput[1]:.1f} searches/s with 1 browser, "
          f"{throughput[2]:.1f}/s with 2 ({throughput[2] / throughput[1]:.2f}x)")
    print(f"p50 ratio fresh/warm: {ratio:.1f}x (goal >= 5x)")


if __name__ == "__main__":
    main()
