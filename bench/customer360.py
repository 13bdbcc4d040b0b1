"""What the customer-360 saves an agent: its latency vs the same three calls made one after another
(CUSTMAST get_customer, ORDERS list_orders, HELPDESK search_tickets), in one run, through the
facade's pipeline with warm pools; then its latency with the CUSTMAST host answering 5 s late.

The CUSTMAST demo host, the HELPDESK app (Chromium) and the ORDERS SQLite file are started by
the bench; customers are drawn in turn from the crosswalk.

    .venv/bin/python bench/customer360.py [--calls 40]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile, summary
from bridges.core.config import parse_config
from bridges.custmast.demo import demo_bridge_config as custmast_config
from bridges.helpdesk.demo import demo_bridge_config as helpdesk_config
from bridges.orders.demo import demo_bridge_config as orders_config
from facade_app import create_app
from fixtures.custmast import start_host
from fixtures.helpdesk import start_app
from fixtures.orders import ensure_sqlite

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-c360-key"


def _config(workdir: Path, host, helpdesk) -> dict:
    return {
        "facade": {"review_store": "sqlite://", "rate_limit": "100000/minute"},
        "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
        "api_keys": [{"name": "bench", "key": {"env": "BENCH_C360_KEY", "default": KEY}, "scopes": ["*"]}],
        "bridges": {
            "orders": orders_config(ensure_sqlite(workdir / "orders.db")),
            "custmast": custmast_config(host.host, host.port),
            "helpdesk": helpdesk_config(helpdesk.entry_url),
            "customer360": {"options": {"deadline_s": 3}},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {KEY}"}
    ids = [f"C-{n:05d}" for n in range(1, 41)]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        host = stack.enter_context(start_host(host="127.0.0.1", port=0))
        helpdesk = stack.enter_context(start_app(host="127.0.0.1", port=0))
        app = create_app(parse_config(_config(Path(tmp), host, helpdesk), base_dir=Path(tmp)))
        stack.callback(app.extensions["legacy_bridges"]["runtime"].close)
        client = app.test_client()

        def get(path: str, **query: object) -> dict:
            r = client.get(path, query_string=query, headers=headers)
            assert r.status_code == 200, (path, r.get_json())
            return r.get_json()

        each: dict[str, list[float]] = {"custmast": [], "orders": [], "helpdesk": []}

        def timed(system: str, path: str, **query: object) -> None:
            t = time.perf_counter()
            get(path, **query)
            each[system].append(time.perf_counter() - t)

        def sequential(customer: str) -> None:
            timed("custmast", "/v1/custmast/get_customer", customer=customer)
            timed("orders", "/v1/orders/list_orders", customer=customer, limit=5)
            timed("helpdesk", "/v1/helpdesk/search_tickets", customer=customer, status="open")

        def composite(customer: str) -> None:
            assert get("/v1/customer360/get_customer_360", customer=customer)["complete"]

        for customer in ids[:3]:  # warm: browser launch and login, sign-ons, connections
            sequential(customer)
            composite(customer)

        def compare(calls: int) -> tuple[list[float], list[float]]:
            seq, par = [], []
            for customer in itertools.islice(itertools.cycle(ids), calls):  # interleaved: the same load for both
                t = time.perf_counter()
                sequential(customer)
                seq.append(time.perf_counter() - t)
                t = time.perf_counter()
                composite(customer)
                par.append(time.perf_counter() - t)
            return seq, par

        seq, par = compare(args.calls)
        for system, samples in each.items():
            print(f"  {system} alone: {summary(samples[3:])}")
        print(f"three calls one after another: {summary(seq)}")
        print(f"customer360 (parallel parts):  {summary(par)}")
        host.faults.latency = 0.1  # a mainframe answering each screen 100 ms late
        for system in each:
            each[system].clear()
        seq_late, par_late = compare(args.calls // 2)
        host.faults.latency = 0.0
        print(f"CUSTMAST 100 ms per screen: custmast alone {summary(each['custmast'])}")
        print(f"  three calls one after another: {summary(seq_late)}")
        print(f"  customer360 (parallel parts):  {summary(par_late)}")

        host.faults.latency = 5.0
        slow = []
        for customer in ids[:3]:
            t = time.perf_counter()
            body = get("/v1/customer360/get_customer_360", customer=customer)
            slow.append(time.perf_counter() - t)
            assert body["customer"]["error"]["error_type"] == "timeout", body["customer"]
        host.faults.latency = 0.0
        print(f"customer360 with CUSTMAST 5 s late (deadline 3 s, customer part timed out): {summary(slow)}")
    ratio = percentile(seq, 0.5) / percentile(par, 0.5)
    ratio_late = percentile(seq_late, 0.5) / percentile(par_late, 0.5)
    # printed after the systems stopped, so that no log line of their shutdown comes after it
    print(f"customer360 p50 {percentile(par, 0.5) * 1000:.0f} ms vs three sequential calls "
          f"{percentile(seq, 0.5) * 1000:.0f} ms ({ratio:.2f}x); with CUSTMAST at 100 ms a screen "
          f"{percentile(par_late, 0.5) * 1000:.0f} vs {percentile(seq_late, 0.5) * 1000:.0f} ms ({ratio_late:.2f}x); "
          f"with CUSTMAST 5 s late it answers in {max(slow) * 1000:.0f} ms at most (deadline 3000 ms)", flush=True)


if __name__ == "__main__":
    main()
