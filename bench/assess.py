"""Cost of ``bridges assess`` on a wide database against a plain full-table read, in one run.

Builds 20 tables of 50,000 rows (1,000,000 rows; ``fixtures.orders.wide``) in SQLite and, when
reachable, PostgreSQL (read by a SELECT-only role), then in a fresh child process each:

* the assessment (counts, samples of ``--sample`` rows, profiles, key proofs) through ODBC;
* the baseline: ``SELECT *`` of every table through the same ODBC driver, fetched in batches.

Prints per database the wall time, rows profiled per second, rows covered (counted) per second,
queries, the slowest relation, peak RSS of each child, and on PostgreSQL the most connections the
reader held at once (pg_stat_activity, polled). The last line is the headline figure.

    .venv/bin/python bench/assess.py [--tables 20] [--rows 50000] [--sample 1000] [--dialect sqlite]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.orders import connect_postgres  # noqa: E402
from fixtures.orders.wide import (  # noqa: E402
    WIDE_READER,
    build_wide_sqlite,
    drop_wide_postgres,
    load_wide_postgres,
    wide_tables,
)

PG_ODBC = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test"
MEMORY_BOUND_MIB = 256
"""The bound the assessment's peak RSS must stay under (the driver and interpreter included)."""


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _assess(settings: dict[str, Any], schema: str | None, sample: int, out: Any) -> None:
    from rdbms.assess import assess_database
    from rdbms.settings import RdbmsSettings

    start = time.perf_counter()
    found = assess_database(RdbmsSettings(**settings), schema=schema, sample_rows=sample, timeout_s=30)
    seconds = time.perf_counter() - start
    out.send(
        {
            "seconds": seconds,
            "profiled": sum(r.sampled for r in found.relations),
            "covered": sum(r.count.rows or 0 for r in found.relations),
            "exact": all(r.count.exact for r in found.relations),
            "queries": found.queries,
            "slowest": max(r.seconds for r in found.relations),
            "problems": [r.problem for r in found.relations if r.problem],
            "peak_mib": _peak_mib(),
        }
    )


def _baseline(settings: dict[str, Any], schema: str | None, tables: list[str], out: Any) -> None:
    import pyodbc

    connection = settings["connection"] + (f";UID={settings['user']}" if settings.get("user") else "")
    if "PostgreSQL" in connection:
        connection += ";UseDeclareFetch=1;Fetch=10000"  # psqlODBC buffers the whole result otherwise
    start = time.perf_counter()
    rows = 0
    cnxn = pyodbc.connect(connection)
    for table in tables:
        cursor = cnxn.cursor()
        cursor.execute(f"SELECT * FROM {schema + '.' if schema else ''}{table}")
        while batch := cursor.fetchmany(10_000):
            rows += len(batch)
        cursor.close()
    cnxn.close()
    out.send({"seconds": time.perf_counter() - start, "rows": rows, "peak_mib": _peak_mib()})


def _child(target: Any, *args: Any) -> dict[str, Any]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=target, args=(*args, child))
    process.start()
    result = parent.recv()
    process.join()
    return result


def _pg_connections(stop: threading.Event, seen: list[int]) -> None:
    with connect_postgres() as conn:
        conn.autocommit = True
        while not stop.is_set():
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (WIDE_READER,)).fetchone()
            seen.append(int(row[0]))
            stop.wait(0.005)


def _run(name: str, settings: dict[str, Any], schema: str | None, args: argparse.Namespace) -> str:
    tables = wide_tables(args.tables)
    stop, seen = threading.Event(), [0]
    watcher = None
    if name == "postgresql":
        watcher = threading.Thread(target=_pg_connections, args=(stop, seen), daemon=True)
        watcher.start()
    a = _child(_assess, settings, schema, args.sample)
    stop.set()
    if watcher:
        watcher.join()
    b = _child(_baseline, settings, schema, tables)
    print(f"{name}: {args.tables} tables x {args.rows:,} rows = {b['rows']:,} rows")
    print(
        f"  assess    {a['seconds']:7.2f} s  {a['profiled'] / a['seconds']:10,.0f} rows profiled/s  "
        f"{a['covered'] / a['seconds']:12,.0f} rows covered/s  {a['queries']} queries  "
        f"slowest relation {a['slowest']:.2f} s  peak RSS {a['peak_mib']:.0f} MiB (bound {MEMORY_BOUND_MIB} MiB)"
    )
    print(
        f"  baseline  {b['seconds']:7.2f} s  {b['rows'] / b['seconds']:10,.0f} rows read/s (SELECT * of every table)"
        f"  peak RSS {b['peak_mib']:.0f} MiB"
    )
    if name == "postgresql":
        print(
            f"  most reader connections the server saw at once: {max(seen)} (the assessment uses one at a time: a "
            "closed one's backend may still be leaving as the next arrives)"
        )
    assert a["covered"] == b["rows"] and a["exact"], "the counts do not match the rows read"
    assert not a["problems"], a["problems"]
    assert a["peak_mib"] < MEMORY_BOUND_MIB, f"peak RSS {a['peak_mib']:.0f} MiB over the bound"
    return (
        f"{name} {b['rows']:,} rows in {args.tables} tables: assess {a['seconds']:.2f} s vs full SELECT "
        f"{b['seconds']:.2f} s ({b['seconds'] / a['seconds']:.1f}x), peak RSS {a['peak_mib']:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--dialect", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    headlines = []
    if args.dialect in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            path = build_wide_sqlite(Path(tmp) / "wide.sqlite", args.tables, args.rows)
            headlines.append(
                _run("sqlite", {"connection": f"Driver=SQLite3;Database={path}", "dialect": "sqlite"}, None, args)
            )
    if args.dialect in ("postgresql", "both"):
        schema = f"wide_bench{os.getpid()}"
        with connect_postgres() as conn:
            load_wide_postgres(conn, schema, args.tables, args.rows)
        try:
            settings = {"connection": PG_ODBC, "dialect": "postgresql", "user": WIDE_READER}
            headlines.append(_run("postgresql", settings, schema, args))
        finally:
            with connect_postgres() as conn:
                drop_wide_postgres(conn, schema)
    print("; ".join(headlines))


if __name__ == "__main__":
    main()
