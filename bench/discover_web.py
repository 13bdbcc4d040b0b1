"""Time to a working web bridge: ``bridges new`` → ``bridges discover web`` → generated tests live
(recording) → generated tests replayed with the HELPDESK app stopped, and the generated line count.

Each step runs as an engineer would run it, as a command (``python -m facade_app.cli``, ``pytest``
in the package), against the HELPDESK demo app behind its login form (``--auth digest`` for HTTP
Digest).

    .venv/bin/python bench/discover_web.py [--auth form|digest]

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

from fixtures.helpdesk import DEMO_PASSWORD, start_app  # noqa: E402


def _step(label: str, command: list[str], cwd: Path, env: dict[str, str], timings: list[tuple[str, float]]) -> str:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    timings.append((label, time.perf_counter() - started))
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auth", choices=("form", "digest"), default="form")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DESK_PASSWORD": DEMO_PASSWORD, "HD_PW": DEMO_PASSWORD}
    cli = [sys.executable, "-m", "facade_app.cli"]
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    timings: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "desk"
        started = time.perf_counter()
        with start_app(auth=args.auth) as app:
            _step(
                "bridges new",
                [*cli, "new", "--transport", "web", "desk", "--dir", tmp, "--url", app.entry_url],
                ROOT,
                env,
                timings,
            )
            _step(
                "bridges discover web",
                [
                    *cli,
                    "discover",
                    "web",
                    "--url",
                    app.entry_url,
                    "--user",
                    "agent1",
                    "--password-env",
                    "HD_PW",
                    "--package",
                    str(package),
                ],
                ROOT,
                env,
                timings,
            )
            _step("tests live, recording", [*pytest, "-m", "live", "--bridges-record=once"], package, env, timings)
        replayed = _step("tests replayed, app stopped", pytest, package, env, timings)
        total = time.perf_counter() - started
        lines = len((package / "desk" / "bridge.py").read_text(encoding="utf-8").splitlines())
    for label, seconds in timings:
        print(f"{label:<30} {seconds:6.1f} s")
    print(f"replay: {replayed.strip().splitlines()[-1]}")
    print(
        f"web bridge ({args.auth} login): bridges new -> replayed tests in {total:.1f} s; "
        f"{lines} generated lines in desk/bridge.py"
    )


if __name__ == "__main__":
    main()
