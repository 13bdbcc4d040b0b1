"""Time to a working new bridge per transport: ``bridges new`` → the generated tests live
(recording) → the demo system stopped → the generated tests in replay; and the lines written.

Every step is the command an engineer types (``python -m facade_app.cli`` for ``bridges``, and
``pytest`` in the package), against the demo systems: the CUSTMAST host (tn3270), the ORDERS
SQLite database (odbc) and the HELPDESK app (web). Prints each step's wall time, the generated
lines (bridge.py, and every file written), and last the headline figure.

    .venv/bin/python bench/new_bridge.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.custmast import start_host  # noqa: E402
from fixtures.helpdesk import start_app  # noqa: E402
from fixtures.orders.load_sqlite import build_sqlite  # noqa: E402

PASSWORDS = {"tn3270": "Dem0-Pass", "web": "hd-Pass.2005"}  # the demo systems' published passwords


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def _system(transport: str, work: Path) -> tuple[list[str], Callable[[], None]]:
    """Start the transport's demo system: the ``bridges new`` flags that point at it, and its stop."""
    if transport == "tn3270":
        host = start_host(port=0, codepage="cp037")
        return ["--host", host.host, "--port", str(host.port)], host.stop
    if transport == "web":
        app = start_app(port=0)
        return ["--url", app.entry_url], app.stop
    database = build_sqlite(work / "orders.sqlite")
    return ["--dsn", f"Driver=SQLite3;Database={database}"], database.unlink


def _lines(folder: Path) -> int:
    return sum(
        len(p.read_text(encoding="utf-8").splitlines())
        for p in folder.rglob("*")
        if p.is_file() and "cassettes" not in p.parts and "__pycache__" not in p.parts
    )


def measure(transport: str) -> tuple[dict[str, float], int, int]:
    """(step → seconds, bridge.py lines, lines of every file written) for one transport."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        name = f"acme_{transport}"
        package = work / name
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if transport in PASSWORDS:
            env[f"{name.upper()}_PASSWORD"] = PASSWORDS[transport]
        bridges = [sys.executable, "-m", "facade_app.cli"]
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        flags, stop = _system(transport, work)
        try:
            steps = {
                "bridges new": _run([*bridges, "new", "--transport", transport, name, "--dir", tmp, *flags], work, env),
                "tests live (record)": _run([*pytest, "-m", "live", "--bridges-record=once"], package, env),
            }
        finally:
            stop()
        replay_env = {k: v for k, v in env.items() if not k.endswith("_PASSWORD")}  # replay needs no password
        steps["tests in replay, system stopped"] = _run(pytest, package, replay_env)
        bridge_lines = len((package / name / "bridge.py").read_text(encoding="utf-8").splitlines())
        return steps, bridge_lines, _lines(package)


def main() -> None:
    totals = {}
    for transport in ("tn3270", "odbc", "web"):
        steps, bridge_lines, all_lines = measure(transport)
        for step, seconds in steps.items():
            print(f"{transport:<7} {step:<32} {seconds:6.2f} s")
        print(f"{transport:<7} generated bridge.py {bridge_lines} lines, {all_lines} lines in all")
        totals[transport] = (sum(steps.values()), bridge_lines)
    print(
        "bridges new to replayed tests: "
        + ", ".join(f"{t} {seconds:.1f} s ({lines}-line bridge.py)" for t, (seconds, lines) in totals.items())
    )


if __name__ == "__main__":
    main()
