"""rdbms and ORDERS throughput, measured against baselines in the same run.

(a) Requests/s over real HTTP, the facade (gunicorn, 2 workers × 4 threads) versus
    Datasette (its own server, immutable mode) serving the same SQLite file:
    an order lookup (facade ``get_order`` — header and lines — versus Datasette's
    header row by primary key) and a 100-row page (facade ``list_products`` versus
    Datasette's ``VPRDMST`` table page of 100), each by 4 keep-alive client threads.
(b) A 1,000,000-row export from SQLite through sqliteodbc, each way in its own
    process (peak RSS = that process's VmHWM): raw pyodbc ``fetchmany`` (driver
    default, which loads the whole result, and with ``StepAPI=1``, which the rdbms
    stream uses); the rdbms port's ``stream()``; and a declared-view export (RowStream
    of normalised rows, what the facade serialises). The ways run in alternation for
    ``--rounds`` rounds; rows/s are from the process's CPU time (the driver runs in
    process, so this is the work done, whatever else loads the machine), the median
    round is reported, and wall-clock rows/s are printed beside them.
(c) End to end over HTTP: the facade's NDJSON and CSV export of the declared view
    ``VBIGLIN`` (gunicorn, one request at a time) against Datasette's streamed CSV
    (``?_stream=on``) of the same rows, ``--http-rows`` of them (wall clock, client
    reading the whole body).

    .venv/bin/python bench/rdbms.py [--seconds 6] [--rows 1000000] [--rounds 3] [--http-rows 200000]

The last line is the headline figure.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import free_port, gunicorn_facade, serving  # noqa: E402

KEY = "bench-key"


# --- (a) requests/s -----------------------------------------------------------------------

def _hammer(base: str, paths: list[str], seconds: float, headers: dict[str, str], clients: int = 4) -> float:
    """Requests/s of ``clients`` keep-alive threads cycling through ``paths`` for ``seconds``."""
    host, port = base.removeprefix("http://").split(":")
    counts = [0] * clients
    stop = time.monotonic() + seconds
    failures: list[str] = []

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = slot
        while time.monotonic() < stop:
            conn.request("GET", paths[i % len(paths)], headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {paths[i % len(paths)]}: {body[:200]!r}")
                return
            counts[slot] += 1
            i += clients
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"bench request failed: {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def _warm(base: str, paths: list[str], headers: dict[str, str]) -> None:
    _hammer(base, paths, 0.5, headers, clients=2)


@contextlib.contextmanager
def _datasette(db: Path) -> Iterator[str]:
    port = free_port()
    exe = Path(sys.executable).with_name("datasette")
    command = [str(exe), "serve", "-i", str(db), "-h", "127.0.0.1", "-p", str(port),
               "--setting", "default_page_size", "100"]
    with serving(command, port) as url:
        yield url


def requests_per_second(workdir: Path, db: Path, seconds: float, rounds: int = 3) -> dict[str, float]:
    import tomli_w

    from bridges.orders.demo import demo_bridge_config

    config = {
        "facade": {"rate_limit": "100000000/minute"},
        "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
        "api_keys": [{"name": "bench", "key": {"env": "BENCH_KEY", "default": KEY}, "scopes": ["orders:read"]}],
        "bridges": {"orders": demo_bridge_config(db)},
    }
    toml_path = workdir / "bench-rdbms.toml"
    toml_path.write_text(tomli_w.dumps(config), encoding="utf-8")
    orders = [f"{100001 + (i * 97) % 20000:010d}" for i in range(200)]
    name = db.stem
    auth = {"Authorization": f"Bearer {KEY}"}
    cases = {
        "facade_lookup": ([f"/v1/orders/get_order?order_no={n}" for n in orders], auth),
        "facade_page": (["/v1/orders/list_products?limit=100",
                         "/v1/orders/list_products?limit=100&status=active"], auth),
        "datasette_lookup": ([f"/{name}/ORDHDR/{n}.json" for n in orders], {}),
        "datasette_page": ([f"/{name}/VPRDMST.json?_size=100&_shape=array",
                            f"/{name}/VPRDMST.json?_size=100&_shape=array&PRSTAT=A"], {}),
    }
    samples: dict[str, list[float]] = {case: [] for case in cases}
    # Both servers up at once and measured in alternation, so background load on the
    # machine hits both sides alike; the median of the rounds is reported.
    with gunicorn_facade(toml_path, workers=2, threads=4) as facade, _datasette(db) as datasette:
        bases = {"facade": facade, "datasette": datasette}
        for case, (paths, headers) in cases.items():
            _warm(bases[case.split("_")[0]], paths, headers)
        for _ in range(rounds):
            for case, (paths, headers) in cases.items():
                samples[case].append(_hammer(bases[case.split("_")[0]], paths, seconds / rounds, headers))
    results = {case: statistics.median(values) for case, values in samples.items()}
    return results


# --- (b) 1 M-row export -----------------------------------------------------------------------

_EXPORT_CHILD = r"""
import json, sys, time
mode, db = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
conn_str = f"Driver=SQLite3;Database={db}"
rows = 0
# Each way opens its connection first; the clocks measure the export alone.
if mode.startswith("raw"):
    import pyodbc
    step = "" if mode == "raw" else ";StepAPI=1"
    cnxn = pyodbc.connect(f"Driver=SQLite3;Database=file:{db}?mode=ro;NoCreat=1{step}", autocommit=True)
    if mode == "raw-utf8":  # the text decoding the port sets (rdbms.dialects._text_as_utf8)
        for sql_type in (pyodbc.SQL_CHAR, pyodbc.SQL_WCHAR):
            cnxn.setdecoding(sql_type, encoding="utf-8", ctype=pyodbc.SQL_CHAR)
    started, cpu = time.perf_counter(), time.process_time()
    cur = cnxn.cursor()
    cur.execute("SELECT * FROM VBIGLIN")
    while True:
        batch = cur.fetchmany(1000)
        if not batch:
            break
        rows += len(batch)
