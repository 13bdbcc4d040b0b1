"""A real gunicorn serving a test WSGI module, for the tests of state shared by workers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from bridges.core.testing import wait_until

__all__ = ["gunicorn", "workers_answering"]

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def gunicorn(module: str, workers: int, env: dict[str, str], options: tuple[str, ...] = ()) -> Iterator[httpx.Client]:
    """Serve ``module:app`` with ``workers`` gthread workers (and gunicorn's ``options``); yield
    a client that opens a new connection per request (so that any worker may take it), its
    ``master`` the gunicorn master's process and ``master_pid`` its pid. No traceback may
    reach stderr."""
    listener = socket.create_server(("127.0.0.1", 0))  # connections queue until a worker boots
    port = listener.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--workers", str(workers),
         "--threads", "4", "--worker-class", "gthread", *options, f"{module}:app"],
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, pass_fds=[listener.fileno()],
        stderr=subprocess.PIPE, text=True)
    listener.close()
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                        limits=httpx.Limits(max_keepalive_connections=0))
    http.master_pid = proc.pid
    http.master = proc
    try:
        yield http
    finally:
        http.close()
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err[-3000:]


def workers_answering(http: httpx.Client, path: str, pid_of, at_least: int, timeout: float = 90) -> set[int]:
    """Call ``path`` until ``at_least`` distinct worker pids answered (bounded); the pids seen."""
    seen: set[int] = set()

    def enough() -> bool:
        seen.add(pid_of(http.get(path)))
        return len(seen) >= at_least

    wait_until(enough, timeout)
    return seen
