"""The README's worked examples — one per transport, from ``bridges new`` to replayed tests — run
as written, line by line, in a fresh folder (the demo systems on free ports)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bridges.core.testing import need

pytestmark = [pytest.mark.live, pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- worked example: (\w+) -->\n```sh\n(.*?)```", re.DOTALL)
EXAMPLES = dict(EXAMPLE.findall(README))
DEMO_PORTS = {"tn3270": "3270", "web": "8081"}


def _needs(transport: str) -> None:
    if transport == "tn3270":
        from mainframe.testing import need_s3270

        need_s3270()
    elif transport == "web":
        from web_scrape.testing import need_chromium

        need_chromium()
    else:
        import pyodbc

        need("SQLite3" in pyodbc.drivers(), "the SQLite ODBC driver (Debian package libsqliteodbc)")


def test_there_is_one_worked_example_per_transport():
    assert sorted(EXAMPLES) == ["odbc", "tn3270", "web"]


@pytest.mark.parametrize("transport", ["tn3270", "odbc", "web"])
def test_the_worked_example_runs_as_written(tmp_path, transport):
    """Each line runs in bash in the current folder; ``cd`` moves it, a line ending in ``&``
    starts a demo system (waited for until it says where it listens) and ``kill %1`` stops it.

    The demo's well-known port may be taken on this machine: it starts on port 0 (it binds a free
    one and names it), and the lines after it are given that port."""
    _needs(transport)
    script = EXAMPLES[transport]
    port = None  # the one the demo bound
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    env.pop("PYTEST_ADDOPTS", None)
    cwd, background = tmp_path, None
    try:
        for line in script.splitlines():
            command = line.split("  #", 1)[0].strip()
            if port is not None:
                command = re.sub(rf"(--port |127\.0\.0\.1:){DEMO_PORTS[transport]}\b", rf"\g<1>{port}", command)
            if command.startswith("cd "):
                cwd = cwd / shlex.split(command)[1]
            elif command == "kill %1":
                background.terminate()
                assert background.wait(timeout=30) == 0, f"{transport}: the demo system did not stop cleanly"
                background = None
            elif command.endswith("&"):
                command = re.sub(r"--port \d+", "--port 0", command)
                background = subprocess.Popen(
                    ["bash", "-c", f"exec {command[:-1]}"],
                    cwd=cwd,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                said = background.stdout.readline()  # the demo says where it listens once it does
                bound = re.search(r"127\.0\.0\.1:(\d+)", said)
                assert bound, f"{transport}: {command} said {said!r}"
                port = bound.group(1)
            else:
                done = subprocess.run(
                    ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
                )
                assert done.returncode == 0, f"{transport}: `{command}` failed:\n{done.stdout}\n{done.stderr}"
                if "pytest" in command:
                    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout
    finally:
        if background is not None:
            background.kill()
            background.wait()
