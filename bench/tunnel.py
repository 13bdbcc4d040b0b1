"""What an SSH tunnel costs: p50 of a CUSTMAST lookup (TN3270) and an ORDERS lookup (PostgreSQL over
ODBC), each direct and through a paramiko tunnel via a real sshd on loopback, in one run.

The sshd (throw-away keys in a temp folder), the CUSTMAST demo host and ORDERS in PostgreSQL
(schema ``orders_bench_tunnel``, dropped afterwards) are started by the bench; each lookup runs
through the bridge runtime (validation, guard, the transport) with warm pools.

    .venv/bin/python bench/tunnel.py [--calls 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile
from bridges.core.config import parse_config
from bridges.core.registry import build_runtime
from fixtures.orders.load_servers import DEFAULT_POSTGRES_DSN, drop_postgres, ensure_postgres
from mainframe.testing import demo_host
from tests.ssh_server import ssh_server

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "orders_bench_tunnel"
PG_ODBC = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test"


def _entries(host_port: int, tunnel: dict[str, Any] | None) -> dict[str, Any]:
    extra = {"tunnel": tunnel} if tunnel else {}
    return {
        "custmast": {
            "secrets": {"password": {"env": "CUSTMAST_BENCH_PASSWORD", "default": "Dem0-Pass"}},
            "options": {"host": "127.0.0.1", "port": host_port, "pool": {"min_size": 2, "max_size": 2}},
            "guard": {"deadline_s": 10, "read_retries": 0},
            **extra,
        },
        "orders": {
            "options": {
                "connection": PG_ODBC,
                "dialect": "postgresql",
                "user": "postgres",
                "db_schema": SCHEMA,
                "allow_write_account": True,
            },
            "guard": {"deadline_s": 10, "read_retries": 0},
            **extra,
        },
    }


def _p50(runtime: Any, bridge: str, op: str, args: dict[str, Any], calls: int) -> float:
    for _ in range(20):  # warm pools and caches
        runtime.call(bridge, op, args)
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        runtime.call(bridge, op, args)
        samples.append(time.perf_counter() - start)
    return percentile(samples, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    ensure_postgres(DEFAULT_POSTGRES_DSN, SCHEMA)
    lookups = {
        "custmast": ("get_customer", {"customer": "C-00001"}),
        "orders": ("get_order", {"order_no": "0000100001"}),
    }
    results: dict[tuple[str, str], float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp, ssh_server(Path(tmp) / "sshd") as sshd, demo_host() as host:
            for mode, tunnel in (("direct", None), ("tunnel", sshd.tunnel_table())):
                config = parse_config(
                    {"crosswalk": "fixtures/crosswalk-v1.csv", "bridges": _entries(host.port, tunnel)}, base_dir=ROOT
                )
                runtime = build_runtime(config)
                try:
                    for bridge, (op, call_args) in lookups.items():
                        results[(bridge, mode)] = _p50(runtime, bridge, op, call_args, args.calls)
                finally:
                    runtime.close()
    finally:
        drop_postgres(DEFAULT_POSTGRES_DSN, SCHEMA)
    for bridge in lookups:
        direct, tunnelled = results[(bridge, "direct")], results[(bridge, "tunnel")]
        print(
            f"{bridge}: p50 direct {direct * 1000:.2f} ms, through the SSH tunnel {tunnelled * 1000:.2f} ms "
            f"(+{(tunnelled - direct) * 1000:.2f} ms) over {args.calls} calls"
        )
    c, o = (
        (results[("custmast", m)] for m in ("direct", "tunnel")),
        (results[("orders", m)] for m in ("direct", "tunnel")),
    )
    (cd, ct), (od, ot) = c, o
    print(
        f"SSH tunnel overhead, p50: CUSTMAST lookup {cd * 1000:.2f} -> {ct * 1000:.2f} ms, "
        f"ORDERS lookup {od * 1000:.2f} -> {ot * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
