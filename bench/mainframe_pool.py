"""A CUSTMAST customer lookup: warm session pool versus a cold session per request.

Starts the CUSTMAST demo host in its own process, then measures, in the same run, the latency of
``get_customer``:

* **warm** — through the bridge runtime (validation, guard, a pooled signed-on session
  resting on the inquiry screen: one screen per lookup, output validation);
* **cold** — what a script without a pool does: spawn s3270 (through py3270), connect,
  sign on, look up, sign off (PF12), end the process — for every request;

each at 1 and at 8 concurrent callers, and prints p50/p95 and the ratio of the p50s.
Goal: warm ≥ 20× faster at 8 concurrent. The last line is the headline ratio.

    .venv/bin/python bench/mainframe_pool.py [--warm 400] [--cold 48]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import free_port, percentile, summary
from bridges.core.config import parse_config
from bridges.core.deadline import Deadline, deadline_scope
from bridges.core.registry import build_runtime
from fixtures.custmast import DEFAULT_PASSWORD
from fixtures.world import customers
from mainframe import LiveTerminal

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def host_process() -> Iterator[tuple[str, int]]:
    """The demo host in its own process, as a real host would be (not sharing our GIL)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.custmast", "--port", str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        else:
            raise SystemExit("the CUSTMAST host did not start")
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cold_lookup(host: str, port: int, number: str) -> str:
    """Spawn, connect, sign on, look up, sign off — one request, no pool."""
    terminal = LiveTerminal(host, port)
    try:
        with deadline_scope(Deadline(30)):
            terminal.connect()
            terminal.send("Enter", {(8, 28): "DEMO03", (10, 28): DEFAULT_PASSWORD})
            screen = terminal.send("Enter", {(10, 28): "1", (12, 28): number})
            name = screen.text(6, 20, 40).strip()
            terminal.send("PF12")
            return name
    finally:
        terminal.close()


def measure(call: Callable[[str], object], numbers: list[str], concurrency: int) -> list[float]:
    """Latency of each call, ``concurrency`` callers at a time."""
    samples: list[float] = []
    lock = threading.Lock()

    def one(number: str) -> None:
        started = time.perf_counter()
        call(number)
        elapsed = time.perf_counter() - started
        with lock:
            samples.append(elapsed)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, numbers))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=400, help="warm lookups per concurrency level")
    parser.add_argument("--cold", type=int, default=48, help="cold lookups per concurrency level")
    args = parser.parse_args()
    world = customers()
    rng = random.Random(3270)

    with host_process() as (host_name, port):
        config = parse_config({
            "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
            "bridges": {"custmast": {
                "guard": {"deadline_s": 30, "max_concurrency": 8, "queue_timeout_s": 30, "read_retries": 0},
                "secrets": {"password": {"env": "CUSTMAST_PASSWORD", "default": DEFAULT_PASSWORD}},
                "options": {"host": host_name, "port": port,
                            "pool": {"min_size": 8, "max_size": 8, "acquire_timeout_s": 30}},
            }},
        }, base_dir=ROOT)
        runtime = build_runtime(config)
        try:
            if not runtime.bridges["custmast"].bridge.pool.wait_ready(30):
                raise SystemExit("the pool did not fill")

            def warm(number: str) -> object:
                return runtime.call("custmast", "get_customer", {"customer": number})

            def cold(number: str) -> object:
                return cold_lookup(host_name, port, number)

            measure(warm, [c.custmast_no for c in world[:40]], 8)  # warm-up: imports, caches
            results = {}
            for concurrency in (1, 8):
                for label, call, count in (("warm pool", warm, args.warm), ("cold session", cold, args.cold)):
                    numbers = [rng.choice(world).custmast_no for _ in range(count)]
                    results[(label, concurrency)] = samples = measure(call, numbers, concurrency)
                    print(f"{label:>12} @ {concurrency} concurrent: {summary(samples)}", flush=True)
            for concurrency in (1, 8):
                ratio = percentile(results[("cold session", concurrency)], 0.5) / percentile(
                    results[("warm pool", concurrency)], 0.5)
                print(f"p50 cold/warm @ {concurrency} concurrent: {ratio:.1f}x")
            print(f"pool: {runtime.bridges['custmast'].bridge.pool.status()}")
        finally:
            runtime.close()
    print(f"warm pool is {ratio:.1f}x faster than a cold py3270 session per request at 8 concurrent (p50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
