"""Shared bench helpers: percentiles and a gunicorn facade in a subprocess."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["free_port", "gunicorn_facade", "percentile", "serving", "summary"]

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> str:
    """p50/p95 in milliseconds."""
    return f"p50 {percentile(samples, 0.5) * 1000:.3f} ms, p95 {percentile(samples, 0.95) * 1000:.3f} ms " \
           f"(n={len(samples)}, mean {statistics.fmean(samples) * 1000:.3f} ms)"


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a server ``command`` listening on loopback ``port``; yield its base URL once it accepts."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{command[0]} exited")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def gunicorn_facade(config_path: Path, workers: int = 2, threads: int = 4,
                    app: str = "facade_app.wsgi:app") -> Iterator[str]:
    """Run ``app`` (the facade's WSGI app) under gunicorn; yield its base URL."""
    port = free_port()
    env = {**os.environ, "LEGACY_BRIDGES_CONFIG": str(config_path)}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "-k", "gthread",
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", app]
    with serving(command, port, env) as url:
        yield url
