"""Time to a working new TN3270 bridge: ``bridges new`` → ``bridges discover tn3270 --walk`` →
the generated tests live (recording) → the host stopped → the generated tests in replay.

Every step is the command an engineer types (``python -m facade_app.cli`` for ``bridges``, and
``pytest`` in the package), against the CUSTMAST demo host with the walk in
``fixtures/custmast/discover-walk.txt``. Prints each step's wall time, the generated module's
lines, and last the headline figure.

    .venv/bin/python bench/discover_tn3270.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.custmast import start_host  # noqa: E402

PASSWORD = "Dem0-Pass"  # the demo host's published password


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        package = work / "acme_tn"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ACME_TN_PASSWORD": PASSWORD}
        bridges = [sys.executable, "-m", "facade_app.cli"]
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        host = start_host(port=0, codepage="cp037")
        try:
            steps = {
                "bridges new": _run([*bridges, "new", "--transport", "tn3270", "acme_tn", "--dir", tmp], work, env),
                "bridges discover": _run(
                    [
                        *bridges,
                        "discover",
                        "tn3270",
                        "--host",
                        host.address,
                        "--user",
                        "DEMO01",
                        "--walk",
                        str(ROOT / "fixtures" / "custmast" / "discover-walk.txt"),
                        "--package",
                        str(package),
                    ],
                    work,
                    env,
                ),
                "tests live (record)": _run([*pytest, "-m", "live", "--bridges-record=once"], package, env),
            }
        finally:
            host.stop()
        steps["tests in replay, host stopped"] = _run(pytest, package, env)
        lines = len((package / "acme_tn" / "bridge.py").read_text(encoding="utf-8").splitlines())
    for name, seconds in steps.items():
        print(f"{name:<32} {seconds:6.2f} s")
    print(f"generated acme_tn/bridge.py: {lines} lines")
    print(f"tn3270: bridges new to replayed tests in {sum(steps.values()):.1f} s, generated bridge.py {lines} lines")


if __name__ == "__main__":
    main()
