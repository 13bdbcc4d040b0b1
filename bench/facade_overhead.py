"""What the facade costs: an ORDERS lookup in-process versus through HTTP.

Measures, in the same run, the p50 of ``get_order`` called in-process through the
bridge runtime (validation, guard, real SQLite ODBC query, output validation) and the
p50 of the same call through the facade over real HTTP (gunicorn, 2 workers, a
keep-alive client), and prints the overhead. Goal: ≤ 1 ms.

    .venv/bin/python bench/facade_overhead.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import gunicorn_facade, percentile, summary
from bridges.core.config import parse_config
from bridges.core.registry import build_runtime

KEY = "bench-key"


def _config(workdir: Path) -> dict:
    from bridges.orders.demo import demo_bridge_config
    from fixtures.orders import build_sqlite

    db = build_sqlite(workdir / "orders.db")
    return {
        "facade": {"rate_limit": "1000000/minute"},
        "crosswalk": str(Path(__file__).resolve().parent.parent / "fixtures" / "crosswalk-v1.csv"),
        "api_keys": [{"name": "bench", "key": {"env": "BENCH_KEY", "default": KEY}, "scopes": ["orders:read"]}],
        "bridges": {"orders": demo_bridge_config(db)},
    }


def _order_numbers(runtime, count: int) -> list[str]:
    page = runtime.call("orders", "list_orders", {"customer": "C-00001"})
    numbers = [o.order_no for o in page.orders][:count]
    return numbers or ["0000100001"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        data = _config(workdir)
        config = parse_config(data, base_dir=workdir)
        runtime = build_runtime(config)
        numbers = _order_numbers(runtime, 20)

        for i in range(200):  # warm-up
            runtime.call("orders", "get_order", {"order_no": numbers[i % len(numbers)]})
        inproc = []
        for i in range(args.requests):
            started = time.perf_counter()
            runtime.call("orders", "get_order", {"order_no": numbers[i % len(numbers)]})
            inproc.append(time.perf_counter() - started)
        runtime.close()

        toml_path = workdir / "bridges.toml"
        toml_path.write_text(_to_toml(data), encoding="utf-8")
        over_http = []
        with gunicorn_facade(toml_path, workers=2) as base:
            host, port = base.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port))
            headers = {"Authorization": f"Bearer {KEY}"}
            for i in range(args.requests + 200):
                started = time.perf_counter()
                conn.request("GET", f"/v1/orders/get_order?order_no={numbers[i % len(numbers)]}", headers=headers)
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    raise SystemExit(f"HTTP {response.status}: {body[:200]!r}")
                if i >= 200:
                    over_http.append(elapsed)
            json.loads(body)
            conn.close()

    p50_in, p50_http = percentile(inproc, 0.5), percentile(over_http, 0.5)
    print(f"in-process get_order:              {summary(inproc)}")
    print(f"facade over HTTP (gunicorn, 2 w):  {summary(over_http)}")
    print(f"ratio http/in-process p50:         {p50_http / p50_in:.2f}x")
    print(f"facade overhead p50: {(p50_http - p50_in) * 1000:.3f} ms (goal <= 1 ms)")


def _to_toml(data: dict) -> str:
    """A minimal TOML writer for the bench's own config (strings, numbers, tables)."""
    import tomli_w

    return tomli_w.dumps(data)


if __name__ == "__main__":
    main()