elif mode == "port":
    from rdbms import RdbmsSettings, open_connection
    port = open_connection(RdbmsSettings(connection=conn_str, dialect="sqlite"), system="bench")
    started, cpu = time.perf_counter(), time.process_time()
    for batch in port.stream("SELECT * FROM VBIGLIN", batch_size=1000).batches:
        rows += len(batch)
else:
    from bench.rdbms_export import BIG, open_big
    bridge = open_big(conn_str)
    started, cpu = time.perf_counter(), time.process_time()
    # Pulled as the facade pulls a RowStream: batch by batch.
    rows = sum(map(len, bridge.export_big_lines(BIG.filter_model()).batches()))
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
with open("/proc/self/status") as status:
    hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"rows": rows, "seconds": elapsed, "cpu_seconds": cpu, "peak_rss_mb": hwm_kb / 1024}))
"""

EXPORT_MODES = ("raw", "raw-step", "raw-utf8", "port", "bridge")


def export(db: Path, mode: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _EXPORT_CHILD, mode, str(db), str(ROOT)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"export {mode} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def exports(db: Path, rounds: int) -> dict[str, dict[str, float]]:
    """Each way ``rounds`` times in alternation; per way the round of median CPU time, and its
    ratio to raw ``StepAPI=1`` (and ``like_ratio`` to raw with the port's UTF-8 text decoding too) as
    the median of the per-round ratios."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in EXPORT_MODES}
    for _ in range(rounds):
        for mode in EXPORT_MODES:
            runs[mode].append(export(db, mode))
    out = {}
    for mode, results in runs.items():
        ordered = sorted(results, key=lambda r: r["cpu_seconds"])
        median = dict(ordered[len(ordered) // 2])
        median["ratio"] = statistics.median(raw["cpu_seconds"] / r["cpu_seconds"]
                                            for raw, r in zip(runs["raw-step"], results, strict=True))
        median["like_ratio"] = statistics.median(raw["cpu_seconds"] / r["cpu_seconds"]
                                                 for raw, r in zip(runs["raw-utf8"], results, strict=True))
        median["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
        out[mode] = median
    return out


def build_big(db: Path, rows: int) -> None:
    import sqlite3

    from fixtures.orders import fill_big_table

    conn = sqlite3.connect(db)
    try:
        fill_big_table(conn, "sqlite", rows, reader=None)
        conn.commit()
    finally:
        conn.close()


# --- (c) end to end over HTTP ---------------------------------------------------------------------

def _download(base: str, path: str, headers: dict[str, str]) -> tuple[int, float]:
    """Lines of the body (header line included) and the seconds to read it all."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"bench download failed: {response.status} {path}: {response.read()[:300]!r}")
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    conn.close()
    return lines, elapsed


def end_to_end(workdir: Path, db: Path, rounds: int) -> dict[str, float]:
    """Rows/s of the facade's NDJSON and CSV export and of Datasette's streamed CSV (median of rounds)."""
    import tomli_w

    config = {
        "facade": {"rate_limit": "100000000/minute"},
        "crosswalk": str(ROOT / "fixtures" / "crosswalk-v1.csv"),
        "api_keys": [{"name": "bench", "key": {"env": "BENCH_KEY", "default": KEY}, "scopes": ["bench_big:read"]}],
        "bridges": {"bench_big": {"options": {"connection": f"Driver=SQLite3;Database={db}", "dialect": "sqlite",
                                              "key_check_s": 300, "stream_deadline_s": 3600},
                                  "guard": {"deadline_s": 300}}},
    }
    toml_path = workdir / "bench-big.toml"
    toml_path.write_text(tomli_w.dumps(config), encoding="utf-8")
    auth = {"Authorization": f"Bearer {KEY}"}
    cases = {
        "facade_ndjson": ("/v1/bench_big/export_big_lines", {**auth, "Accept": "application/x-ndjson"}, 0),
        "facade_csv": ("/v1/bench_big/export_big_lines", {**auth, "Accept": "text/csv"}, 1),
        "datasette_csv": (f"/{db.stem}/BIGLIN.csv?_stream=on&_size=max", {}, 1),
    }
    samples: dict[str, list[float]] = {case: [] for case in cases}
    with gunicorn_facade(toml_path, workers=1, threads=4, app="bench.big_wsgi:app") as facade, \
            _datasette(db) as datasette:
        bases = {"facade": facade, "datasette": datasette}
        for _ in range(rounds):
            for case, (path, headers, header_lines) in cases.items():
                lines, seconds = _download(bases[case.split("_")[0]], path, headers)
                samples[case].append((lines - header_lines) / seconds)
    return {case: statistics.median(values) for case, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring time per HTTP case (3 rounds)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the export")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the export ways, in alternation")
    parser.add_argument("--http-rows", type=int, default=200_000, help="rows of the end-to-end HTTP export")
    args = parser.parse_args()
    from fixtures.orders import build_sqlite

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = build_sqlite(workdir / "orders.db")
        rps = requests_per_second(workdir, db, args.seconds)
        print(f"order lookup  facade {rps['facade_lookup']:8.0f} req/s   datasette {rps['datasette_lookup']:8.0f} "
              f"req/s   ratio {rps['facade_lookup'] / rps['datasette_lookup']:.2f}x  (goal >= 1.0x)")
        print(f"100-row page  facade {rps['facade_page']:8.0f} req/s   datasette {rps['datasette_page']:8.0f} "
              f"req/s   ratio {rps['facade_page'] / rps['datasette_page']:.2f}x  (goal >= 1.0x)")

        big = workdir / "big.db"
        build_sqlite(big)
        build_big(big, args.rows)
        ways = exports(big, args.rounds)
        print(f"ratios are against raw pyodbc fetchmany with StepAPI=1 (and, second, with the port's UTF-8 text "
              f"decoding too), by CPU time, median of {args.rounds} alternating rounds:")
        for label, mode in (("raw pyodbc fetchmany, driver default", "raw"),
                            ("raw pyodbc fetchmany, StepAPI=1", "raw-step"),
                            ("raw pyodbc, StepAPI=1, UTF-8 text", "raw-utf8"), ("rdbms port stream()", "port"),
                            ("declared-view export (normalised)", "bridge")):
            r = ways[mode]
            print(f"{label:38s} {r['rows']:>9,} rows  {r['rows'] / r['cpu_seconds']:>10,.0f} rows/s CPU "
                  f"({r['rows'] / r['seconds']:>9,.0f} wall)  peak RSS {r['peak_rss_mb']:6.1f} MB  "
                  f"ratio {r['ratio']:.2f}x / {r['like_ratio']:.2f}x")

        http_db = workdir / "http.db"
        build_sqlite(http_db)
        build_big(http_db, args.http_rows)
        e2e = end_to_end(workdir, http_db, args.rounds)
        for case, label in (("facade_ndjson", "facade NDJSON export (HTTP)"),
                            ("facade_csv", "facade CSV export (HTTP)"),
                            ("datasette_csv", "datasette CSV ?_stream=on (HTTP)")):
            print(f"{label:38s} {args.http_rows:>9,} rows  {e2e[case]:>10,.0f} rows/s wall  "
                  f"ratio {e2e[case] / e2e['datasette_csv']:.2f}x datasette CSV")
        bridge = ways["bridge"]
        rate = bridge["rows"] / bridge["cpu_seconds"]
        print(f"HEADLINE: {args.rows:,}-row normalised declared-view export {rate:,.0f}"
              f" rows/s CPU = {bridge['ratio']:.2f}x raw pyodbc (goal >= 0.8x; {bridge['like_ratio']:.2f}x raw with the"
              f" same UTF-8 text decoding), peak RSS {bridge['peak_rss_mb']:.0f} MB"
              f" (goal < 150 MB); HTTP export NDJSON {e2e['facade_ndjson'] / e2e['datasette_csv']:.2f}x / CSV "
              f"{e2e['facade_csv'] / e2e['datasette_csv']:.2f}x Datasette streamed CSV (goal >= 1.0x); "
              f"lookup {rps['facade_lookup'] / rps['datasette_lookup']:.2f}x / page "
              f"{rps['facade_page'] / rps['datasette_page']:.2f}x Datasette req/s")


if __name__ == "__main__":
    main()
