"""What metrics, JSON logs and the SQL audit cost: ORDERS lookups per second through the facade
under gunicorn (2 workers, 8 keep-alive clients) with ``/metrics`` counting, JSON logs at INFO
(every audit line logged) and the hash-chained audit store in its default place (SQLite,
``audit.db`` in the state folder, personal inputs digested) — "on" — versus metrics off, logs at
WARNING and the audit store off — "off" — in the same run (alternating rounds, so a noisy
neighbour hits both alike; clients reconnect every few requests so that neither setting's round is
halved by every keep-alive connection landing on one worker). Goal: ≥ 0.8× off. The last line is the
headline: the ratio of the medians over the rounds (one round's figure swings with its neighbours).

    .venv/bin/python bench/observability.py [--seconds 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tomli_w

from bench._common import gunicorn_facade
from bench.facade_overhead import KEY, _config
from facade_app.audit_chain import AuditChain

CLIENTS = 8
RECONNECT_EVERY = 50


def requests_per_second(base: str, seconds: float, numbers: list[str]) -> float:
    """Lookups answered per second by ``CLIENTS`` keep-alive clients over ``seconds``."""
    host, port = base.removeprefix("http://").split(":")
    counts = [0] * CLIENTS
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port))
        headers = {"Authorization": f"Bearer {KEY}"}
        n = index
        while time.monotonic() < stop:
            if n // CLIENTS % RECONNECT_EVERY == 0:
                # a new connection now and then: keep-alive connections all accepted by one of the two
                # workers would halve the figure for the whole round, whatever the setting
                conn.close()
                conn = http.client.HTTPConnection(host, int(port))
            conn.request("GET", f"/v1/orders/get_order?order_no={numbers[n % len(numbers)]}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
            counts[index] += 1
            n += CLIENTS
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each setting, alternating")
    args = parser.parse_args()
    numbers = [f"{100001 + i:010d}" for i in range(20)]
    results: dict[str, list[float]] = {"on": [], "off": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        data = _config(workdir)
        paths = {}
        for setting, facade in (
            ("on", {"metrics": True, "log_format": "json", "log_level": "info"}),  # the audit store: default
            ("off", {"metrics": False, "log_level": "warning", "audit_store": "off"}),
        ):
            path = workdir / f"bridges-{setting}.toml"
            path.write_text(
                tomli_w.dumps({**data, "facade": {**data["facade"], **facade, "state_dir": f"state-{setting}"}}),
                encoding="utf-8",
            )
            paths[setting] = path
        for _ in range(args.rounds):
            for setting in ("off", "on"):
                with gunicorn_facade(paths[setting], workers=2) as base:
                    requests_per_second(base, 2.0, numbers)  # warm-up: imports, pools, caches
                    results[setting].append(requests_per_second(base, args.seconds, numbers))
                    print(f"{setting:>4}: {results[setting][-1]:8.1f} requests/s", flush=True)
        store = AuditChain(f"sqlite:///{workdir / 'state-on' / 'audit.db'}")
        newest = store.tail(1)
        broken = store.verify()
        print(f"audit store: {newest[0][0] if newest else 0} records, chain {'intact' if broken is None else broken}")
    on, off = (statistics.median(results[s]) for s in ("on", "off"))
    best_on, best_off = (max(results[s]) for s in ("on", "off"))
    print(f"best of {args.rounds}: on {best_on:.1f}, off {best_off:.1f} requests/s ({best_on / best_off:.2f}x)")
    print(f"median of {args.rounds}: on {on:.1f}, off {off:.1f} requests/s")
    print(f"with metrics, JSON logs and the SQL audit store on: {on / off:.2f}x the requests/s of off (goal >= 0.8x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
