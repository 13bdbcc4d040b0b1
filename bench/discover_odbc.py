"""Time to a working new database bridge: ``bridges new --transport odbc``, then ``bridges discover
odbc`` against the ORDERS demo database (SQLite through sqliteodbc, its views ``V*``), then the
package's generated tests live (recording the cassette), then in replay with the database file
moved away. Prints each step's wall-clock time, the generated module's line count and the
cassette's size.

    .venv/bin/python bench/discover_odbc.py [--tables 'V*'] [--sample 200]

The last line is the headline figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facade_app.cli import main as bridges  # noqa: E402
from fixtures.orders.load_sqlite import build_sqlite  # noqa: E402


def _pytest(package: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=package,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"the generated tests failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="V*")
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database = build_sqlite(work / "orders.sqlite")
        connect = f"Driver=SQLite3;Database={database}"
        package = work / "acme"
        steps: list[tuple[str, float]] = []
        start = mark = time.perf_counter()

        def step(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            steps.append((name, now - mark))
            mark = now

        assert bridges(["new", "--transport", "odbc", "acme", "--dir", str(work), "--dsn", connect]) == 0
        step("bridges new")
        assert bridges(["discover", "odbc", "--connect", connect, "--tables", args.tables,
                        "--sample", str(args.sample), "--package", str(package)]) == 0
        step("bridges discover odbc")
        live = _pytest(package, "-m", "live", "--bridges-record=once")
        step("generated tests, live (recording)")
        database.rename(work / "moved-away.sqlite")
        replay = _pytest(package)
        step("generated tests, replay (database moved away)")
        total = time.perf_counter() - start
        lines = len((package / "acme" / "bridge.py").read_text(encoding="utf-8").splitlines())
        cassette = (package / "cassettes" / "acme.yaml").stat().st_size
    for name, seconds in steps:
        print(f"{name:<48} {seconds:7.2f} s")
    print(f"live: {live}\nreplay: {replay}")
    print(f"generated bridge module: {lines} lines; cassette {cassette / 1024:.0f} KiB")
    print(f"bridges new -> discover -> live -> replayed tests: {total:.1f} s, {lines} generated lines")


if __name__ == "__main__":
    main()
